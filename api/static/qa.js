// The QA page: create and draw a sampling plan into my queue, and list my queue.
"use strict";

async function loadQueue() {
  const items = await api("/api/v1/qa/queue");
  const rows = items.map((item) => {
    const tr = el("tr");
    const link = el("a", item.title || `通话 #${item.call_id}`);
    link.href = `/ui/calls/${item.call_id}`;
    const cell = el("td"); cell.append(link);
    tr.append(cell, el("td", item.rep || "–"), el("td", localTime(item.happened_at)), el("td", clock(item.duration_s)));
    return tr;
  });
  const empty = el("tr"); const td = el("td", "队列为空"); td.colSpan = 4; empty.append(td);
  document.getElementById("queue").replaceChildren(...(rows.length ? rows : [empty]));
}

async function createPlan(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const status = document.getElementById("plan-status");
  try {
    const me = await api("/api/v1/me");
    const body = {name: form.get("name"), period_from: form.get("period_from"), period_to: form.get("period_to"),
                  method: form.get("method"), amount: Number(form.get("amount")), seed: Number(form.get("seed")),
                  reviewer_user_id: me.user_id};
    const plan = await api("/api/v1/qa/plans", {method: "POST", headers: {"Content-Type": "application/json"},
                                                body: JSON.stringify(body)});
    const drawn = await api(`/api/v1/qa/plans/${plan.id}/draw`, {method: "POST"});
    status.textContent = `已抽取 ${drawn.call_ids.length} 通电话进入质检队列`;
    await loadQueue();
  } catch (e) { status.textContent = `失败：${e.message}`; }
}

document.getElementById("plan-form").addEventListener("submit", createPlan);
loadQueue();

async function loadAppeals() {
  const appeals = await api("/api/v1/qa/reviews?status=appealed");
  const list = document.getElementById("appeals");
  list.replaceChildren(...(appeals.length ? appeals.map((review) => {
    const li = el("li", null, "comment");
    const link = el("a", `通话 #${review.call_id}`); link.href = `/ui/calls/${review.call_id}`;
    li.append(link, el("p", `原质检：${review.total} 分（${review.reviewer_name}）；申诉理由：${review.appeal_text}`));
    for (const [upheld, text] of [[true, "驳回申诉"], [false, "申诉成立"]]) {
      const button = el("button", text); button.type = "button";
      button.addEventListener("click", async () => {
        try {
          await api(`/api/v1/qa/reviews/${review.id}/decision`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                                  body: JSON.stringify({upheld})});
          loadAppeals();
        } catch (e) { li.append(el("p", e.message, "error")); }
      });
      li.append(button, document.createTextNode(" "));
    }
    return li;
  }) : [el("li", "没有待处理的申诉", "muted")]));
}

async function loadReport() {
  const year = new Date().getFullYear();
  const report = await api(`/api/v1/qa/reports?from=${year}-01-01&to=${year + 1}-01-01`);
  const rows = (items, name) => items.map((r) => {
    const tr = el("tr"); tr.append(el("td", r[name]), el("td", r.reviews), el("td", `${Math.round(r.pass_rate * 100)}%`)); return tr;
  });
  document.getElementById("by-rep").replaceChildren(...rows(report.by_rep, "rep"));
  document.getElementById("by-rule").replaceChildren(...rows(report.by_rule, "rule"));
  document.getElementById("by-month").replaceChildren(...rows(report.by_month, "month"));
}

loadAppeals().catch(() => {});
loadReport().catch(() => {});
