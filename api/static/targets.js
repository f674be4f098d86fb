// Targets (目标拆解): set annual or quarterly targets for a team or a rep, and show each one split
// 年 → 季 → 月 → 周 → 日 (by working days), the progress so far and the activity still needed.
"use strict";

let teams = [], reps = [];
const targetForm = document.getElementById("target-form");
const owner = (t) => (t.team_id ? `团队 ${nameOf(teams, t.team_id)}` : `销售 ${nameOf(reps, t.rep_id)}`);
const span = (t) => `${t.year} 年${t.quarter ? ` 第 ${t.quarter} 季度` : "全年"}`;

function nameOf(list, id) { return (list.find((x) => x.id === id) || {}).name || `#${id}`; }

function targetRow(t) {
  const actions = cell(button("查看拆解", () => showProgress(t), "link"));
  if (targetForm) actions.append(document.createTextNode(" "), button("删除", () => remove(t), "link"));
  const tr = row(owner(t), span(t), yuan(t.amount), actions);
  tr.children[2].className = "num";
  return tr;
}

async function load() {
  const targets = await allItems("/api/v1/targets");
  document.getElementById("targets").replaceChildren(...(targets.length ? targets.map(targetRow) : [emptyRow("还没有目标", 4)]));
  return targets;
}

function kpi(label, value) { const box = el("div", null, "kpi"); box.append(el("strong", value), el("span", label)); return box; }
// The quarter a period starts in, from its date (a Q4 target's one bar is Q4, not Q1).
const quarterOf = (start) => `Q${Math.floor((Number(start.slice(5, 7)) - 1) / 3) + 1}`;
const count = (x) => (x === null || x === undefined ? "无历史数据" : `${x}`);

function periodRows(periods, label) {
  return periods.map((p) => {
    const tr = row(label(p), p.working_days, yuan(p.target), yuan(p.actual), yuan(p.gap), count(p.gap_activity.calls));
    for (const i of [2, 3, 4, 5]) tr.children[i].className = "num";
    return tr;
  });
}

async function showProgress(t) {
  const p = await api(`/api/v1/targets/${t.id}/progress`);
  document.getElementById("progress").hidden = false;
  document.getElementById("progress-title").textContent = `目标拆解：${owner(t)} · ${span(t)}`;
  document.getElementById("kpis").replaceChildren(kpi("年/期间目标", yuan(p.target.amount)), kpi("已完成", yuan(p.actual)),
    kpi("完成率", pct(p.attainment)), kpi(`每个工作日（共 ${p.working_days} 天）`, yuan(p.per_working_day)));
  const r = p.rates;
  document.getElementById("rates").textContent =
    `按过去一年的实际：客单价 ${yuan(r.average_deal_size)}，赢单率 ${pct(r.win_rate)}，每通获得承诺的通话带来 ${r.opportunities_per_committed_call.toFixed(2)} 个商机，承诺率 ${pct(r.commitment_rate)}。`;
  const n = p.needed;
  document.getElementById("needed").replaceChildren(kpi("剩余金额", yuan(n.amount)), kpi("还需成交", count(n.deals)),
    kpi("还需商机", count(n.opportunities)), kpi("还需获得承诺的通话", count(n.calls_with_commitment)), kpi("还需通话", count(n.calls)));
  document.getElementById("quarter-chart").replaceChildren(barChart("各季度目标与实际",
    p.quarters.flatMap((q) => [{label: `${quarterOf(q.start)} 目标`, value: q.target, text: yuan(q.target), color: "#8c959f"},
                               {label: `${quarterOf(q.start)} 实际`, value: q.actual, text: yuan(q.actual)}])));
  document.getElementById("quarters").replaceChildren(...periodRows(p.quarters, (q) => `${q.start} – ${q.end}`));
  document.getElementById("months").replaceChildren(...periodRows(p.months, (m) => m.start.slice(0, 7)));
  document.getElementById("weeks").replaceChildren(...periodRows(p.weeks, (w) => `${w.start} 起`));
  document.getElementById("progress").scrollIntoView();
}

async function remove(t) {
  if (!window.confirm(`删除 ${owner(t)} 的 ${span(t)} 目标？`)) return;
  try { await api(`/api/v1/targets/${t.id}`, {method: "DELETE"}); await load(); }
  catch (e) { showStatus("targets-status", `删除失败：${e.message}`, true); }
}

async function create(event) {
  event.preventDefault();
  const f = formObject(event.target);
  const [kind, id] = f.owner.split(":");
  const body = {[kind === "team" ? "team_id" : "rep_id"]: Number(id), year: Number(f.year),
                quarter: numberOrNull(f.quarter), amount: Number(f.amount)};
  try { await send("/api/v1/targets", "POST", body); showStatus("target-status", "已保存"); await load(); }
  catch (e) { showStatus("target-status", `保存失败：${e.message}`, true); }
}

async function start() {
  [teams, reps] = await Promise.all([allItems("/api/v1/teams"), allItems("/api/v1/reps")]);
  if (targetForm) {
    const select = document.getElementById("target-owner");
    select.replaceChildren(...teams.map((t) => Object.assign(el("option", `团队：${t.name}`), {value: `team:${t.id}`})),
                           ...reps.map((r) => Object.assign(el("option", `销售：${r.name}`), {value: `rep:${r.id}`})));
    targetForm.elements.year.value = new Date().getFullYear();
    formReady(targetForm, create);
  }
  const targets = await load();
  if (targets.length) await showProgress(targets[0]);
}
start().catch(fail("targets-status"));
