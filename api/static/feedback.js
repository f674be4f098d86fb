// A rep's QA results, with an appeal (申诉) form on each final review.
"use strict";

const REVIEW_STATUS = {final: "已定", appealed: "申诉中", upheld: "申诉驳回", overturned: "申诉成功"};

function reviewItem(review) {
  const li = el("li", null, "comment");
  const head = el("div", null, "muted");
  head.append(link(callName(review.call_title, review.call_id), `/ui/calls/${review.call_id}`),
              el("span", ` · ${review.total} 分 · ${review.passed ? "合格" : "不合格"} · ${REVIEW_STATUS[review.status]}`));
  li.append(head);
  if (review.note) li.append(el("p", `质检说明：${review.note}`));
  if (review.appeal_text) li.append(el("p", `我的申诉：${review.appeal_text}`));
  if (review.decision_note) li.append(el("p", `复核意见（${review.decided_by}）：${review.decision_note}`));
  if (review.status === "final") li.append(appealForm(review));
  return li;
}

function appealForm(review) {
  const form = el("form", null, "appeal");
  const id = `appeal-${review.id}`;
  const label = el("label", "申诉理由"); label.htmlFor = id;
  const text = el("textarea"); text.id = id; text.rows = 2; text.required = true; text.maxLength = 5000;
  const submit = el("button", "申诉"); submit.type = "submit";
  const status = el("p"); status.setAttribute("role", "status");
  form.append(label, text, submit, status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await send(`/api/v1/qa/reviews/${review.id}/appeal`, "POST", {text: text.value});
      await load();
    } catch (err) { status.textContent = `申诉失败：${err.message}`; status.className = "error"; }
  });
  return form;
}

async function load() {
  const reviews = await api("/api/v1/qa/reviews");
  document.getElementById("reviews").replaceChildren(...(reviews.length ? reviews.map(reviewItem) : [el("li", "还没有质检结果", "muted")]));
}
load().catch((e) => document.getElementById("reviews").replaceChildren(el("li", e.message, "error")));
