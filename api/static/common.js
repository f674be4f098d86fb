// Shared helpers. Everything user-written is put on the page with textContent, never innerHTML.
"use strict";

const STATUS_NAMES = {queued: "排队中", transcribing: "转写中", analyzing: "分析中", done: "已完成", failed: "失败"};
const SPIN_NAMES = {situation: "情况问题", problem: "难点问题", implication: "暗示问题", need_payoff: "需求效益问题",
                    other_question: "其他问题"};
const COMMITMENT_NAMES = {advance: "推进", continuation: "延续", decline: "拒绝"};

async function api(path, options = {}) {
  const response = await fetch(path, {credentials: "same-origin", ...options});
  if (response.status === 401) { window.location = "/ui/sign-in"; throw new Error("signed out"); }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) { throw new Error(body && body.detail ? body.detail : response.statusText); }
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function clock(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.floor(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function localTime(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", {hour12: false}) : "";
}
