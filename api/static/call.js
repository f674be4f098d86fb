// The review page: audio synced with the analysed turns (or the raw transcript before analysis).
"use strict";

const callId = document.querySelector(".review").dataset.callId;
const player = document.getElementById("player");
let turns = [];

function seekTo(li) {
  if (!player.isConnected) return;
  player.currentTime = Number(li.dataset.start);
  player.play().catch(() => {});
}

function turnItem(turn, index) {
  const li = el("li", null, `turn ${turn.speaker}`);
  li.dataset.index = index;
  li.dataset.start = turn.start ?? 0;
  li.tabIndex = 0;
  const who = turn.speaker === "rep" ? "销售" : turn.speaker === "customer" ? "客户" : "未知";
  const head = el("div", null, "head");
  head.append(el("span", `${index + 1}. ${who}`, "who"), el("span", clock(turn.start), "time"));
  if (turn.question_type) head.append(el("span", SPIN_NAMES[turn.question_type], `badge spin ${turn.question_type}`));
  if (turn.commitment) head.append(el("span", COMMITMENT_NAMES[turn.commitment], `badge commit ${turn.commitment}`));
  li.append(head, el("p", turn.text, "text"));
  if (turn.commitment_action || turn.commitment_due) {
    li.append(el("p", `下一步：${turn.commitment_action || ""} ${turn.commitment_due || ""}`, "next"));
  }
  li.addEventListener("click", () => seekTo(li));
  li.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && e.target === li) { e.preventDefault(); seekTo(li); }
  });
  return li;
}

function showTurns(list) {
  turns = list;
  const ol = document.getElementById("turns");
  ol.replaceChildren(...(list.length ? list.map(turnItem) : [el("li", "这通电话没有识别到语音", "muted")]));
}

function highlight() {
  const now = player.currentTime;
  let current = -1;
  turns.forEach((t, i) => { if ((t.start ?? 0) <= now) current = i; });
  document.querySelectorAll(".turn").forEach((li) => li.classList.toggle("current", Number(li.dataset.index) === current));
}

const seconds = (x) => (x === null || x === undefined ? "–" : `${Number(x).toFixed(1)} 秒`);

function showSummary(analysis) {
  document.getElementById("score").textContent = analysis.score.total ?? "–";
  document.getElementById("score-reasons").replaceChildren(
    ...analysis.score.reasons.map((r) => el("li", `${r.points} 分 · ${r.reason}`)));
  if (analysis.commitments.length) {
    document.getElementById("commitments").replaceChildren(
      ...analysis.commitments.map((c) => el("li", `${c.action || "推进"}${c.due ? `（${c.due}）` : ""}：${c.text}`)));
  }
  const m = analysis.metrics || {};
  const rows = [["销售说话占比", pct(m.talk_ratio)], ["最长独白", seconds(m.longest_rep_monologue_s)],
    ["最长客户叙述", seconds(m.longest_customer_story_s)], ["提问数", m.question_count ?? "–"],
    ["互动频率", m.interactivity === null || m.interactivity === undefined ? "–" : `${m.interactivity} 次/分钟`],
    ["耐心（停顿）", seconds(m.patience_s)], ["静音占比", pct(m.silence_ratio)]];
  document.getElementById("metrics").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
}

function noAudio(text) {
  document.getElementById("audio-box").replaceChildren(el("p", text, "no-audio"));
}

async function load() {
  const call = await api(`/api/v1/calls/${callId}`);
  document.getElementById("title").textContent = call.title || call.original_filename || `通话 #${call.id}`;
  document.getElementById("meta").textContent =
    `${localTime(call.occurred_at || call.created_at)} · ${call.rep || "未指定销售"} · ${call.customer || "未指定客户"} · ${STATUS_NAMES[call.status]}`;
  if (!call.size_bytes) noAudio("无录音：这通电话只有转写和分析（例如演示数据），没有录音文件。");
  if (call.status === "done") {
    const analysis = await api(`/api/v1/calls/${callId}/analysis`);
    showTurns(analysis.turns);
    showSummary(analysis);
  } else if (call.transcribed_at) {
    showTurns((await api(`/api/v1/calls/${callId}/transcript`)).segments);
  } else {
    document.getElementById("turns").replaceChildren(el("li", `${STATUS_NAMES[call.status]}，请稍候…`, "muted"));
    setTimeout(load, 3000);
  }
}

player.addEventListener("timeupdate", highlight);
player.addEventListener("error", () => { if (player.isConnected) noAudio("无法播放：录音文件缺失或已损坏。"); });
// Opened from a playlist moment (?t=seconds): start there.
const startAt = Number(new URLSearchParams(window.location.search).get("t"));
if (startAt > 0) player.addEventListener("loadedmetadata", () => { player.currentTime = startAt; }, {once: true});
load().catch((e) => document.getElementById("turns").replaceChildren(el("li", e.message, "error")));
