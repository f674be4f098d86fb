// The team's vocabulary (词库): the list for everyone; adding and removing for managers and admins.
"use strict";

const KIND_NAMES = {product: "产品", company: "公司", person: "人名", competitor: "竞品", term: "术语",
                    learned: "学习到的更正"};
const termForm = document.getElementById("term-form");
const kindFilter = document.getElementById("kind-filter");

function sourceText(term) {
  return term.source === "learned" ? `从 ${term.confirmations} 通电话的更正中学习` : "手动添加";
}

function termRow(term) {
  const tr = row(term.text, KIND_NAMES[term.kind] || term.kind, term.heard || "–", sourceText(term),
                 term.note || "–", `${term.created_by} · ${localTime(term.created_at)}`);
  if (termForm) tr.append(cell(actionButton("删除", term.text, () => remove(term))));
  return tr;
}

async function load() {
  const kind = kindFilter.value;
  const terms = await api(`/api/v1/vocabulary${kind ? `?kind=${kind}` : ""}`);
  document.getElementById("terms").replaceChildren(
    ...(terms.length ? terms.map(termRow) : [emptyRow("词库里还没有词", termForm ? 7 : 6)]));
}

async function save(event) {
  event.preventDefault();
  const f = formObject(termForm);
  const body = {text: f.text, kind: f.kind, heard: f.heard || null, note: f.note || null};
  await send("/api/v1/vocabulary", "POST", body);
  showStatus("term-status", `已添加「${body.text}」，之后分析的通话会按它更正。`);
  termForm.reset();
  await load();
}

async function remove(term) {
  const what = term.heard ? `「${term.heard}」→「${term.text}」` : `「${term.text}」`;
  if (!window.confirm(`从词库删除${what}？之后的通话不再按它更正。`)) return;
  await api(`/api/v1/vocabulary/${term.id}`, {method: "DELETE"});
  showStatus("list-status", `已删除${what}。`);
  await load();
}

if (termForm) termForm.addEventListener("submit", (e) => save(e).catch(fail("term-status")));
kindFilter.addEventListener("change", () => load().catch(fail("list-status")));
load().catch(fail("list-status"));
