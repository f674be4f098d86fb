// Opportunities (商机): filter by status, stage and owner; managers and admins create them, move
// them along the funnel and close them as won or lost.
"use strict";

const oppForm = document.getElementById("opportunity-form");
const filterForm = document.getElementById("opportunity-filter");

function stageControl(o) {
  if (o.status !== "open") return cell(el("span", OPPORTUNITY_STATUS[o.status], `tag ${o.status}`));
  const select = el("select");
  select.setAttribute("aria-label", `${o.name} 的阶段`);
  options(select, crm.stages, (x) => x, (x) => x);
  select.value = o.stage;
  const move = button("保存阶段", () => patch(o, {stage: select.value}), "secondary");
  const aim = button("设定目标", () => setObjective(o), "link");
  // Closing a deal counts in every figure: each asks first, and cancelling changes nothing.
  const won = button("赢单", () => {
    if (!window.confirm(`确认「${o.name}」（${yuan(o.amount)}）赢单？赢单金额会计入业绩和目标。`)) return;
    patch(o, {status: "won", stage: crm.stages[crm.stages.length - 1]});
  });
  const lost = button("输单", () => {
    const reason = window.prompt(`确认「${o.name}」输单？可填写输单原因：`, "");
    if (reason === null) return;
    patch(o, {status: "lost", loss_reason: reason.trim() || null});
  }, "danger");
  return cell(select, move, won, lost, aim);
}

// The objective for the deal's next call: two prompts keep the table compact.
function setObjective(o) {
  const ask = (what, now) => window.prompt(`${o.name} 下一通的${what}（${OBJECTIVE_ACTIONS.join("、")}）`, now || "");
  const primary = ask("首要目标", o.objective_primary);
  if (primary === null) return;
  const minimum = ask("最低目标（可不填）", o.objective_minimum);
  patch(o, {objective_primary: primary.trim() || null, objective_minimum: (minimum || "").trim() || null});
}

function oppRow(o) {
  const tr = row(o.name, customerOf(o.customer_id), repOf(o.owner_rep_id), o.stage, yuan(o.amount),
                 cell(el("span", OPPORTUNITY_STATUS[o.status], `tag ${o.status}`)), o.created_on,
                 o.expected_close || "–", objectiveText(o), link("通话", `/ui/calls?opportunity_id=${o.id}`));
  tr.children[4].className = "num";
  if (oppForm) tr.append(stageControl(o));
  return tr;
}

async function load() {
  const params = new URLSearchParams(compact(formObject(filterForm)));
  const page = await api(`/api/v1/opportunities?limit=200&${params}`);
  document.getElementById("opportunities").replaceChildren(
    ...(page.items.length ? page.items.map(oppRow) : [emptyRow("没有符合条件的商机", 11)]));
  if (page.total > page.items.length) showStatus("list-status", `显示前 ${page.items.length} 个，共 ${page.total} 个。`);
}

async function patch(o, changes) {
  try { await send(`/api/v1/opportunities/${o.id}`, "PATCH", changes); showStatus("list-status", `已更新：${o.name}`); await load(); }
  catch (e) { showStatus("list-status", `更新失败：${e.message}`, true); }
}

async function create(event) {
  event.preventDefault();
  const f = formObject(oppForm);
  const body = {name: f.name, customer_id: Number(f.customer_id), owner_rep_id: Number(f.owner_rep_id), stage: f.stage,
                amount: Number(f.amount || 0), expected_close: f.expected_close || null,
                objective_primary: f.objective_primary || null, objective_minimum: f.objective_minimum || null,
                objective_due: f.objective_due || null};
  try { await send("/api/v1/opportunities", "POST", body); oppForm.reset(); showStatus("opportunity-status", "已保存"); await load(); }
  catch (e) { showStatus("opportunity-status", `保存失败：${e.message}`, true); }
}

async function start() {
  await loadCrmBasics();
  options(filterForm.querySelector(".stage-select-filter"), crm.stages, (x) => x, (x) => x, "全部");
  for (const [name, value] of new URLSearchParams(window.location.search)) {
    const field = filterForm.elements.namedItem(name);
    if (field) field.value = value;
  }
  await load();
}

filterForm.addEventListener("submit", (e) => { e.preventDefault(); load().catch(fail("list-status")); });
if (oppForm) oppForm.addEventListener("submit", create);
start().catch(fail("list-status"));
