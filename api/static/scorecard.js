// The scorecard's criteria (admins): name and weight per row; weights add up to 100. Each row
// keeps its criterion's key out of sight (the server gives a new criterion one).
"use strict";

const body = document.getElementById("criteria-rows");

function input(name, value, label, attrs) {
  const field = el("input"); field.name = name; field.value = value ?? ""; field.required = true;
  field.setAttribute("aria-label", label);
  Object.assign(field, attrs || {});
  field.addEventListener("input", sum);
  return field;
}

function criterionRow(c) {
  const tr = el("tr");
  const remove = button("删除", () => { tr.remove(); sum(); }, "link");
  tr.dataset.key = c.key || "";
  tr.append(cell(input("name", c.name, "名称", {maxLength: 100})),
            cell(input("weight", c.weight, "权重", {type: "number", min: 1, max: 100})), cell(remove));
  return tr;
}

function sum() {
  const total = [...body.querySelectorAll("input[name=weight]")].reduce((a, f) => a + Number(f.value || 0), 0);
  document.getElementById("weight-sum").textContent = total;
}

async function load() {
  const criteria = await api("/api/v1/scorecard/criteria");
  body.replaceChildren(...criteria.map(criterionRow));
  sum();
}

document.getElementById("add-criterion").addEventListener("click", () => {
  body.append(criterionRow({key: "", name: "", weight: ""}));
  body.lastElementChild.querySelector("input").focus();
});
document.getElementById("criteria-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const criteria = [...body.querySelectorAll("tr")].map((tr) => ({
    key: tr.dataset.key || null, name: tr.querySelector("[name=name]").value.trim(),
    weight: Number(tr.querySelector("[name=weight]").value)}));
  try { await send("/api/v1/scorecard/criteria", "PUT", criteria); showStatus("criteria-status", "已保存"); await load(); }
  catch (err) { showStatus("criteria-status", `保存失败：${err.message}`, true); }
});
load().catch(fail("criteria-status"));
