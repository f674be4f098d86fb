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
