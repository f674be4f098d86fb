// The QA page: sampling plans into a QA reviewer's queue, my queue, appeals waiting for a second
// reviewer, and this year's pass rates. Each part is there only for the roles that may use it.
"use strict";

async function loadQueue() {
  const body = document.getElementById("queue");
  if (!body) return;
  const items = await api("/api/v1/qa/queue");
  body.replaceChildren(...(items.length ? items.map((item) =>
    row(link(item.title || `通话 #${item.call_id}`, `/ui/calls/${item.call_id}`), item.rep || "–",
        localTime(item.happened_at), clock(item.duration_s))) : [emptyRow("队列为空", 4)]));
}

async function setUpPlans() {
  const form = document.getElementById("plan-form");
  if (!form) return;
  const reviewers = await api("/api/v1/qa/reviewers");
  const select = document.getElementById("reviewer");
  options(select, reviewers, (u) => u.name, (u) => u.id);
  if (reviewers.some((u) => String(u.id) === ME.userId)) select.value = ME.userId;
  if (!reviewers.length) showStatus("plan-status", "还没有质检员账号，请管理员先在「用户与令牌」中创建。", true);
  const today = new Date();
  form.elements.period_from.value = isoDate(new Date(today.getFullYear(), today.getMonth(), 1));
  form.elements.period_to.value = isoDate(new Date(today.getFullYear(), today.getMonth() + 1, 1));
  formReady(form, createPlan);
}

async function createPlan(event) {
  event.preventDefault();
  const f = formObject(event.target);
  const body = {name: f.name, period_from: f.period_from, period_to: f.period_to, method: f.method,
                amount: Number(f.amount), reviewer_user_id: Number(f.reviewer_user_id)};
  try {
    const plan = await send("/api/v1/qa/plans", "POST", body);
    const drawn = await api(`/api/v1/qa/plans/${plan.id}/draw`, {method: "POST"});
    const name = event.target.elements.reviewer_user_id.selectedOptions[0].textContent;
    showStatus("plan-status", `已抽取 ${drawn.call_ids.length} 通电话进入 ${name} 的质检队列`);
    await loadQueue();
  } catch (e) { showStatus("plan-status", `失败：${e.message}`, true); }
}

function appealItem(review) {
  const li = el("li", null, "comment");
  li.append(link(callName(review.call_title, review.call_id), `/ui/calls/${review.call_id}`),
            el("p", `原质检：${review.total} 分（${review.reviewer_name}）；申诉理由：${review.appeal_text}`));
  if (String(review.reviewer_user_id) === ME.userId) {
    li.append(el("p", "这是您做出的质检，需由另一位质检员裁定。", "muted"));
    return li;
  }
  const note = el("input"); note.maxLength = 5000;
  const label = el("label", "复核意见 "); label.append(note);
  li.append(label);
  for (const [upheld, text] of [[true, "驳回申诉"], [false, "申诉成立"]]) {
    li.append(button(text, async () => {
      try {
        await send(`/api/v1/qa/reviews/${review.id}/decision`, "POST", {upheld, note: note.value || null});
        await loadAppeals();
      } catch (e) { li.append(el("p", e.message, "error")); }
    }), document.createTextNode(" "));
  }
  return li;
}

async function loadAppeals() {
  const list = document.getElementById("appeals");
  if (!list) return;
  const appeals = await api("/api/v1/qa/reviews?status=appealed");
  list.replaceChildren(...(appeals.length ? appeals.map(appealItem) : [el("li", "没有待处理的申诉", "muted")]));
}

async function loadReport() {
  const year = new Date().getFullYear();
  const report = await api(`/api/v1/qa/reports?from=${year}-01-01&to=${year + 1}-01-01`);
  const rows = (items, name) => (items.length ? items.map((r) => row(r[name], r.reviews, pct(r.pass_rate)))
                                              : [emptyRow("今年还没有质检结果", 3)]);
  document.getElementById("by-rep").replaceChildren(...rows(report.by_rep, "rep"));
  document.getElementById("by-rule").replaceChildren(...rows(report.by_rule, "rule"));
  document.getElementById("by-month").replaceChildren(...rows(report.by_month, "month"));
}

setUpPlans().catch(fail("plan-status"));
loadQueue().catch(() => {});
loadAppeals().catch(() => {});
loadReport().catch(fail("report-status"));
