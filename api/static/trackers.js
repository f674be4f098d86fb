// Trackers: the list for everyone; create, edit and delete for those who may change them.
// Saving counts the tracker on every stored call in the background: the list shows how far.
"use strict";

const SPEAKER_NAMES = {any: "双方", rep: "销售", customer: "客户"};
const trackerForm = document.getElementById("tracker-form");

function trackerState(tracker) {
  if (tracker.counting) return `统计中（${Math.round(100 * tracker.counted_share)}%）`;
  return tracker.active ? "启用" : "停用";
}

function trackerRow(tracker) {
  const tr = row(tracker.name, tracker.phrases.join("、"), SPEAKER_NAMES[tracker.speaker] || tracker.speaker,
                 trackerState(tracker), link("提及的通话", `/ui/calls?tracker_id=${tracker.id}`));
  if (trackerForm) {
    tr.append(cell(actionButton("编辑", tracker.name, () => edit(tracker)), document.createTextNode(" "),
                   actionButton("删除", tracker.name, () => remove(tracker))));
  }
  return tr;
}

async function load() {
  const trackers = await api("/api/v1/trackers");
  document.getElementById("trackers").replaceChildren(
    ...(trackers.length ? trackers.map(trackerRow) : [emptyRow("还没有话题追踪", 6)]));
  if (trackers.some((t) => t.counting)) setTimeout(() => load().catch(() => {}), 1000);  // progress
}

function edit(tracker) {
  const e = trackerForm.elements;
  e.id.value = tracker.id; e.name.value = tracker.name; e.phrases.value = tracker.phrases.join("，");
  e.speaker.value = tracker.speaker; e.active.value = String(tracker.active);
  document.getElementById("tracker-heading").textContent = `编辑话题：${tracker.name}`;
  e.name.focus();
}

function reset() {
  trackerForm.reset(); trackerForm.elements.id.value = "";
  document.getElementById("tracker-heading").textContent = "新建话题";
}

async function save(event) {
  event.preventDefault();
  const f = formObject(trackerForm);
  const body = {name: f.name, phrases: f.phrases.split(/[,，、\n]/).map((x) => x.trim()).filter(Boolean),
                speaker: f.speaker, active: f.active === "true"};
  showStatus("tracker-status", "正在保存并统计所有通话…");
  if (f.id) await send(`/api/v1/trackers/${f.id}`, "PUT", body);
  else await send("/api/v1/trackers", "POST", body);
  showStatus("tracker-status", `已保存「${body.name}」。`);
  reset();
  await load();
}

async function remove(tracker) {
  if (!window.confirm(`删除话题「${tracker.name}」？它在各通电话上的统计也会删除。`)) return;
  await api(`/api/v1/trackers/${tracker.id}`, {method: "DELETE"});
  showStatus("list-status", `已删除「${tracker.name}」。`);
  await load();
}

if (trackerForm) {
  trackerForm.addEventListener("submit", (e) => save(e).catch(fail("tracker-status")));
  document.getElementById("tracker-reset").addEventListener("click", reset);
}
load().catch(fail("list-status"));
