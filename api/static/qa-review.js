// The QA panel of the review page: the rule hits, and (for QA staff) the review form, where each
// rule starts at its automatic result and can be overridden.
"use strict";

const SEVERITY_NAMES = {info: "提示", warning: "警告", critical: "严重"};

async function loadQa() {
  let report;
  try { report = await api(`/api/v1/calls/${callId}/qa`); }
  catch (e) { document.getElementById("qa-score").textContent = e.status === 409 ? "尚未分析" : e.message; return; }
  document.getElementById("qa-score").textContent = `质检得分 ${report.qa_score}（命中 ${report.rules_hit} 条规则）`;
  document.getElementById("qa-hits").replaceChildren(...report.hits.map((h) =>
    el("li", `[${SEVERITY_NAMES[h.severity] || h.severity}] ${h.rule}${h.turn_index !== null ? `（第 ${h.turn_index + 1} 句）` : ""}：${h.detail}`)));
  const form = document.getElementById("qa-review");
  if (!form) return;
  const rules = await api("/api/v1/qa/rules");
  const hit = new Set(report.hits.map((h) => h.rule_id));
  document.getElementById("qa-rules").replaceChildren(...rules.filter((r) => r.active).map((rule) => {
    const label = el("label", `${rule.name}（${rule.points} 分）`, "criterion");
    const select = el("select"); select.name = String(rule.id);
    for (const [value, text] of [["pass", "通过"], ["fail", "不通过"]]) {
      const option = el("option", text); option.value = value; select.append(option);
    }
    select.value = hit.has(rule.id) ? "fail" : "pass";
    select.dataset.auto = select.value;
    label.append(select);
    return label;
  }));
}

async function submitReview(event) {
  event.preventDefault();
  const results = {};
  document.querySelectorAll("#qa-rules select").forEach((s) => {
    if (s.value !== s.dataset.auto) results[s.name] = s.value === "pass";  // only overrides are sent
  });
  try {
    const verdict = document.getElementById("qa-verdict").value;
    const review = await send(`/api/v1/calls/${callId}/qa/reviews`, "POST",
                              {results, note: document.getElementById("qa-note").value,
                               passed: verdict ? verdict === "pass" : null});
    showStatus("qa-status", `已提交：${review.total} 分，${review.passed ? "合格" : "不合格"}`);
  } catch (e) { showStatus("qa-status", `提交失败：${e.message}`, true); }
}

const qaForm = document.getElementById("qa-review");
if (qaForm) qaForm.addEventListener("submit", submitReview);
loadQa();
