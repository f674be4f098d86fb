// Shared by the CRM pages: the reps and customers a viewer may see, for names and selects.
"use strict";

const crm = {reps: [], customers: [], stages: []};

async function loadCrmBasics() {
  const year = new Date().getFullYear();
  const [reps, customers, funnel] = await Promise.all([
    allItems("/api/v1/reps"), allItems("/api/v1/customers"),
    api(`/api/v1/metrics/funnel?from=${year}-01-01&to=${year + 1}-01-01`).catch(() => ({stages: []}))]);
  Object.assign(crm, {reps, customers, stages: funnel.stages.map((s) => s.stage)});
  document.querySelectorAll(".rep-select").forEach((s) => options(s, reps, (r) => r.name, (r) => r.id, "不指定"));
  document.querySelectorAll(".customer-select").forEach((s) => options(s, customers, (c) => c.company, (c) => c.id));
  document.querySelectorAll(".stage-select").forEach((s) => options(s, crm.stages, (x) => x, (x) => x));
  document.querySelectorAll(".objective-select").forEach((s) => options(s, OBJECTIVE_ACTIONS, (x) => x, (x) => x, "不设"));
}

// 承诺目标: the commitment actions, lowest rung first (analysis/objectives.py has the ladder).
const OBJECTIVE_ACTIONS = ["发送资料", "会面", "报价", "演示", "引入决策人", "现场考察", "试用/POC", "付款/下单", "签约"];
const OBJECTIVE_OUTCOMES = {primary_achieved: "达成首要目标", minimum_achieved: "达成最低目标",
                            continuation_only: "只有继续", declined: "被拒绝"};

function objectiveText(r) {
  if (!r.objective_primary) return "–";
  const aim = `首要：${r.objective_primary}；最低：${r.objective_minimum || r.objective_primary}${r.objective_due ? `（${r.objective_due}）` : ""}`;
  if (!r.objective_outcome) return `${aim}；待通话评判`;
  return `${aim} → ${OBJECTIVE_OUTCOMES[r.objective_outcome]}：${(r.objective_evidence || []).join("；")}`;
}

function nameOf(list, id, field) {
  const found = list.find((x) => x.id === id);
  return found ? found[field] : id === null || id === undefined ? "–" : `#${id}`;
}
const repOf = (id) => nameOf(crm.reps, id, "name");
const customerOf = (id) => nameOf(crm.customers, id, "company");

// Only the fields that have a value; an empty select means "not set".
function compact(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== "" && v !== null && v !== undefined));
}
