// QA rules: the list for everyone who may read them; create, edit, delete and "test on this call"
// for those who may change them. The form shows only the parameters of the chosen kind.
"use strict";

const KIND_NAMES = {keyword_expression: "关键词表达式", forbidden_phrase: "禁用语", required_phrase: "必说语",
  silence: "静音过长", speech_rate: "语速范围", interruptions: "抢话次数", talk_ratio: "说话占比上限"};
const SEVERITY_NAMES = {info: "提示", warning: "警告", critical: "严重"};
const ruleForm = document.getElementById("rule-form");
let rules = [];

function describe(rule) {
  const p = rule.params, who = p.speaker === "customer" ? "客户" : "销售";
  switch (rule.kind) {
    case "keyword_expression": return `${who}：${p.expression}`;
    case "forbidden_phrase": return `${who}不得说：${p.phrases.join("、")}`;
    case "required_phrase": return `${who}须在前 ${p.within_s} 秒说：${p.phrases.join("、")}`;
    case "silence": return `静音超过 ${p.max_s} 秒`;
    case "speech_rate": return `${p.min_cpm}–${p.max_cpm} 字/分钟`;
    case "interruptions": return `最多 ${p.max} 次`;
    case "talk_ratio": return `销售占比不超过 ${pct(p.max)}`;
    default: return JSON.stringify(p);
  }
}

function ruleRow(rule) {
  const tr = row(rule.name, KIND_NAMES[rule.kind] || rule.kind, describe(rule), SEVERITY_NAMES[rule.severity],
                 rule.points, rule.active ? "启用" : "停用");
  tr.children[4].className = "num";
  if (ruleForm) {
    tr.append(cell(button("编辑", () => edit(rule), "link"), document.createTextNode(" "),
                   button("删除", () => remove(rule), "link")));
  }
  return tr;
}

async function load() {
  rules = await api("/api/v1/qa/rules");
  document.getElementById("rules").replaceChildren(...(rules.length ? rules.map(ruleRow) : [emptyRow("还没有质检规则", 7)]));
}

function showKind() {
  const kind = ruleForm.elements.kind.value;
  ruleForm.querySelectorAll("[data-kinds]").forEach((label) => { label.hidden = !label.dataset.kinds.split(" ").includes(kind); });
}

function params(f) {
  const phrases = (f.phrases || "").split(/[,，\n]/).map((x) => x.trim()).filter(Boolean);
  switch (f.kind) {
    case "keyword_expression": return {expression: f.expression, speaker: f.speaker};
    case "forbidden_phrase": return {phrases, speaker: f.speaker};
    case "required_phrase": return {phrases, within_s: Number(f.within_s), speaker: f.speaker};
    case "silence": return {max_s: Number(f.max_s)};
    case "speech_rate": return {min_cpm: Number(f.min_cpm), max_cpm: Number(f.max_cpm)};
    case "interruptions": return {max: Math.round(Number(f.max_count))};
    default: return {max: Number(f.max_share) / 100};
  }
}

function ruleBody() {
  const f = formObject(ruleForm);
  return {name: f.name, kind: f.kind, params: params(f), severity: f.severity, points: Number(f.points),
          active: f.active === "true"};
}

function edit(rule) {
  const e = ruleForm.elements, p = rule.params;
  e.id.value = rule.id; e.name.value = rule.name; e.kind.value = rule.kind; e.severity.value = rule.severity;
  e.points.value = rule.points; e.active.value = String(rule.active);
  if (p.expression !== undefined) e.expression.value = p.expression;
  if (p.phrases) e.phrases.value = p.phrases.join("，");
  if (p.speaker) e.speaker.value = p.speaker;
  for (const name of ["within_s", "max_s", "min_cpm", "max_cpm"]) if (p[name] !== undefined) e[name].value = p[name];
  if (rule.kind === "interruptions") e.max_count.value = p.max;
  if (rule.kind === "talk_ratio") e.max_share.value = Math.round(p.max * 100);
  document.getElementById("rule-heading").textContent = `编辑规则：${rule.name}`;
  showKind(); e.name.focus();
}

async function save(event) {
  event.preventDefault();
  const id = ruleForm.elements.id.value;
  try {
    await send(id ? `/api/v1/qa/rules/${id}` : "/api/v1/qa/rules", id ? "PUT" : "POST", ruleBody());
    showStatus("rule-status", "已保存"); reset(); await load();
  } catch (e) { showStatus("rule-status", `保存失败：${e.message}`, true); }
}

async function remove(rule) {
  if (!window.confirm(`删除规则「${rule.name}」？`)) return;
  try { await api(`/api/v1/qa/rules/${rule.id}`, {method: "DELETE"}); showStatus("rule-status", "已删除"); await load(); }
  catch (e) { showStatus("rule-status", `删除失败：${e.message}`, true); }
}

function reset() {
  ruleForm.reset(); ruleForm.elements.id.value = "";
  document.getElementById("rule-heading").textContent = "新建规则"; showKind();
}

async function tryRule(event) {
  event.preventDefault();
  const callId = Number(event.target.elements.call_id.value);
  try {
    const result = await send("/api/v1/qa/rules/test", "POST", {...ruleBody(), call_id: callId});
    showStatus("try-status", result.hits.length ? `通话 #${callId} 命中 ${result.hits.length} 处：` : `通话 #${callId} 没有命中这条规则。`);
    document.getElementById("try-hits").replaceChildren(...result.hits.map((h) =>
      el("li", `${h.turn_index !== null ? `第 ${h.turn_index + 1} 句 ` : ""}${h.start !== null ? `（${clock(h.start)}）` : ""}${h.detail}`)));
  } catch (e) { showStatus("try-status", `测试失败：${e.message}`, true); document.getElementById("try-hits").replaceChildren(); }
}

if (ruleForm) {
  ruleForm.elements.kind.addEventListener("change", showKind);
  ruleForm.addEventListener("submit", save);
  document.getElementById("rule-reset").addEventListener("click", reset);
  document.getElementById("try-form").addEventListener("submit", tryRule);
  const wanted = new URLSearchParams(window.location.search).get("call_id");
  if (wanted) document.getElementById("try-form").elements.call_id.value = wanted;
  showKind();
}
load().catch(fail("rule-status"));
