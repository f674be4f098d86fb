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
  head.append(...labelBadges(turn));
  li.append(head, turnText(turn), ...turnOrigins(turn), ...correctionLine(turn));
  if (turn.commitment_action || turn.commitment_due) {
    li.append(el("p", `下一步：${turn.commitment_action || ""} ${turn.commitment_due || ""}`, "next"));
  }
  li.addEventListener("click", () => seekTo(li));
  li.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && e.target === li) { e.preventDefault(); seekTo(li); }
  });
  return li;
}

// The words: automatic corrections highlighted, words Whisper was unsure of underlined.
const FIX_REASONS = {vocabulary: "词库", learned: "学习到的更正", homophone: "同音词"};
const TERM_KINDS = {product: "产品", company: "公司", person: "人名", competitor: "竞品", term: "术语", learned: "学习到的更正"};

function turnText(turn) {
  const p = el("p", null, "text");
  const marks = [...(turn.replacements || []).map((r) => ({...r, fix: true})), ...(turn.doubtful || [])]
    .sort((a, b) => a.start - b.start);
  let at = 0;
  for (const m of marks) {
    if (m.start < at || m.end > turn.text.length) continue;
    p.append(turn.text.slice(at, m.start));
    const span = el("span", turn.text.slice(m.start, m.end), m.fix ? "asr-fixed" : "asr-doubtful");
    span.title = m.fix ? `自动更正：原文“${m.heard}”（${FIX_REASONS[m.reason] || m.reason}）`
      : `转写把握不大（${pct(m.probability)}），请对照录音核对`;
    p.append(span);
    at = m.end;
  }
  p.append(turn.text.slice(at));
  return p;
}

// Visible, not only in tooltips: what the automatic corrections replaced and who edited the words.
function turnOrigins(turn) {
  const lines = [];
  if (turn.replacements && turn.replacements.length) {
    const fixes = turn.replacements.map((r) =>
      `“${r.heard}”→“${r.text}”（${FIX_REASONS[r.reason] || r.reason}${r.kind && TERM_KINDS[r.kind] ? `·${TERM_KINDS[r.kind]}` : ""}）`);
    lines.push(el("p", `自动更正：${fixes.join("；")}`, "origin"));
  }
  if (turn.edit) {
    lines.push(el("p", `文字由 ${turn.edit.edited_by} 于 ${localTime(turn.edit.edited_at)} 修改，原为“${turn.edit.old_text}”`, "origin edited"));
  }
  return lines;
}

// A corrected label says so in words, not only in a tooltip: the model's label, who, when, why.
function correctionLine(turn) {
  const c = turn.correction;
  if (!c) return [];
  const model = turn.model_labels || {};
  const was = turn.speaker === "rep" ? SPIN_NAMES[model.question_type] : COMMITMENT_NAMES[model.commitment];
  const why = c.note ? `：${c.note}` : "";
  return [el("p", `${c.corrected_by} 于 ${localTime(c.corrected_at)} 更正（模型原判：${was || "无"}）${why}`, "origin corrected")];
}

