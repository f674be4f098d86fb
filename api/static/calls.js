// The calls list: filters and pages go to GET /api/v1/calls (50 a page, never the whole table).
"use strict";

const PAGE = 50;
let offset = 0;

function query() {
  const form = new FormData(document.getElementById("filters"));
  const params = new URLSearchParams({limit: PAGE, offset});
  for (const name of ["rep", "status", "commitment_secured"]) if (form.get(name)) params.set(name, form.get(name));
  if (form.get("from")) params.set("from", `${form.get("from")}T00:00:00+08:00`);
  if (form.get("to")) params.set("to", `${form.get("to")}T00:00:00+08:00`);
  const band = form.get("score_band");
  if (band) { const [low, high] = band.split("-"); params.set("score_min", low); params.set("score_max", high); }
  return params;
}

function row(call) {
  const tr = el("tr");
  const link = el("a", call.title || call.original_filename || `通话 #${call.id}`);
  link.href = `/ui/calls/${call.id}`;
  const title = el("td"); title.append(link);
  const status = call.status === "transcribing" || call.status === "analyzing"
    ? `${STATUS_NAMES[call.status]} ${Math.round(call.progress * 100)}%` : STATUS_NAMES[call.status];
  const secured = call.commitment_secured === null ? "–" : (call.commitment_secured ? "是" : "否");
  tr.append(el("td", localTime(call.occurred_at || call.created_at)), title, el("td", call.rep || "–"),
            el("td", call.customer || "–"), el("td", clock(call.duration_s)), el("td", status),
            el("td", secured, call.commitment_secured ? "yes" : ""), el("td", call.score ?? "–"));
  return tr;
}

async function load() {
  const page = await api(`/api/v1/calls?${query()}`);
  const rows = document.getElementById("rows");
  rows.replaceChildren(...(page.items.length ? page.items.map(row) : [emptyRow()]));
  document.getElementById("page-info").textContent =
    `第 ${page.total ? offset + 1 : 0}–${Math.min(offset + PAGE, page.total)} 条，共 ${page.total} 条`;
  document.getElementById("prev").disabled = offset === 0;
  document.getElementById("next").disabled = offset + PAGE >= page.total;
}

function emptyRow() {
  const tr = el("tr"); const td = el("td", "没有符合条件的通话"); td.colSpan = 8; tr.append(td); return tr;
}

function upload(file) {
  // XMLHttpRequest, not fetch: it reports upload progress for the progress bar.
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const data = new FormData();
  data.append("audio", file);
  data.append("channels", document.getElementById("channels").value);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/v1/calls");
  bar.hidden = false; bar.value = 0; status.textContent = `正在上传 ${file.name}…`;
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onload = () => {
    const body = JSON.parse(xhr.responseText || "{}");
    status.textContent = xhr.status < 300 ? (body.duplicate ? `这段录音已上传过（通话 #${body.id}）`
      : `已上传，通话 #${body.id} 正在排队转写`) : `上传失败：${body.detail || xhr.statusText}`;
    bar.hidden = true;
    load();
  };
  xhr.send(data);
}

function setUpUpload() {
  const drop = document.getElementById("drop");
  if (!drop) return;
  document.getElementById("file").addEventListener("change", (e) => e.target.files[0] && upload(e.target.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0]);
  });
}

document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });
document.getElementById("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
document.getElementById("next").addEventListener("click", () => { offset += PAGE; load(); });
setUpUpload();
load();
setInterval(load, 5000);  // progress of calls being transcribed
