// The review queue (复核队列): model labels the model was least sure of; confirm or correct each.
"use strict";

const kindSelect = document.getElementById("review-kind");
const CHOICES = {
  commitment: [["advance", "推进"], ["continuation", "延续"], ["decline", "拒绝"], ["", "无（不涉及下一步）"]],
  question: [["situation", "情况问题"], ["problem", "难点问题"], ["implication", "暗示问题"],
             ["need_payoff", "需求效益问题"], ["other_question", "其他提问"], ["", "不是提问"]],
};

function labelName(kind, label) {
  const found = CHOICES[kind].find(([value]) => value === (label || ""));
  return found ? found[1] : label;
}

async function decide(item, label, li) {
  const field = item.kind === "question" ? "question_type" : "commitment";
  await send(`/api/v1/calls/${item.call_id}/turns/${item.turn_index}/corrections`, "POST", {[field]: label || null});
  li.remove();
  showStatus("review-status", label === (item.label || "") ? "已确认模型的标签。" : `已改为「${labelName(item.kind, label)}」。`);
  if (!document.querySelector("#review-items li")) await load();
}

function reviewItem(item) {
  const li = el("li", null, "comment");
  const head = el("div", null, "muted");
  head.append(link(item.call_title || `通话 ${item.call_id}`, `/ui/calls/${item.call_id}`),
              el("span", ` · ${item.rep || "未关联销售"} · 第 ${item.turn_index + 1} 句`));
  li.append(head);
  if (item.previous_text) li.append(el("p", `${item.speaker === "customer" ? "销售" : "客户"}：${item.previous_text}`, "muted"));
  li.append(el("p", `${item.speaker === "customer" ? "客户" : "销售"}：${item.text}`));
  li.append(el("p", `模型判断：${labelName(item.kind, item.label)}（置信度 ${Math.round(item.probability * 100)}%）`));
  const form = el("form", null, "inline");
  const confirm = el("button", "确认"); confirm.type = "button";
  const select = el("select"); select.setAttribute("aria-label", "正确的标签");
  options(select, CHOICES[item.kind], ([, name]) => name, ([value]) => value);
  select.value = item.label || "";
  const change = el("button", "改为所选"); change.type = "submit";
  form.append(confirm, select, change);
  const failed = (e) => showStatus("review-status", `保存失败：${e.message}`, true);
  confirm.addEventListener("click", () => decide(item, item.label || "", li).catch(failed));
  form.addEventListener("submit", (e) => { e.preventDefault(); decide(item, select.value, li).catch(failed); });
  li.append(form);
  return li;
}

async function load() {
  const page = await api(`/api/v1/review-queue?kind=${kindSelect.value}&limit=50`);
  const list = document.getElementById("review-items");
  list.replaceChildren(...(page.items.length ? page.items.map(reviewItem) : [el("li", "没有待复核的标签。", "muted")]));
  if (page.total > page.items.length) list.append(el("li", `还有 ${page.total - page.items.length} 条，处理完这些后显示。`, "muted"));
}

kindSelect.addEventListener("change", () => load().catch(fail("review-status")));
load().catch(fail("review-status"));
