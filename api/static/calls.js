// The calls list: filters and pages go to GET /api/v1/calls (50 a page, never the whole table).
// Links from the dashboards arrive with their filters in the address (?rep_id=3&from=…&to=…).
"use strict";

const PAGE = 50;
let offset = 0;
const filterForm = document.getElementById("filters");

function query() {
  const form = new FormData(filterForm);
  const params = new URLSearchParams({limit: PAGE, offset});
  for (const name of ["rep_id", "status", "commitment_secured", "customer_id", "opportunity_id", "from", "to", "tracker_id"]) {
    if (form.get(name)) params.set(name, form.get(name));
  }
  const band = form.get("score_band");
  if (band) { const [low, high] = band.split("-"); params.set("score_min", low); params.set("score_max", high); }
  return params;
}

function callRow(call) {
  const status = call.status === "transcribing" || call.status === "analyzing"
    ? `${STATUS_NAMES[call.status]} ${Math.round(call.progress * 100)}%` : STATUS_NAMES[call.status];
  const secured = call.commitment_secured === null ? "–" : (call.commitment_secured ? "是" : "否");
  const tr = row(localTime(call.occurred_at || call.created_at),
                 link(call.title || call.original_filename || `通话 #${call.id}`, `/ui/calls/${call.id}`),
                 call.rep || "–", call.customer || "–", clock(call.duration_s), status, secured, call.score ?? "–");
  if (call.commitment_secured) tr.children[6].className = "yes";
  return tr;
}

async function load() {
  const page = await api(`/api/v1/calls?${query()}`);
  document.getElementById("rows").replaceChildren(
    ...(page.items.length ? page.items.map(callRow) : [emptyRow("没有符合条件的通话", 8)]));
  document.getElementById("page-info").textContent =
    `第 ${page.total ? offset + 1 : 0}–${Math.min(offset + PAGE, page.total)} 条，共 ${page.total} 条`;
  document.getElementById("prev").disabled = offset === 0;
  document.getElementById("next").disabled = offset + PAGE >= page.total;
}

function fromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const [name, value] of params) {
    const field = filterForm.elements.namedItem(name);
    if (field) field.value = value;
  }
  if ([...params.keys()].length) document.getElementById("drill").textContent = "已按看板中的条件筛选。";
}

async function fillReps() {
  const select = document.getElementById("filter-rep");
  const upload = document.getElementById("up-rep");
  if (!select && !upload) return;
  const reps = await allItems("/api/v1/reps");
  const wanted = new URLSearchParams(window.location.search).get("rep_id") || "";
  if (select) { options(select, reps, (r) => r.name, (r) => r.id, "全部"); select.value = wanted; }
  if (upload) options(upload, reps, (r) => r.name, (r) => r.id, "不指定");
}

async function fillUploadLinks() {
  const customer = document.getElementById("up-customer");
  if (!customer) return;
  options(customer, await allItems("/api/v1/customers"), (c) => c.company, (c) => c.id, "不指定");
  await fillUploadDeals();
  customer.addEventListener("change", () => fillUploadDeals().catch(fail("upload-status")));
}

// The open deals of the chosen customer only (all open deals while none is chosen).
async function fillUploadDeals() {
  const customer = document.getElementById("up-customer").value;
  const deals = await allItems(`/api/v1/opportunities?status=open${customer ? `&customer_id=${customer}` : ""}`);
  options(document.getElementById("up-opportunity"), deals, (o) => o.name, (o) => o.id, "不指定");
}

// After an upload the next one is usually the same rep and customer: only the file, title and
// time are cleared.
function clearForNextUpload(form) {
  document.getElementById("file").value = "";
  form.elements.title.value = "";
  form.elements.occurred_at.value = "";
}

