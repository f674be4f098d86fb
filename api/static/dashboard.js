// The rep dashboard: every figure comes from /api/v1/metrics/*, drawn as plain CSS bars.
"use strict";

const SPIN_COLORS = {situation: "#8c959f", problem: "#fb8f44", implication: "#54aeff", need_payoff: "#0969da"};
const pct = (x) => `${Math.round((x || 0) * 100)}%`;

function bar(label, value, max, text) {
  const row = el("div", null, "bar-row");
  const fill = el("div", null, "bar-fill");
  fill.style.width = `${max ? Math.max(2, 100 * value / max) : 0}%`;
  const track = el("div", null, "bar-track"); track.append(fill);
  row.append(el("span", label, "bar-label"), track, el("span", text, "bar-value"));
  return row;
}

function period() {
  return `from=${document.getElementById("from").value}&to=${document.getElementById("to").value}`;
}

async function loadReps() {
  const rows = await api(`/api/v1/metrics/reps?${period()}`);
  const select = document.getElementById("rep");
  const own = document.getElementById("dash-form").dataset.ownRep;
  const current = select.value || own;
  select.replaceChildren(...rows.map((r) => { const o = el("option", r.rep); o.value = r.rep_id; return o; }));
  if (current) select.value = current;
  return rows;
}

async function draw() {
  const reps = await loadReps();
  const repId = Number(document.getElementById("rep").value);
  const me = reps.find((r) => r.rep_id === repId);
  const trend = await api(`/api/v1/metrics/trend?${period()}&rep_id=${repId}`);
  document.getElementById("trend").replaceChildren(...(trend.length ? trend.map((m) =>
    bar(m.month, m.commitment_rate, 1, `${pct(m.commitment_rate)}（${m.analysed_calls} 通）`)) : [el("p", "期间内没有分析过的通话", "muted")]));
  drawSpin(me);
  const team = reps.filter((r) => r.analysed_calls).map((r) => r.mean_talk_ratio);
  const teamAvg = team.length ? team.reduce((a, b) => a + b, 0) / team.length : 0;
  document.getElementById("talk").replaceChildren(bar("本人", me ? me.mean_talk_ratio : 0, 1, pct(me && me.mean_talk_ratio)),
                                                  bar("团队平均", teamAvg, 1, pct(teamAvg)));
  const funnel = await api(`/api/v1/metrics/funnel?${period()}`);
  const top = funnel.stages.length ? funnel.stages[0].reached : 0;
  document.getElementById("funnel").replaceChildren(...funnel.stages.map((s) => bar(s.stage, s.reached, top, String(s.reached))));
  await drawLeaderboard();
}

function drawSpin(me) {
  const stack = document.getElementById("spin");
  const mix = me ? me.spin_mix : {};
  stack.replaceChildren(...Object.entries(SPIN_COLORS).map(([kind, color]) => {
    const part = el("div", null, "stack-part"); part.style.width = pct(mix[kind]); part.style.background = color; return part;
  }));
  document.getElementById("spin-legend").replaceChildren(...Object.entries(SPIN_COLORS).map(([kind, color]) => {
    const li = el("li", `${SPIN_NAMES[kind]} ${pct(mix[kind])}`); li.style.borderLeft = `12px solid ${color}`; return li;
  }));
}

async function drawLeaderboard() {
  const rows = await api(`/api/v1/metrics/commitments?${period()}`);
  document.getElementById("leaderboard").replaceChildren(...rows.map((r) => {
    const tr = el("tr");
    tr.append(el("td", r.rank), el("td", r.rep), el("td", pct(r.commitment_rate)), el("td", r.analysed_calls),
              el("td", `${pct(r.confidence_low)}–${pct(r.confidence_high)}`), el("td", r.small_sample ? "样本不足，不参与排名比较" : ""));
    return tr;
  }));
}

const today = new Date();
const sixMonthsAgo = new Date(today.getFullYear(), today.getMonth() - 5, 1);
const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
document.getElementById("from").value = iso(sixMonthsAgo);
document.getElementById("to").value = iso(new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1));
document.getElementById("dash-form").addEventListener("submit", (e) => { e.preventDefault(); draw(); });
document.getElementById("rep").addEventListener("change", draw);
draw().catch((e) => document.getElementById("trend").replaceChildren(el("p", e.message, "error")));
