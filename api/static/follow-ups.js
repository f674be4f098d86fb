// Follow-ups (跟进): drafts from analysed calls to confirm, the overdue and the due-soon lists.
"use strict";

const canWrite = Boolean(document.getElementById("follow-up-form"));  // the template shows it to writers
const today = isoDate(new Date());

function draftBlock(f) {
  const box = el("form", null, "comment");
  const id = (name) => `draft-${f.id}-${name}`;
  const field = (name, label, node) => {
    node.id = id(name); node.name = name;
    const l = el("label", label); l.htmlFor = node.id;
    return [l, node];
  };
  const content = el("textarea"); content.rows = 3; content.value = f.content;
  const action = el("input"); action.value = f.next_action || "";
  // A draft whose date has passed can be confirmed as it is (the date was the customer's); a new
  // date must not be in the past.
  const due = el("input"); due.type = "date"; due.value = f.next_action_due || "";
  due.min = f.next_action_due && f.next_action_due < today ? f.next_action_due : today;
  box.append(el("div", `${customerOf(f.customer_id)} · ${repOf(f.rep_id)} · ${localTime(f.occurred_at)}`, "muted"));
  if (f.call_id) box.append(link(callName(f.call_title, f.call_id), `/ui/calls/${f.call_id}`));
  if (f.customer_needs) box.append(el("p", `客户需求：${f.customer_needs}`));
  box.append(...field("content", "内容", content), ...field("next_action", "下一步行动", action),
             ...field("next_action_due", "截止日期", due));
  const status = el("p"); status.setAttribute("role", "status");
  if (canWrite) {
    const confirm = el("button", "确认"); confirm.type = "submit";
    box.append(confirm, status);
    box.addEventListener("submit", (e) => {
      e.preventDefault();
      save(f, {status: "open", content: content.value, next_action: action.value || null,
               next_action_due: due.value || null}, status);
    });
  }
  return box;
}

async function save(f, changes, status) {
  try { await send(`/api/v1/follow-ups/${f.id}`, "PATCH", changes); await load(); }
  catch (e) { status.textContent = `保存失败：${e.message}`; status.className = "error"; }
}

function dueRow(f) {
  const tr = row(customerOf(f.customer_id), repOf(f.rep_id), f.next_action || "–",
                 cell(el("span", f.next_action_due || "–", f.overdue ? "tag overdue" : "tag")), objectiveText(f),
                 f.call_id ? link(callName(f.call_title, f.call_id), `/ui/calls/${f.call_id}`) : "–");
  if (canWrite) {
    const status = el("span"); status.setAttribute("role", "status");
    tr.append(cell(button("标记完成", () => save(f, {status: "done"}, status), "secondary"), status));
  }
  return tr;
}

async function load() {
  const soon = isoDate(new Date(Date.now() + 15 * 86400000));
  const [drafts, overdue, due, open] = await Promise.all([
    allItems("/api/v1/follow-ups?status=draft"),
    allItems(`/api/v1/follow-ups?status=open&due_before=${today}`),
    allItems(`/api/v1/follow-ups?status=open&due_after=${today}&due_before=${soon}&order=segment`),
    allItems("/api/v1/follow-ups?status=open&order=segment")]);
  const listed = new Set([...overdue, ...due].map((f) => f.id));
  const later = open.filter((f) => !listed.has(f.id));
  document.getElementById("drafts").replaceChildren(...(drafts.length ? drafts.map(draftBlock) : [el("p", "没有待确认的草稿", "muted")]));
  const span = canWrite ? 7 : 6;
  document.getElementById("overdue").replaceChildren(...(overdue.length ? overdue.map(dueRow) : [emptyRow("没有逾期的跟进", span)]));
  document.getElementById("due").replaceChildren(...(due.length ? due.map(dueRow) : [emptyRow("近期没有到期的跟进", span)]));
  document.getElementById("later").replaceChildren(...(later.length ? later.map(dueRow) : [emptyRow("没有其他待办", span)]));
}

async function create(event) {
  event.preventDefault();
  const f = formObject(event.target);
  const body = compact({customer_id: Number(f.customer_id), rep_id: f.rep_id ? Number(f.rep_id) : Number(ME.repId),
    channel: f.channel, occurred_at: new Date(f.occurred_at).toISOString(), content: f.content,
    next_action: f.next_action, next_action_due: f.next_action_due, status: "open",
    objective_primary: f.objective_primary, objective_minimum: f.objective_minimum, objective_due: f.objective_due});
  try { await send("/api/v1/follow-ups", "POST", body); event.target.reset(); showStatus("follow-up-status", "已保存"); await load(); }
  catch (e) { showStatus("follow-up-status", `保存失败：${e.message}`, true); }
}

const followUpForm = document.getElementById("follow-up-form");
if (followUpForm) followUpForm.addEventListener("submit", create);
loadCrmBasics().then(load).catch(fail("list-status"));