// The label in effect; a corrected one is marked, with the model's label and who corrected it.
function labelBadges(turn) {
  const badges = [];
  if (turn.question_type) badges.push(el("span", SPIN_NAMES[turn.question_type], `badge spin ${turn.question_type}`));
  if (turn.commitment) badges.push(el("span", COMMITMENT_NAMES[turn.commitment], `badge commit ${turn.commitment}`));
  const c = turn.correction;
  if (c) {
    const model = turn.model_labels || {};
    const was = turn.speaker === "rep" ? SPIN_NAMES[model.question_type] : COMMITMENT_NAMES[model.commitment];
    const mark = el("span", "已更正", "badge corrected");
    mark.title = `模型原判：${was || "无"}；${c.corrected_by} 于 ${localTime(c.corrected_at)} 更正`;
    badges.push(mark);
    return badges;
  }
  const p = turn.speaker === "rep" ? turn.question_probability : turn.commitment_probability;
  if ((turn.question_type || turn.commitment) && p !== null && p !== undefined) {
    const sure = el("span", `置信度 ${pct(p)}`, "prob");
    if (p < 0.6) sure.classList.add("unsure");
    badges.push(sure);
  }
  return badges;
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

const SPEAKER_METHODS = {channels: "按声道区分", given: "已指定", heuristic: "单声道，按内容推断",
                         voices: "单声道，按声音区分", swapped: "人工对调（自动区分弄反了）"};
const GUESSED_SPEAKERS = ["heuristic", "voices", "swapped"];  // a mono call: a person may swap them

function showSummary(analysis) {
  const score = analysis.score;
  document.getElementById("score").textContent = score ? score.total : "–";
  document.getElementById("score-reasons").replaceChildren(...(score
    ? score.reasons.map((r) => el("li", `${r.points} 分 · ${r.reason}`))
    : [el("li", "不是销售对话，不评分", "muted")]));
  document.getElementById("commitments").replaceChildren(...(analysis.commitments.length
    ? analysis.commitments.map((c) => el("li", `${c.action || "推进"}${c.due ? `（${c.due}）` : ""}：${c.text}${c.corrected ? "（已更正）" : ""}`))
    : [el("li", "无", "muted")]));
  showConversation(analysis.conversation, analysis.speakers);
  showStale(analysis.stale_corrections || [], analysis.stale_edits || []);
  const m = analysis.metrics || {};
  const rows = [["销售说话占比", pct(m.talk_ratio)], ["最长独白", seconds(m.longest_rep_monologue_s)],
    ["最长客户叙述", seconds(m.longest_customer_story_s)], ["提问数", m.question_count ?? "–"],
    ["互动频率", m.interactivity === null || m.interactivity === undefined ? "–" : `${m.interactivity} 次/分钟`],
    ["耐心（停顿）", seconds(m.patience_s)], ["静音占比", pct(m.silence_ratio)]];
  document.getElementById("metrics").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
}

function showConversation(conversation, speakers) {
  const sure = conversation.confidence === null ? "未判断" : `置信度 ${pct(conversation.confidence)}`;
  document.getElementById("conversation").textContent =
    `${conversation.is_sales_call ? "销售对话" : "不是销售对话（不评分、不计承诺）"} · ${sure}`;
  document.getElementById("conversation-reasons").replaceChildren(...conversation.reasons.map((r) => el("li", r)));
  document.getElementById("speakers").textContent =
    `${SPEAKER_METHODS[speakers.method] || speakers.method} · 置信度 ${pct(speakers.confidence)}`;
  document.getElementById("speaker-reasons").replaceChildren(...speakers.reasons.map((r) => el("li", r)));
  showSpeakerChoice(speakers);
}

// A mono call's speakers are guessed: when unsure the page says so, and who may fix the call
// may swap rep and customer (the call is analysed again).
function showSpeakerChoice(speakers) {
  const guessed = GUESSED_SPEAKERS.includes(speakers.method);
  const doubt = document.getElementById("speakers-doubt");
  doubt.hidden = !(guessed && speakers.method !== "swapped" && speakers.confidence < 0.7);
  doubt.textContent = "说话人区分把握不大：请看几句对话核对，如果销售和客户颠倒了，点「对调销售和客户」。";
  const swap = document.getElementById("swap-speakers");
  if (!swap) return;
  swap.hidden = !guessed;
  const swapped = speakers.method === "swapped";
  swap.textContent = swapped ? "恢复自动区分的说话人" : "对调销售和客户";
  swap.onclick = () => swapSpeakers(!swapped).catch(fail("call-status"));
}

async function reanalyze() {
  await api(`/api/v1/calls/${callId}/reanalyze`, {method: "POST"});
  showStatus("reanalyze-status", "已排队重新分析，完成后页面自动更新。");
  load();
}

const reanalyzeButton = document.getElementById("reanalyze");
if (reanalyzeButton) reanalyzeButton.addEventListener("click", () => reanalyze().catch(fail("reanalyze-status")));

async function swapSpeakers(swapped) {
  await send(`/api/v1/calls/${callId}`, "PATCH", {speakers_swapped: swapped});
  showStatus("call-status", "已保存，正在按对调后的说话人重新分析。");
  load();
}

function showStale(stale, staleEdits) {
  const box = document.getElementById("stale");
  box.hidden = !stale.length && !staleEdits.length;
  document.getElementById("stale-list").replaceChildren(...stale.map((c) =>
    el("li", `第 ${c.turn_index + 1} 句（原文“${c.turn_text}”）：${c.corrected_by} 的更正已不适用，重新分析后这句话变了`)),
  ...staleEdits.map((e) =>
    el("li", `第 ${e.turn_index + 1} 句：${e.edited_by} 把“${e.old_text}”改为“${e.text}”，重新转写后这句话变了，修改未再应用`)));
}

async function showAnalysis() {
  const analysis = await api(`/api/v1/calls/${callId}/analysis`);
  showTurns(analysis.turns);
  showSummary(analysis);
}

function noAudio(text) {
  document.getElementById("audio-box").replaceChildren(el("p", text, "no-audio"));
}

async function load() {
  const call = await api(`/api/v1/calls/${callId}`);
  document.getElementById("title").textContent = call.title || call.original_filename || `通话 #${call.id}`;
  document.getElementById("meta").textContent =
    `${localTime(call.occurred_at || call.created_at)} · ${call.rep || "未指定销售"} · ${call.customer || "未指定客户"} · ${STATUS_NAMES[call.status]}`;
  // The player asks for the recording only when there is one (demo calls have none).
  if (!call.size_bytes) noAudio("无录音：这通电话只有转写和分析（例如演示数据），没有录音文件。");
  else if (!player.getAttribute("src")) player.src = `/api/v1/calls/${callId}/audio`;
  if (call.status === "done") {
    await showAnalysis();
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
