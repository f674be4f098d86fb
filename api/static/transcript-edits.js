// Editing a turn's words on the review page ("改文字"): those who may correct labels fix what
// Whisper got wrong. The new words show at once; the call is re-analysed with them (labels, score,
// search, trackers), and the page follows when that is done. Each turn's edits are listed.
"use strict";

const canEditText = document.querySelector(".review").dataset.canEdit === "yes";
let textEdits = [];

async function loadTextEdits() {
  textEdits = await api(`/api/v1/calls/${callId}/transcript-edits`);
}

function editHistory(turn) {
  const mine = textEdits.filter((e) => e.turn_index === turn.index);
  if (!mine.length) return null;
  const list = el("ul", null, "history");
  list.setAttribute("aria-label", "修改记录");
  list.append(...mine.map((e) => el("li", `${e.edited_by} · ${localTime(e.edited_at)}：“${e.old_text}”→“${e.text}”`)));
  return list;
}

function textEditForm(turn) {
  const form = el("form", null, "edit-form");
  const id = `edit-${turn.index}`;
  const label = el("label", `第 ${turn.index + 1} 句的文字`); label.htmlFor = id;
  const area = el("textarea"); area.id = id; area.rows = 2; area.maxLength = 2000; area.value = turn.text;
  const save = el("button", "保存文字"); save.type = "submit";
  const cancel = button("取消", () => form.remove(), "secondary");
  const status = el("span", null, "status"); status.setAttribute("role", "status");
  form.append(label, area);
  if (turn.heard_text) form.append(el("p", `转写原文：“${turn.heard_text}”`, "muted"));
  const history = editHistory(turn);
  if (history) form.append(history);
  form.append(save, cancel, status);
  form.addEventListener("click", (e) => e.stopPropagation());
  form.addEventListener("keydown", (e) => e.stopPropagation());
  form.addEventListener("submit", (e) => { e.preventDefault(); saveText(turn, area.value, status); });
  return form;
}

async function saveText(turn, text, status) {
  try {
    const result = await send(`/api/v1/calls/${callId}/turns/${turn.index}`, "PATCH", {text});
    const learned = result.learned.map((t) => `“${t.heard}”→“${t.text}”`);
    status.className = "status";
    status.textContent = `已保存，正在按新文字重新分析…${learned.length ? `（多通电话有同样的更正，已学习：${learned.join("、")}）` : ""}`;
    turns[turn.index] = {...turn, text: result.edit.text, replacements: [], doubtful: [], edit: result.edit};
    const li = document.querySelector(`li.turn[data-index="${turn.index}"]`);
    if (li) li.querySelector("p.text").replaceWith(turnText(turns[turn.index]));
    await followReanalysis();
  } catch (e) {
    status.textContent = e.message;
    status.className = "status error";
  }
}

// The re-analysis takes seconds: the page shows the new text meanwhile and refreshes when done.
async function followReanalysis() {
  for (let tries = 0; tries < 60; tries += 1) {
    const call = await api(`/api/v1/calls/${callId}`);
    if (call.status === "done" || call.status === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await loadTextEdits();
  await showAnalysis();
}

function editButtons() {
  if (!canEditText) return;
  document.querySelectorAll("li.turn .head").forEach((head) => {
    if (head.querySelector(".edit-text") || !turns.length) return;
    const li = head.parentElement;
    const turn = turns[Number(li.dataset.index)];
    if (!turn || turn.model_labels === undefined) return;  // a bare transcript: edit after analysis
    const open = button("改文字", (e) => {
      e.stopPropagation();
      const form = li.querySelector(".edit-form");
      if (form) { form.remove(); return; }
      li.append(textEditForm(turns[Number(li.dataset.index)]));
      li.querySelector(".edit-form textarea").focus();
    }, "link edit-text");
    open.setAttribute("aria-label", `修改第 ${turn.index + 1} 句的文字`);
    open.addEventListener("keydown", (e) => e.stopPropagation());
    head.append(open);
  });
}

if (canEditText) {
  loadTextEdits().catch(() => {});
  new MutationObserver(editButtons).observe(document.getElementById("turns"), {childList: true});
}
