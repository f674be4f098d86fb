// The team's playlists of good moments; each moment links to its call at the moment's time.
"use strict";

async function playlistBlock(summary) {
  const playlist = await api(`/api/v1/playlists/${summary.id}`);
  const block = el("div", null, "playlist");
  block.append(el("h2", playlist.name), el("p", playlist.description || `由 ${playlist.created_by} 创建`, "muted"));
  const list = el("ol", null, "turns");
  for (const item of playlist.items) {
    const li = el("li", null, "turn rep");
    li.append(link(`${callName(item.call_title, item.call_id)} · ${clock(item.start)}–${clock(item.end)}`, `/ui/calls/${item.call_id}?t=${item.start ?? 0}`));
    if (item.note) li.append(el("p", item.note, "next"));
    for (const turn of item.turns) li.append(el("p", `${turn.speaker === "rep" ? "销售" : "客户"}：${turn.text}`, "text"));
    list.append(li);
  }
  block.append(playlist.items.length ? list : el("p", "还没有片段", "muted"));
  return block;
}

async function load() {
  const playlists = await api("/api/v1/playlists");
  const blocks = await Promise.all(playlists.map(playlistBlock));
  document.getElementById("playlists").replaceChildren(...(blocks.length ? blocks : [el("p", "还没有案例", "muted")]));
}

const playlistForm = document.getElementById("playlist-form");
if (playlistForm) {
  playlistForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = formObject(e.target);
    try {
      await send("/api/v1/playlists", "POST", {name: f.name, description: f.description || null});
      e.target.reset(); showStatus("playlist-status", "已新建"); await load();
    } catch (err) { showStatus("playlist-status", `新建失败：${err.message}`, true); }
  });
}
load().catch((e) => document.getElementById("playlists").replaceChildren(el("p", e.message, "error")));
