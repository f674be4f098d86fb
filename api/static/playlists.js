// The team's playlists of good moments; each moment links to its call at the moment's time.
"use strict";

async function playlistBlock(summary) {
  const playlist = await api(`/api/v1/playlists/${summary.id}`);
  const block = el("div", null, "playlist");
  block.append(el("h2", playlist.name), el("p", playlist.description || `由 ${playlist.created_by} 创建`, "muted"));
  const list = el("ol", null, "turns");
  for (const item of playlist.items) {
    const li = el("li", null, "turn rep");
    const link = el("a", `通话 #${item.call_id} · ${clock(item.start)}–${clock(item.end)}`);
    link.href = `/ui/calls/${item.call_id}?t=${item.start ?? 0}`;
    li.append(link);
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
load().catch((e) => document.getElementById("playlists").replaceChildren(el("p", e.message, "error")));
