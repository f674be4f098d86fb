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
