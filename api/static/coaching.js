// Comments (pinned to a turn, with replies), the scorecard, and adding a moment to a playlist.
"use strict";

let commentTurn = null;
let replyTo = null;
const commentForm = document.getElementById("comment-form");
const DEFAULT_TARGET = "评论整通电话（点击某句右侧的“评论”可针对该句）";

function commentItem(comment) {
  const li = el("li", null, comment.parent_id ? "comment reply" : "comment");
  const where = comment.turn_index !== null ? `第 ${comment.turn_index + 1} 句` :
    comment.at_seconds !== null ? clock(comment.at_seconds) : "整通电话";
  li.append(el("div", `${comment.author_name} · ${where} · ${localTime(comment.created_at)}`, "muted"),
            el("p", comment.text));
  if (commentForm) {
    li.append(button("回复", () => {
      replyTo = comment.id; commentTurn = comment.turn_index;
      document.getElementById("comment-target").textContent = `回复 ${comment.author_name}`;
      document.getElementById("comment-text").focus();
    }, "link"));
  }
  return li;
}

async function loadComments() {
  const comments = await api(`/api/v1/calls/${callId}/comments`);
  const ordered = [];
  for (const c of comments.filter((c) => !c.parent_id)) {
    ordered.push(c, ...comments.filter((r) => r.parent_id === c.id));
  }
  document.getElementById("comments").replaceChildren(
    ...(ordered.length ? ordered.map(commentItem) : [el("li", "还没有评论", "muted")]));
}

function pinButtons() {
  // A small "评论" button on every turn pins the next comment to it.
  if (!commentForm) return;
  document.querySelectorAll("li.turn .head").forEach((head) => {
    if (head.querySelector(".pin")) return;
    const index = Number(head.parentElement.dataset.index);
    const pin = button("评论", (e) => {
      e.stopPropagation();
      commentTurn = index; replyTo = null;
      document.getElementById("comment-target").textContent = `评论第 ${index + 1} 句`;
      document.getElementById("comment-text").focus();
    }, "link pin");
    pin.setAttribute("aria-label", `评论第 ${index + 1} 句`);
    pin.addEventListener("keydown", (e) => e.stopPropagation());
    head.append(pin);
  });
}

async function postComment(event) {
  event.preventDefault();
  const body = {text: document.getElementById("comment-text").value, turn_index: commentTurn, parent_id: replyTo};
  try {
    await send(`/api/v1/calls/${callId}/comments`, "POST", body);
    document.getElementById("comment-text").value = "";
    showStatus("comment-status", "已发表");
    commentTurn = null; replyTo = null;
    document.getElementById("comment-target").textContent = DEFAULT_TARGET;
    await loadComments();
  } catch (e) { showStatus("comment-status", `发表失败：${e.message}`, true); }
}

async function loadScorecard() {
  const card = await api(`/api/v1/calls/${callId}/scorecard`);
  const editable = Boolean(document.getElementById("scorecard"));
  const criteria = document.getElementById("criteria");
  if (editable) {
    criteria.replaceChildren(...card.criteria.map((c) => {
      const label = el("label", `${c.name}（权重 ${c.weight}）`, "criterion");
      const select = el("select"); select.name = c.key;
      for (let n = 0; n <= 5; n++) { const o = el("option", n); o.value = n; select.append(o); }
      if (card.ratings) select.value = card.ratings[c.key];
      label.append(select);
      return label;
    }));
    document.getElementById("scorecard-note").value = card.note || "";
  } else {
    criteria.replaceChildren(...card.criteria.flatMap((c) =>
      [el("dt", `${c.name}（权重 ${c.weight}）`), el("dd", card.ratings ? `${card.ratings[c.key]} / 5` : "–")]));
    document.getElementById("scorecard-note-view").textContent = card.note ? `总体评价：${card.note}` : "";
  }
  document.getElementById("scorecard-total").textContent = card.total === null ? "尚未评分" : `${card.total} 分`;
  document.getElementById("scorecard-by").textContent = card.reviewer ? `评分人：${card.reviewer}` : "";
}

async function saveScorecard(event) {
  event.preventDefault();
  const ratings = {};
  document.querySelectorAll("#criteria select").forEach((s) => { ratings[s.name] = Number(s.value); });
  const note = document.getElementById("scorecard-note").value;
  try {
    await send(`/api/v1/calls/${callId}/scorecard`, "PUT", {ratings, note});
    showStatus("scorecard-status", "已保存"); await loadScorecard();
  } catch (e) { showStatus("scorecard-status", `保存失败：${e.message}`, true); }
}

// A moment quotes the turns' words to the whole team: words Whisper was unsure of or that were
// corrected automatically are pointed out first, so the curator can check them ("改文字").
function confirmQuote(from, to) {
  const unsure = turns.slice(Math.max(from, 0), to + 1)
    .filter((t) => !t.edit && ((t.doubtful || []).length || (t.replacements || []).length));
  if (!unsure.length) return true;
  const which = unsure.map((t) => t.index + 1).join("、");
  return window.confirm(`第 ${which} 句有转写把握不大或自动更正的词（页面上已标出），案例库会原样引用这些文字。` +
    "确定直接加入？选“取消”可先核对录音并用“改文字”修改。");
}

async function setUpMoments() {
  const form = document.getElementById("moment-form");
  if (!form) return;
  const playlists = await api("/api/v1/playlists");
  options(document.getElementById("moment-playlist"), playlists, (p) => p.name, (p) => p.id);
  if (!playlists.length) showStatus("moment-status", "还没有案例库，请先在「案例库」页面新建。");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const playlist = document.getElementById("moment-playlist").value;
    const item = {call_id: Number(callId), from_turn: Number(document.getElementById("moment-from").value) - 1,
                  to_turn: Number(document.getElementById("moment-to").value) - 1,
                  note: document.getElementById("moment-note").value || null};
    if (!confirmQuote(item.from_turn, item.to_turn)) return;
    try {
      await send(`/api/v1/playlists/${playlist}/items`, "POST", item);
      showStatus("moment-status", "已加入案例库");
    } catch (err) { showStatus("moment-status", `加入失败：${err.message}`, true); }
  });
}

if (commentForm) commentForm.addEventListener("submit", postComment);
const scoreForm = document.getElementById("scorecard");
if (scoreForm) scoreForm.addEventListener("submit", saveScorecard);
new MutationObserver(pinButtons).observe(document.getElementById("turns"), {childList: true});
loadComments().catch(() => {});
loadScorecard().catch(() => {});
setUpMoments().catch(fail("moment-status"));
