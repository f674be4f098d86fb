// Small SVG charts drawn in the browser from the API's figures: every bar carries its value as
// text (readable when printed, and in black and white) and a <title> for screen readers.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const CHART_COLORS = ["#0969da", "#1a7f37", "#bf8700", "#8250df", "#cf222e", "#57606a"];

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function chartRoot(width, height, label) {
  const svg = svgEl("svg", {viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label});
  svg.append(svgEl("title", {}, label));
  return svg;
}

// Horizontal bars: rows of {label, value, text, href?}; max defaults to the largest value.
function barChart(label, rows, max) {
  const rowH = 26, labelW = 120, valueW = 150, width = 720;
  const top = max ?? Math.max(0, ...rows.map((r) => r.value || 0));
  const svg = chartRoot(width, Math.max(rowH, rows.length * rowH) + 4, label);
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    const barW = top > 0 ? Math.max(1, (width - labelW - valueW) * (r.value || 0) / top) : 0;
    const group = svgEl("g");
    group.append(svgEl("title", {}, `${r.label}：${r.text}`));
    group.append(svgEl("text", {x: labelW - 6, y: y + 14, "text-anchor": "end"}, r.label));
    group.append(svgEl("rect", {x: labelW, y: y + 2, width: barW, height: 16, fill: r.color || CHART_COLORS[0], rx: 3}));
    group.append(svgEl("text", {x: labelW + barW + 6, y: y + 14}, r.text));
    svg.append(r.href ? wrapLink(group, r.href) : group);
  });
  return finish(svg);
}

// Columns over time: points of {label, value, text, sub?}; the text sits on the column, the
// label and sub (e.g. the sample size) below it.
function columnChart(label, points, max) {
  const width = 720, height = 220, bottom = 40, left = 40;
  const top = max ?? Math.max(0, ...points.map((p) => p.value || 0));
  const svg = chartRoot(width, height, label);
  const plotH = height - bottom - 20, step = (width - left) / Math.max(1, points.length);
  svg.append(svgEl("line", {x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "axis"}));
  points.forEach((p, i) => {
    const h = top > 0 ? plotH * (p.value || 0) / top : 0;
    const x = left + i * step + step * 0.15, w = step * 0.7, y = height - bottom - h;
    const group = svgEl("g");
    group.append(svgEl("title", {}, `${p.label}：${p.text}${p.sub ? `（${p.sub}）` : ""}`));
    group.append(svgEl("rect", {x, y, width: w, height: h, fill: CHART_COLORS[0], rx: 2}));
    group.append(svgEl("text", {x: x + w / 2, y: y - 4, "text-anchor": "middle"}, p.text));
    group.append(svgEl("text", {x: x + w / 2, y: height - bottom + 16, "text-anchor": "middle"}, p.label));
    if (p.sub) group.append(svgEl("text", {x: x + w / 2, y: height - bottom + 30, "text-anchor": "middle"}, p.sub));
    svg.append(p.href ? wrapLink(group, p.href) : group);
  });
  return finish(svg);
}

// One bar split into parts: parts of {label, value (fraction)}; a legend with the shares below.
function stackChart(label, parts) {
  const width = 720, total = parts.reduce((a, p) => a + (p.value || 0), 0);
  const svg = chartRoot(width, 60, label);
  let x = 0;
  parts.forEach((p, i) => {
    const w = total > 0 ? width * (p.value || 0) / total : 0;
    const color = CHART_COLORS[i % CHART_COLORS.length];
    svg.append(svgEl("rect", {x, y: 0, width: w, height: 22, fill: color}));
    const lx = (width / parts.length) * i;
    svg.append(svgEl("rect", {x: lx, y: 34, width: 12, height: 12, fill: color}));
    svg.append(svgEl("text", {x: lx + 16, y: 45}, `${p.label} ${pct(p.value)}`));
    x += w;
  });
  return svg;
}

// A chart whose bars are links is a group of links (an image cannot hold focusable parts).
function finish(svg) {
  if (svg.querySelector("a")) svg.setAttribute("role", "group");
  return svg;
}

function wrapLink(group, href) {
  const a = svgEl("a", {href});
  a.append(group);
  return a;
}
