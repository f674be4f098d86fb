// Comments (pinned to a turn, with replies) and the scorecard on the review page.
"use strict";

let commentTurn = null;
let replyTo = null;

function commentItem(comment, all) {
  const li = el("li", null, comment.parent_id ? "comment reply" : "comment");
  const where = comment.turn_index !== null ? `第 ${comment.turn_index + 1} 句` :
    comment.at_seconds !== null ? clock(comment.at_seconds) : "整通电话";
  li.append(el("div", `${comment.author_name} · ${where} · ${localTime(comment.created_at)}`, "muted"),
            el("p", comment.text));
  const reply = el("button", "回复", "link");
  reply.type = "button";
  reply.addEventListener("click", () => { replyTo = comment.id; commentTurn = comment.turn_index;
    document.getElementById("comment-target").textContent = `回复 ${comment.author_name}`; });
  li.append(reply);
  return li;
}

async function loadComments() {
  const comments = await api(`/api/v1/calls/${callId}/comments`);
  const ordered = [];
  for (const c of comments.filter((c) => !c.parent_id)) {
    ordered.push(c, ...comments.filter((r) => r.parent_id === c.id));
  }
  document.getElementById("comments").replaceChildren(
    ...(ordered.length ? ordered.map((c) => commentItem(c, comments)) : [el("li", "还没有评论", "muted")]));
}

function pinButtons() {
  // A small "评论" button on every turn pins the next comment to it.
  document.querySelectorAll("li.turn .head").forEach((head) => {
    if (head.querySelector(".pin")) return;
    const pin = el("button", "评论", "link pin");
    pin.type = "button";
    pin.addEventListener("click", (e) => {
      e.stopPropagation();
      commentTurn = Number(head.parentElement.dataset.index); replyTo = null;
      document.getElementById("comment-target").textContent = `评论第 ${commentTurn + 1} 句`;
      document.getElementById("comment-text").focus();
    });
    head.append(pin);
  });
}

async function postComment(event) {
  event.preventDefault();
  const status = document.getElementById("comment-status");
  const body = {text: document.getElementById("comment-text").value, turn_index: commentTurn, parent_id: replyTo};
  try {
    await api(`/api/v1/calls/${callId}/comments`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                   body: JSON.stringify(body)});
    document.getElementById("comment-text").value = ""; status.textContent = "已发表";
    commentTurn = null; replyTo = null;
    document.getElementById("comment-target").textContent = "评论整通电话（点击某句右侧的“评论”可针对该句）";
    await loadComments();
  } catch (e) { status.textContent = `发表失败：${e.message}`; }
}

async function loadScorecard() {
  const card = await api(`/api/v1/calls/${callId}/scorecard`);
  const form = document.getElementById("scorecard");
  const editable = form.dataset.editable === "yes";
  document.getElementById("criteria").replaceChildren(...card.criteria.map((c) => {
    const label = el("label", `${c.name}（权重 ${c.weight}）`, "criterion");
    const select = el("select"); select.name = c.key; select.disabled = !editable;
    for (let n = 0; n <= 5; n++) { const o = el("option", n); o.value = n; select.append(o); }
    if (card.ratings) select.value = card.ratings[c.key];
    label.append(select);
    return label;
  }));
  document.getElementById("scorecard-note").value = card.note || "";
  document.getElementById("scorecard-note").disabled = !editable;
  document.getElementById("scorecard-save").hidden = !editable;
  document.getElementById("scorecard-total").textContent = card.total === null ? "尚未评分" : `${card.total} 分`;
  document.getElementById("scorecard-by").textContent = card.reviewer ? `评分人：${card.reviewer}` : "";
}

async function saveScorecard(event) {
  event.preventDefault();
  const ratings = {};
  document.querySelectorAll("#criteria select").forEach((s) => { ratings[s.name] = Number(s.value); });
  const note = document.getElementById("scorecard-note").value;
  const status = document.getElementById("scorecard-status");
  try {
    await api(`/api/v1/calls/${callId}/scorecard`, {method: "PUT", headers: {"Content-Type": "application/json"},
                                                    body: JSON.stringify({ratings, note})});
    status.textContent = "已保存"; await loadScorecard();
  } catch (e) { status.textContent = `保存失败：${e.message}`; }
}

document.getElementById("comment-form").addEventListener("submit", postComment);
document.getElementById("scorecard").addEventListener("submit", saveScorecard);
new MutationObserver(pinButtons).observe(document.getElementById("turns"), {childList: true});
loadComments();
loadScorecard();
