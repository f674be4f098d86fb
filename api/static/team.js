// The team dashboard (managers and admins): reps side by side, the funnel and behaviour → outcome,
// every figure linking to the calls or opportunities behind it.
"use strict";

// The API names its bands in English; these are the words the page shows.
const BAND_NAMES = {"with advance": "获得推进", "without advance": "未获得推进", "no questions": "没有提问",
  "implication+need-payoff < 20%": "低于 20%", "implication+need-payoff 20–40%": "20%–40%",
  "implication+need-payoff ≥ 40%": "40% 及以上", unknown: "未知", "rep talk < 40%": "低于 40%",
  "rep talk 40–60%": "40%–60%", "rep talk ≥ 60%": "60% 及以上"};
const SPIN_ORDER = ["situation", "problem", "implication", "need_payoff"];

function query() {
  const team = document.getElementById("team");
  const params = new URLSearchParams({from: document.getElementById("from").value, to: document.getElementById("to").value});
  if (team && team.value) params.set("team", team.value);
  return params;
}

function callsHref(repId, extra) {
  const q = query();
  const params = new URLSearchParams({rep_id: repId, from: q.get("from"), to: q.get("to"), ...(extra || {})});
  return `/ui/calls?${params}`;
}

function repRow(r, rank) {
  const mix = SPIN_ORDER.map((k) => pct(r.spin_mix[k] || 0)).join(" / ");
  const interval = rank ? `${pct(rank.confidence_low)}–${pct(rank.confidence_high)}${rank.small_sample ? "（样本不足）" : ""}` : "–";
  const tr = row(r.rep, link(String(r.calls), callsHref(r.rep_id)),
    link(r.analysed_calls ? pct(r.commitment_rate) : "–", callsHref(r.rep_id, {commitment_secured: "true"})), interval, mix,
    r.analysed_calls ? pct(r.mean_talk_ratio) : "–",
    link(rateOf(r.win_rate, r.won, r.won + r.lost), `/ui/opportunities?owner_rep_id=${r.rep_id}`),
    link(yuan(r.pipeline_value), `/ui/opportunities?owner_rep_id=${r.rep_id}&status=open`), yuan(r.sales_velocity_per_day));
  for (const i of [1, 2, 5, 6, 7, 8]) tr.children[i].classList.add("num");
  return tr;
}

function bandChart(id, label, bands, names) {
  document.getElementById(id).replaceChildren(bands.length ? barChart(label, bands.map((b) => ({
    label: (names && names[b.band]) || b.band, value: b.win_rate, text: `赢单率 ${rateOf(b.win_rate, b.won, b.opportunities)}`})), 1)
    : el("p", "期间内没有已结束且有通话的商机", "muted"));
}

async function draw() {
  const q = query();
  const [reps, ranks, funnel, behaviour] = await Promise.all([
    api(`/api/v1/metrics/reps?${q}`), api(`/api/v1/metrics/commitments?${q}`),
    api(`/api/v1/metrics/funnel?${q}`), api(`/api/v1/metrics/behaviour?${q}`)]);
  const rankOf = (id) => ranks.find((r) => r.rep_id === id);
  document.getElementById("reps").replaceChildren(...(reps.length ? reps.map((r) => repRow(r, rankOf(r.rep_id))) : [emptyRow("没有销售", 9)]));
  document.getElementById("commitment-chart").replaceChildren(barChart("承诺率（按销售）", ranks.map((r) =>
    ({label: r.rep, value: r.commitment_rate, text: rateOf(r.commitment_rate, r.committed_calls, r.analysed_calls),
      href: callsHref(r.rep_id, {commitment_secured: "true"})})), 1));
  document.getElementById("funnel").replaceChildren(barChart("商机漏斗", funnel.stages.map((s) =>
    ({label: s.stage, value: s.reached, text: `${s.reached} 个`, href: `/ui/opportunities?stage=${encodeURIComponent(s.stage)}`}))));
  document.getElementById("funnel-note").textContent =
    `期间内新建 ${funnel.created} 个商机，赢单 ${funnel.won}，输单 ${funnel.lost}，整体转化率 ${pct(funnel.overall_conversion)}。`;
  bandChart("by-advance", "按是否获得推进承诺的赢单率", behaviour.by_advance, BAND_NAMES);
  bandChart("by-spin", "按暗示+需求效益问题占比的赢单率", behaviour.by_spin_mix, BAND_NAMES);
  bandChart("by-talk", "按销售说话占比的赢单率", behaviour.by_talk_ratio, BAND_NAMES);
}

async function start() {
  const team = document.getElementById("team");
  if (team) options(team, await allItems("/api/v1/teams"), (t) => t.name, (t) => t.id, "全部团队");
  const year = new Date().getFullYear();
  document.getElementById("from").value = `${year}-01-01`;
  document.getElementById("to").value = `${year + 1}-01-01`;
  await draw();
}

document.getElementById("team-form").addEventListener("submit", (e) => { e.preventDefault(); draw().catch(fail("team-status")); });
start().catch(fail("team-status"));
