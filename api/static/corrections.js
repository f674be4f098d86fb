// Correcting a turn's label on the review page: a small "更正" button per rep or customer turn
// opens a form under it (the label, and for an advance or continuation its action and due date).
"use strict";

const canCorrect = document.querySelector(".review").dataset.canCorrect === "yes";
const NEXT_STEP = ["advance", "continuation"];

function labelChoices(speaker) {
  const names = speaker === "rep" ? SPIN_NAMES : COMMITMENT_NAMES;
  const none = speaker === "rep" ? "不是提问" : "无结果";
  return [["", none], ...Object.entries(names)];
}

function correctionForm(turn) {
  const form = el("form", null, "correct-form");
  const id = `correct-${turn.index}`;
  const label = el("label", "更正为"); label.htmlFor = id;
  const select = el("select"); select.id = id;
  for (const [value, name] of labelChoices(turn.speaker)) {
    const option = el("option", name); option.value = value; select.append(option);
  }
  select.value = (turn.speaker === "rep" ? turn.question_type : turn.commitment) || "";
  form.append(label, select);
  const extra = turn.speaker === "customer" ? nextStepFields(turn, form) : null;
  const noteId = `correct-${turn.index}-note`;
  const noteLabel = el("label", "说明（可选）"); noteLabel.htmlFor = noteId;
  const note = el("input"); note.id = noteId; note.name = "note"; note.maxLength = 500;
  form.append(noteLabel, note);
  const save = el("button", "保存更正"); save.type = "submit";
  const status = el("span", null, "status"); status.setAttribute("role", "status");
  form.append(save, status);
  const sync = () => { if (extra) extra.forEach((x) => { x.hidden = !NEXT_STEP.includes(select.value); }); };
  select.addEventListener("change", sync); sync();
  form.addEventListener("click", (e) => e.stopPropagation());
  form.addEventListener("keydown", (e) => e.stopPropagation());
  form.addEventListener("submit", (e) => { e.preventDefault(); saveCorrection(turn, form, status); });
  return form;
}

function nextStepFields(turn, form) {
  const fields = [];
  for (const [name, text, type] of [["action", "下一步", "text"], ["due", "截止日期", "date"]]) {
    const wrap = el("span");
    const id = `correct-${turn.index}-${name}`;
    const label = el("label", text); label.htmlFor = id;
    const input = el("input"); input.id = id; input.type = type; input.name = name;
    if (type === "text") input.maxLength = 40;
    wrap.append(label, input); form.append(wrap); fields.push(wrap);
  }
  return fields;
}

async function saveCorrection(turn, form, status) {
  const value = form.querySelector("select").value || null;
  const body = turn.speaker === "rep" ? {question_type: value} : {commitment: value};
  const note = form.querySelector("input[name=note]").value.trim();
  if (note) body.note = note;
  if (turn.speaker === "customer" && NEXT_STEP.includes(value)) {
    const action = form.querySelector("input[name=action]").value.trim();
    const due = form.querySelector("input[name=due]").value;
    if (action) body.commitment_action = action;
    if (due) body.commitment_due = due;
  }
  try {
    await send(`/api/v1/calls/${callId}/turns/${turn.index}/corrections`, "POST", body);
    await showAnalysis();
  } catch (e) {
    status.textContent = e.message;
    status.className = "status error";
  }
}

function correctButtons() {
  if (!canCorrect) return;
  document.querySelectorAll("li.turn.rep .head, li.turn.customer .head").forEach((head) => {
    if (head.querySelector(".fix") || !turns.length) return;
    const li = head.parentElement;
    const turn = turns[Number(li.dataset.index)];
    if (!turn || turn.model_labels === undefined) return;  // a bare transcript: nothing to correct
    const fix = button("更正", (e) => {
      e.stopPropagation();
      const open = li.querySelector(".correct-form");
      if (open) { open.remove(); return; }
      li.append(correctionForm(turn));
      li.querySelector(".correct-form select").focus();
    }, "link fix");
    fix.setAttribute("aria-label", `更正第 ${turn.index + 1} 句的标注`);
    fix.addEventListener("keydown", (e) => e.stopPropagation());
    head.append(fix);
  });
}

new MutationObserver(correctButtons).observe(document.getElementById("turns"), {childList: true});
