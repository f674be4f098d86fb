// The rep dashboard: every figure comes from /api/v1/metrics/*, drawn as SVG (chart.js).
"use strict";

const SPIN_KINDS = ["situation", "problem", "implication", "need_payoff"];

function period() {
  return `from=${document.getElementById("from").value}&to=${document.getElementById("to").value}`;
}

async function loadReps() {
  const rows = await api(`/api/v1/metrics/reps?${period()}`);
  const select = document.getElementById("rep");
  const current = select.value || ME.repId;
  options(select, rows, (r) => r.rep, (r) => r.rep_id);
  if (current && rows.some((r) => String(r.rep_id) === current)) select.value = current;
  return rows;
}

async function draw() {
  const reps = await loadReps();
  const repId = Number(document.getElementById("rep").value);
  const me = reps.find((r) => r.rep_id === repId);
  const trend = repId ? await api(`/api/v1/metrics/trend?${period()}&rep_id=${repId}`) : [];
  document.getElementById("trend").replaceChildren(trend.length
    ? columnChart("每月承诺率", trend.map((m) => ({label: m.month.slice(5) + "月", value: m.commitment_rate,
        text: pct(m.commitment_rate), sub: `${m.analysed_calls} 通`,
        href: `/ui/calls?rep_id=${repId}&from=${m.month}-01&to=${nextMonth(m.month)}`})), 1)
    : el("p", "期间内没有分析过的通话", "muted"));
  const mix = me ? me.spin_mix : {};
  document.getElementById("spin").replaceChildren(
    stackChart("SPIN 提问结构", SPIN_KINDS.map((k) => ({label: SPIN_NAMES[k], value: mix[k] || 0}))));
  const team = reps.filter((r) => r.analysed_calls).map((r) => r.mean_talk_ratio);
  const teamAvg = team.length ? team.reduce((a, b) => a + b, 0) / team.length : 0;
  document.getElementById("talk").replaceChildren(barChart("说话占比", [
    {label: "本人", value: me ? me.mean_talk_ratio : 0, text: pct(me && me.mean_talk_ratio)},
    {label: "团队平均", value: teamAvg, text: pct(teamAvg), color: "#8c959f"}], 1));
  // The funnel of the rep shown (their own deals); the team's only when no rep is chosen.
  const funnel = await api(`/api/v1/metrics/funnel?${period()}${repId ? `&rep_id=${repId}` : ""}`);
  const whose = me ? `${me.rep}负责的商机` : "全团队的商机";
  document.getElementById("funnel-whose").textContent = `${whose}（期间内新建），各阶段到达的数量`;
  document.getElementById("funnel").replaceChildren(barChart(`商机漏斗：${whose}`, funnel.stages.map((s) =>
    ({label: s.stage, value: s.reached, text: `${s.reached} 个`}))));
  await drawLeaderboard();
  drawObjectives(reps);
  if (document.getElementById("stalled")) await drawStalled(repId);
}

const OUTCOME_NAMES = {advance: "推进", continuation: "继续", decline: "拒绝"};

function drawObjectives(reps) {
  const judged = reps.filter((r) => r.objectives_judged);
  document.getElementById("objectives").replaceChildren(...(judged.length ? judged.map((r) =>
    row(r.rep, r.objectives_judged, r.objectives_primary_achieved, r.objectives_achieved, pct(r.objective_achieved_share)))
    : [emptyRow("期间内没有评判过的承诺目标", 5)]));
}

async function drawStalled(repId) {
  const deals = await api(`/api/v1/stalled-deals${repId ? `?rep_id=${repId}` : ""}`);
  document.getElementById("stalled-status").textContent = `${deals.length} 个停滞商机`;
  document.getElementById("stalled-deals").replaceChildren(...(deals.length ? deals.map((d) =>
    row(d.rep, cell(link(d.name, `/ui/opportunities?customer_id=${d.customer_id}`)), d.stage,
        `¥${d.amount.toLocaleString("zh-CN")}`, d.outcomes.map((o) => OUTCOME_NAMES[o]).join(" → ") || "无通话",
        d.reasons.join("；")))
    : [emptyRow("没有停滞的商机", 6)]));
}

function nextMonth(month) {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}

async function drawLeaderboard() {
  const rows = await api(`/api/v1/metrics/commitments?${period()}`);
  document.getElementById("leaderboard").replaceChildren(...rows.map((r) =>
    row(r.rank, r.rep, pct(r.commitment_rate), r.analysed_calls, `${pct(r.confidence_low)}–${pct(r.confidence_high)}`,
        r.small_sample ? "样本不足，不参与排名比较" : "")));
}

const today = new Date();
document.getElementById("from").value = isoDate(new Date(today.getFullYear(), today.getMonth() - 5, 1));
document.getElementById("to").value = isoDate(new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1));
document.getElementById("dash-form").addEventListener("submit", (e) => { e.preventDefault(); draw().catch(fail("dash-status")); });
document.getElementById("rep").addEventListener("change", () => draw().catch(fail("dash-status")));
draw().catch(fail("dash-status"));
