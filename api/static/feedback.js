// A rep's QA results, with an appeal (申诉) form on each final review.
"use strict";

const REVIEW_STATUS = {final: "已定", appealed: "申诉中", upheld: "申诉驳回", overturned: "申诉成功"};

function reviewItem(review) {
  const li = el("li", null, "comment");
  const link = el("a", `通话 #${review.call_id}`); link.href = `/ui/calls/${review.call_id}`;
  const head = el("div", null, "muted");
  head.append(link, el("span", ` · ${review.total} 分 · ${review.passed ? "合格" : "不合格"} · ${REVIEW_STATUS[review.status]}`));
  li.append(head);
  if (review.note) li.append(el("p", `质检说明：${review.note}`));
  if (review.decision_note) li.append(el("p", `复核意见（${review.decided_by}）：${review.decision_note}`));
  if (review.status === "final") li.append(appealForm(review));
  return li;
}

function appealForm(review) {
  const form = el("form", null, "appeal");
  const text = el("textarea"); text.rows = 2; text.required = true; text.placeholder = "申诉理由";
  const button = el("button", "申诉"); button.type = "submit";
  form.append(text, button);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await api(`/api/v1/qa/reviews/${review.id}/appeal`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                         body: JSON.stringify({text: text.value})});
    load();
  });
  return form;
}

async function load() {
  const reviews = await api("/api/v1/qa/reviews");
  document.getElementById("reviews").replaceChildren(...(reviews.length ? reviews.map(reviewItem) : [el("li", "还没有质检结果", "muted")]));
}
load();
