// Customers: search, and (managers, admins) create and edit them.
"use strict";

const customerForm = document.getElementById("customer-form");

function customerRow(c) {
  const views = cell(link("通话", `/ui/calls?customer_id=${c.id}`), document.createTextNode(" · "),
                     link("商机", `/ui/opportunities?customer_id=${c.id}`));
  const tr = row(c.company, c.contact || "–", c.phone || "–", c.tier || "–", c.source || "–", repOf(c.owner_rep_id),
                 segmentText(c), views);
  if (customerForm) tr.append(cell(button("编辑", () => edit(c), "link")));
  return tr;
}

function segmentText(c) {
  if (!c.rfm) return "–";
  const r = c.rfm.recency_days === null ? "从未联系" : `${c.rfm.recency_days} 天前`;
  return `${c.segment}（${c.rfm.r}/${c.rfm.f}/${c.rfm.m}：${r}，${c.rfm.frequency} 次，¥${c.rfm.monetary.toLocaleString("zh-CN")}${c.rfm.basis === "bands" ? "，按固定标准" : ""}）`;
}

async function load() {
  const filter = new FormData(document.getElementById("customer-filter"));
  const q = filter.get("q"), segment = filter.get("segment");
  const params = `${q ? `&q=${encodeURIComponent(q)}` : ""}${segment ? `&segment=${encodeURIComponent(segment)}` : ""}`;
  const page = await api(`/api/v1/customers?limit=200${params}`);
  document.getElementById("customers").replaceChildren(...(page.items.length ? page.items.map(customerRow) : [emptyRow("没有客户", 9)]));
  document.getElementById("page-note").textContent = page.total > page.items.length ? `显示前 ${page.items.length} 个，共 ${page.total} 个；请用名称查找。` : "";
  explainBasis(page.items.find((c) => c.rfm));
}

// How the segments were worked out: among all customers, or on fixed bands for a small base.
function explainBasis(scored) {
  const note = document.getElementById("rfm-basis");
  note.hidden = !scored;
  if (scored) note.textContent = note.dataset[scored.rfm.basis === "bands" ? "bands" : "quintiles"];
}

function edit(c) {
  const e = customerForm.elements;
  for (const name of ["id", "company", "contact", "phone", "tier", "source", "owner_rep_id"]) e[name].value = c[name] ?? "";
  document.getElementById("customer-heading").textContent = `编辑客户：${c.company}`;
  e.company.focus();
}

async function save(event) {
  event.preventDefault();
  const f = formObject(customerForm);
  const body = {company: f.company, contact: f.contact || null, phone: f.phone || null, tier: f.tier || null,
                source: f.source || null, owner_rep_id: numberOrNull(f.owner_rep_id)};
  try {
    await send(f.id ? `/api/v1/customers/${f.id}` : "/api/v1/customers", f.id ? "PATCH" : "POST", body);
    showStatus("customer-status", "已保存"); customerForm.reset(); customerForm.elements.id.value = "";
    document.getElementById("customer-heading").textContent = "新建客户";
    await loadCrmBasics(); await load();
  } catch (e) { showStatus("customer-status", `保存失败：${e.message}`, true); }
}

document.getElementById("customer-filter").addEventListener("submit", (e) => { e.preventDefault(); load(); });
document.getElementById("segment-filter").addEventListener("change", () => load().catch(fail("page-note")));
if (customerForm) {
  customerForm.addEventListener("submit", save);
  document.getElementById("customer-reset").addEventListener("click", () => { customerForm.reset(); customerForm.elements.id.value = ""; });
}
loadCrmBasics().then(load).catch(fail("page-note"));
