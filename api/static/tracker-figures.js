// The dashboard's tracker figures (GET /api/v1/trackers/{id}/figures) over the dashboard's
// period: mentions per call by rep, the monthly trend, and the win rate with vs without.
"use strict";

const trackerSelect = document.getElementById("tracker-select");

function figuresPeriod() {
  return `from=${document.getElementById("from").value}&to=${document.getElementById("to").value}`;
}

async function drawTrackerFigures() {
  if (!trackerSelect || !trackerSelect.value) return;
  const id = trackerSelect.value;
  const f = await api(`/api/v1/trackers/${id}/figures?${figuresPeriod()}`);
  const none = (text) => el("p", text, "muted");
  document.getElementById("tracker-by-rep").replaceChildren(f.by_rep.length
    ? barChart("每通电话提及次数", f.by_rep.map((r) => ({label: r.rep, value: r.mentions_per_call,
        text: `${r.mentions_per_call} 次/通（${r.calls} 通）`, href: `/ui/calls?rep_id=${r.rep_id}&tracker_id=${id}`})))
    : none("期间内没有分析过的通话"));
  document.getElementById("tracker-trend").replaceChildren(f.trend.length
    ? columnChart("每月每通电话提及次数", f.trend.map((m) => ({label: m.month.slice(5) + "月", value: m.mentions_per_call,
        text: String(m.mentions_per_call), sub: `${m.calls} 通`})))
    : none("期间内没有分析过的通话"));
  document.getElementById("tracker-win").replaceChildren(barChart("商机赢单率", f.win_rate.map((b) => ({
    label: b.band === "with" ? "通话中提及" : "通话中未提及", value: b.win_rate,
    text: rateOf(b.win_rate, b.won, b.opportunities, " 个商机")})), 1));
  showStatus("tracker-status", `「${f.tracker}」：期间内已结束的商机按其通话是否提及分组。`);
}

async function loadTrackerChoices() {
  if (!trackerSelect) return;
  const trackers = (await api("/api/v1/trackers")).filter((t) => t.active);
  if (!trackers.length) { showStatus("tracker-status", "还没有启用的话题追踪。"); return; }
  options(trackerSelect, trackers, (t) => t.name, (t) => t.id);
  await drawTrackerFigures();
}

if (trackerSelect) {
  const failed = fail("tracker-status");
  trackerSelect.addEventListener("change", () => drawTrackerFigures().catch(failed));
  document.getElementById("dash-form").addEventListener("submit", () => drawTrackerFigures().catch(failed));
  loadTrackerChoices().catch(failed);
}
