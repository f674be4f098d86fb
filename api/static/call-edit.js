// Fixing a call after upload on its page: title, time, rep, customer, opportunity (who may upload
// for its rep), the history of changes, and deleting it (admins and managers), with a confirmation.
"use strict";

const callForm = document.getElementById("call-form");
const FIELD_TITLES = {title: "标题", occurred_at: "通话时间", rep: "销售", customer: "客户", opportunity: "商机",
  channels: "声道", speakers_swapped: "说话人"};
const SWAP_NAMES = {true: "对调后", false: "自动区分"};
const LAYOUT_NAMES = {mono: "单声道（混合）", "rep-left": "左声道为销售", "rep-right": "右声道为销售"};
let editedCall = null;

function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${isoDate(d)}T${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

async function fillCallForm() {
  editedCall = await api(`/api/v1/calls/${callId}`);
  const e = callForm.elements;
  e.title.value = editedCall.title || "";
  e.occurred_at.value = localInput(editedCall.occurred_at);
  e.channels.value = editedCall.channels;
  // a one-channel recording has no side to choose
  document.getElementById("call-channels-field").hidden = editedCall.audio_channels < 2;
  const [reps, customers] = await Promise.all([
    e.rep_id ? allItems("/api/v1/reps") : Promise.resolve([]), allItems("/api/v1/customers")]);
  if (e.rep_id) { options(e.rep_id, reps, (r) => r.name, (r) => r.id, "不指定"); e.rep_id.value = editedCall.rep_id ?? ""; }
  options(e.customer_id, customers, (c) => c.company, (c) => c.id, "不指定");
  e.customer_id.value = editedCall.customer_id ?? "";
  await fillOpportunities(editedCall.opportunity_id);
}

// Only the chosen customer's deals: a call's opportunity belongs to its customer.
async function fillOpportunities(selected) {
  const e = callForm.elements;
  const customer = e.customer_id.value;
  const deals = customer ? await allItems(`/api/v1/opportunities?customer_id=${customer}`) : [];
  options(e.opportunity_id, deals, (o) => o.name, (o) => o.id, "不指定");
  e.opportunity_id.value = deals.some((o) => o.id === selected) ? String(selected) : "";
}

// Only what the person changed is sent, so a field they did not touch is never overwritten.
function changedFields() {
  const e = callForm.elements;
  const body = {};
  const title = e.title.value.trim();
  if (title !== (editedCall.title || "")) body.title = title || null;
  if (e.occurred_at.value !== localInput(editedCall.occurred_at)) {
    body.occurred_at = e.occurred_at.value ? new Date(e.occurred_at.value).toISOString() : null;
  }
  if (e.channels.value !== editedCall.channels) body.channels = e.channels.value;
  for (const name of ["rep_id", "customer_id", "opportunity_id"]) {
    if (!e[name]) continue;
    const value = numberOrNull(e[name].value);
    if (value !== (editedCall[name] ?? null)) body[name] = value;
  }
  return body;
}

async function saveCall(event) {
  event.preventDefault();
  const body = changedFields();
  if (!Object.keys(body).length) { showStatus("call-status", "没有改动。"); return; }
  if (body.channels && !window.confirm("改声道后这通电话会重新转写和分析（几分钟）；在旧文字上做的更正，新文字不同处将不再生效。继续？")) return;
  await send(`/api/v1/calls/${callId}`, "PATCH", body);
  await Promise.all([fillCallForm(), showCallChanges(), load()]);
  showStatus("call-status", body.channels ? "已保存。通话正在按新的声道重新转写。" : "已保存。通话将按新的关联重新分析。");
}

async function showCallChanges() {
  const changes = await api(`/api/v1/calls/${callId}/changes`);
  document.getElementById("call-changes").replaceChildren(...(changes.length ? changes.map((c) => {
    const show = (v) => (c.field === "occurred_at" && v ? localTime(v) : c.field === "channels" ? LAYOUT_NAMES[v]
      : c.field === "speakers_swapped" ? SWAP_NAMES[v] : v) || "无";
    return el("li", `${c.changed_by} 于 ${localTime(c.changed_at)} 把${FIELD_TITLES[c.field]}从“${show(c.old_value)}”改为“${show(c.new_value)}”`);
  }) : [el("li", "无", "muted")]));
}

async function deleteCall() {
  const title = document.getElementById("title").textContent;
  if (!window.confirm(`删除「${title}」？录音、转写、分析和评论都会删除，无法恢复。`)) return;
  await api(`/api/v1/calls/${callId}`, {method: "DELETE"});
  window.location = "/ui/calls";
}

if (callForm) {
  fillCallForm().then(() => {
    formReady(callForm, (e) => saveCall(e).catch(fail("call-status")));
    callForm.elements.customer_id.addEventListener("change", () => fillOpportunities(null).catch(fail("call-status")));
  }).catch(fail("call-status"));
  showCallChanges().catch(() => {});
}
const deleteButton = document.getElementById("delete-call");
if (deleteButton) deleteButton.addEventListener("click", () => deleteCall().catch((e) => window.alert(e.message)));