function uploadNotice(body, sent) {
  const status = document.getElementById("upload-status");
  status.classList.remove("error");
  if (!body.duplicate) { status.textContent = `已上传，通话 #${body.id} 正在排队转写`; return; }
  const existing = link("打开已有的通话", `/ui/calls/${body.id}`);
  if (body.same_as !== "sound") {
    status.replaceChildren("这个文件已上传过：", existing);
    fillExistingTitle(existing, body.id);
    return;
  }
  // The same conversation in another file (format, mono mix): kept only when asked.
  const keep = document.createElement("button");
  keep.type = "button";
  keep.textContent = "仍然另存为一通电话";
  keep.addEventListener("click", () => { sent.set("keep_both", "true"); send(sent); });
  status.replaceChildren("这段录音与已有的通话是同一段对话（声音相同，文件不同），没有重复保存：", existing, " ", keep);
  fillExistingTitle(existing, body.id);
}

// The notice names the call already there by its title once it is known.
async function fillExistingTitle(anchor, callId) {
  try {
    const call = await api(`/api/v1/calls/${callId}`);
    anchor.textContent = `打开已有的通话「${call.title || call.original_filename || `#${call.id}`}」`;
  } catch (e) { /* the plain link stays */ }
}

function uploadFields(form) {
  const data = new FormData();
  const fields = formObject(form);
  data.append("audio", document.getElementById("file").files[0]);
  for (const name of ["rep_id", "customer_id", "opportunity_id", "title", "channels"]) {
    if (fields[name]) data.append(name, fields[name]);
  }
  if (fields.occurred_at) data.append("occurred_at", new Date(fields.occurred_at).toISOString());
  return data;
}

let uploading = false;  // a reload or leaving the page would drop the upload: the browser asks

function upload(event) {
  event.preventDefault();
  const form = event.target;
  const file = document.getElementById("file").files[0];
  if (!file) { showStatus("upload-status", "请先选择录音文件。", true); return; }
  const limit = Number(form.dataset.maxBytes);
  if (limit && file.size > limit) {
    const size = (file.size / 1048576).toFixed(1);
    showStatus("upload-status", `文件太大（${size} MB）：每个文件最大 ${form.dataset.maxMb} MB。`, true);
    return;
  }
  send(uploadFields(form), file.name);
}

function send(data, name) {
  // XMLHttpRequest, not fetch: it reports upload progress for the progress bar.
  const bar = document.getElementById("upload-progress");
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/v1/calls");
  bar.hidden = false; bar.value = 0; showStatus("upload-status", `正在上传 ${name || data.get("audio").name}…`);
  uploading = true;
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onload = () => {
    uploading = false;
    let body = {};
    try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
    bar.hidden = true;
    if (xhr.status < 300) {
      uploadNotice(body, data);
      if (body.same_as !== "sound") clearForNextUpload(document.getElementById("upload-form"));
    } else {
      showStatus("upload-status", `上传失败：${errorText(xhr.status, body)}`, true);
    }
    load();
  };
  xhr.onerror = () => { uploading = false; bar.hidden = true; showStatus("upload-status", "上传失败：网络连接中断。", true); };
  xhr.send(data);
}

window.addEventListener("beforeunload", (e) => {
  if (!uploading) return;
  e.preventDefault();
  e.returnValue = "";  // Chrome shows its own question: leave the page and lose the upload?
});

function setUpUpload() {
  const drop = document.getElementById("drop");
  if (!drop) return;
  const input = document.getElementById("file");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; showStatus("upload-status", `已选择 ${input.files[0].name}，填写信息后点击上传。`); }
  });
  document.getElementById("upload-form").addEventListener("submit", upload);
  fillUploadLinks().catch(fail("upload-status"));
}

filterForm.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load().catch(fail("drill")); });
document.getElementById("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
document.getElementById("next").addEventListener("click", () => { offset += PAGE; load(); });
async function fillTrackers() {
  const select = document.getElementById("filter-tracker");
  if (!select) return;
  const trackers = (await api("/api/v1/trackers")).filter((t) => t.active);
  options(select, trackers, (t) => t.name, (t) => t.id, "全部");
  select.value = new URLSearchParams(window.location.search).get("tracker_id") || "";
}

fromAddress();
setUpUpload();
Promise.all([fillReps(), fillTrackers()]).catch(() => {}).finally(() => load().catch(fail("drill")));
setInterval(() => load().catch(() => {}), 5000);  // progress of calls being transcribed
