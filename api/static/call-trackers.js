// The review page's tracker hits: each active tracker's mentions on this call; a mention jumps
// to its turn and plays from there.
"use strict";

const SIDE_NAMES = {rep: "销售", customer: "客户", any: "双方"};

function jumpToTurn(hit) {
  const li = document.querySelector(`#turns li[data-index="${hit.turn_index}"]`);
  if (!li) return;
  li.scrollIntoView({block: "center"});
  li.focus();
  seekTo(li);
}

function trackerItem(tracker) {
  const li = el("li");
  li.append(el("strong", tracker.name), el("span", `（${SIDE_NAMES[tracker.speaker] || ""}）${tracker.count} 次`, "muted"));
  if (tracker.hits.length) {
    const hits = el("div", null, "hits");
    for (const hit of tracker.hits) {
      hits.append(button(`${clock(hit.start)} 「${hit.phrase}」`, () => jumpToTurn(hit), "link"), document.createTextNode(" "));
    }
    li.append(hits);
  }
  return li;
}

async function loadTrackerHits() {
  const list = document.getElementById("tracker-hits");
  if (!list) return;
  const trackers = await api(`/api/v1/calls/${callId}/trackers`);
  list.replaceChildren(...(trackers.length ? trackers.map(trackerItem) : [el("li", "还没有话题追踪", "muted")]));
}

loadTrackerHits().catch((e) => {
  const list = document.getElementById("tracker-hits");
  if (list) list.replaceChildren(el("li", e.message, "error"));
});
