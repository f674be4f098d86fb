// Shared helpers. Everything user-written is put on the page with textContent, never innerHTML.
// The API answers in English with a stable code; every message a person sees is Chinese
// (errorText below maps the codes and the known refusals).
"use strict";

const STATUS_NAMES = {queued: "排队中", transcribing: "转写中", analyzing: "分析中", done: "已完成", failed: "失败"};
const SPIN_NAMES = {situation: "情况问题", problem: "难点问题", implication: "暗示问题", need_payoff: "需求效益问题",
                    other_question: "其他问题"};
const COMMITMENT_NAMES = {advance: "推进", continuation: "延续", decline: "拒绝"};
const ROLE_NAMES = {admin: "管理员", manager: "销售经理", rep: "销售代表", qa: "质检员"};
const CHANNEL_NAMES = {call: "电话", visit: "拜访", wechat: "微信", email: "邮件"};
const FOLLOW_UP_STATUS = {draft: "草稿", open: "待办", done: "已完成", cancelled: "已取消"};
const OPPORTUNITY_STATUS = {open: "进行中", won: "赢单", lost: "输单"};
const ME = document.getElementById("main").dataset;

const RECORD_NAMES = {call: "通话", rep: "销售", team: "团队", customer: "客户", opportunity: "商机",
  "follow-up": "跟进记录", target: "目标", playlist: "案例库", review: "质检结果", user: "用户", token: "令牌",
  "QA rule": "质检规则", plan: "抽检计划", comment: "评论", tracker: "话题追踪", term: "词库中的词"};
const VERB_NAMES = {open: "查看", upload: "上传", delete: "删除", "re-analyse": "重新分析", analyse: "分析",
  "comment on": "评论", score: "评分", change: "修改", import: "导入", export: "导出", see: "查看", read: "查看",
  sample: "抽检", review: "质检", appeal: "申诉", decide: "裁定", search: "搜索", correct: "更正标注", edit: "更正文字"};
const FIELD_NAMES = {audio: "录音文件", channels: "声道", occurred_at: "通话时间", title: "标题", rep_id: "销售",
  customer_id: "客户", opportunity_id: "商机", name: "名称", login: "登录名", phone: "手机号", email: "邮箱",
  password: "密码", old_password: "当前密码", new_password: "新密码", role: "角色", team_id: "团队",
  amount: "金额", stage: "阶段", status: "状态", year: "年份", quarter: "季度", company: "公司名称",
  next_action_due: "下次行动日期", closed_on: "结束日期", created_on: "创建日期", params: "规则参数",
  severity: "严重程度", points: "扣分", text: "内容", weight: "权重", from: "开始日期", to: "结束日期",
  reviewer_user_id: "质检员", period_to: "结束日期", period_from: "开始日期", call_id: "通话", occurred: "时间",
  q: "关键词", speaker: "说话人", label: "标签", phrases: "词和短语", tracker_id: "话题追踪",
  question_type: "提问类型", commitment: "客户承诺", commitment_action: "下一步", commitment_due: "截止日期",
  min_confidence: "最低置信度", kind: "类别", heard: "常被误识为", note: "说明"};
const CODE_TEXT = {
  unsupported_audio: "这不是音频文件，请选择录音文件（wav、mp3、m4a 等）。",
  corrupt_audio: "录音文件已损坏或不完整，无法解码。",
  empty_upload: "上传的文件是空的。",
  payload_too_large: "文件太大，超过了服务器允许的上限。",
  channel_mismatch: "所选的立体声模式需要双声道录音，而这个文件是单声道。请改选「单声道」。",
  not_ready: "这通电话还没有处理完成，请稍后再试。",
  unauthorized: "登录已失效，请重新登录。",
  too_many_requests: "尝试次数过多，请稍后再试。",
  cross_site: "该请求来自其他网站，已被拒绝。",
  method_not_allowed: "不支持这种操作。",
  internal_error: "服务器出错了，请稍后再试。",
};
// Known English messages → Chinese; the first pattern that matches wins.
const MESSAGE_TEXT = [
  [/larger than the (?:upload )?limit of (\d+) MB/, (m) => `文件太大：每个文件最大 ${m[1]} MB。`],
  [/(?:holds|declares) (\d+) s of audio; at most (\d+) s accepted/,
    (m) => `录音太长（约 ${Math.ceil(m[1] / 60)} 分钟）：每通最长 ${Math.round(m[2] / 60)} 分钟。`],
  [/^you may not ([a-z -]+?) (call|rep|team|customer|opportunity|follow-up|target|playlist|review) (\d+)(: it must belong to .*)?$/,
    (m) => `您无权${VERB_NAMES[m[1]] || "操作"}${RECORD_NAMES[m[2]]} ${m[3]}${m[4] ? "（记录必须属于您的范围）" : ""}。`],
  [/^the (\w+) role may not (.+)$/, (m) => `${ROLE_NAMES[m[1]] || m[1]}无权进行此操作。`],
  [/^you may not upload calls for rep (\d+)/, (m) => `您无权为销售 ${m[1]} 上传通话。`],
  [/^a rep uploads only their own calls/, () => "销售代表只能上传自己的通话。"],
  [/^(call|rep|team|customer|opportunity|follow-up|target|user|token|QA rule|plan|review|playlist|tracker|term) (\d+) does not exist/,
    (m) => `${RECORD_NAMES[m[1]] || "记录"} ${m[2]} 不存在。`],
  [/^user \d+ is not a QA reviewer/, () => "所选用户不是质检员。"],
  [/already used by another user/, () => "该登录名、手机号或邮箱已被其他用户使用。"],
  [/^the current password is wrong/, () => "当前密码不正确。"],
  [/^a password has (\d+) to (\d+) characters/, (m) => `密码长度须为 ${m[1]}–${m[2]} 个字符。`],
  [/^you may not disable yourself/, () => "不能停用自己，也不能取消自己的管理员角色。"],
  [/^a rep user needs/, () => "销售代表账号需要关联一位销售。"],
  [/^a manager needs/, () => "销售经理账号需要关联一个团队。"],
  [/^a user needs a login name/, () => "请至少填写登录名、手机号或邮箱之一。"],
  [/has already been appealed/, () => "这条质检结果已经申诉过了。"],
  [/^say why the review is wrong/, () => "请填写申诉理由。"],
  [/second reviewer, not the one who made the review/, () => "不能裁定自己做出的质检结果，需由另一位质检员复核。"],
  [/has no open appeal/, () => "这条质检结果没有待处理的申诉。"],
  [/^the comment is empty/, () => "评论内容不能为空。"],
  [/^turns? .* (are not|does not exist) in call/, () => "所选句子不在这通电话中。"],
  [/^a playlist needs a name/, () => "请填写案例库名称。"],
  [/^ratings go from 0/, () => "评分须在 0–5 之间。"],
  [/^give at least one criterion/, () => "至少需要一项评分标准，且每项的标识不能重复。"],
  [/clashes with an existing one/, () => "与现有记录重复。"],
  [/weights must add up to 100|add up to (\d+)/, () => "各项权重之和必须等于 100。"],
  [/the rule cannot work: (.*)/, () => "规则无法生效：请检查表达式或参数（括号是否成对、关键词是否为空）。"],
  [/has not been analysed yet|has no transcript yet/, () => "这通电话还没有分析完成。"],
  [/is still referenced by other records/, () => "还有其他记录引用它，不能删除。"],
  [/external id .* is already used/, () => "外部编号已被其他记录使用。"],
  [/^unknown stage/, () => "阶段不在销售漏斗中。"],
  [/in the past/, () => "日期不能早于今天。"],
  [/before created_on/, () => "结束日期不能早于创建日期。"],
  [/you see only the metrics of your own team/, () => "您只能查看本团队的数据。"],
  [/belong to no team/, () => "您不属于任何团队，没有团队数据。"],
  [/the audio of call \d+ is missing/, () => "录音文件缺失。"],
  [/needs a stereo recording/, () => CODE_TEXT.channel_mismatch],
  [/is being processed; change its channels once it is done/, () => "这通电话正在转写或分析，完成后再改声道。"],
  [/^the search has no words in it/, () => "请输入要搜索的词（标点符号不能单独搜索）。"],
  [/^search for at most (\d+)/, (m) => `一次最多搜索 ${m[1]} 个词或短语。`],
  [/^the term '(.*)' is in the vocabulary already/, (m) => `词库里已有「${m[1]}」。`],
  [/^heard is the same as text/, () => "“常被误识为”与词本身相同，无需更正。"],
  [/^the vocabulary holds (\d+) terms already/, (m) => `词库已有 ${m[1]} 个词，达到上限；请先删除不用的词。`],
  [/^(text|heard) has (\d+) characters \(at most (\d+)\)/, (m) => `「${FIELD_NAMES[m[1]]}」最多 ${m[3]} 个字（现在 ${m[2]} 个）。`],
  [/^(text|heard) is empty/, (m) => `请填写「${FIELD_NAMES[m[1]]}」。`],
  [/^text is unchanged/, () => "文字没有改动。"],
  [/^call \d+ has no turn \d+/, () => "这通电话没有这一句。"],
  [/^a tracker named .* exists already/, () => "已有同名的话题追踪。"],
  [/^the phrases cannot be used|^give 1 to \d+ phrases|^a phrase has at most/, () => "词和短语须为 1–100 个，每个不超过 100 字，且不能含英文双引号。"],
];

function errorText(status, body) {
  const detail = body && body.detail ? String(body.detail) : "";
  for (const [pattern, text] of MESSAGE_TEXT) {
    const m = detail.match(pattern);
    if (m) return text(m);
  }
  const code = body && body.code;
  if (code && CODE_TEXT[code]) return CODE_TEXT[code];
  if (status === 403) return "您没有权限进行此操作。";
  if (status === 404) return "要找的记录不存在。";
  if (status === 409) return "与现有记录冲突（可能重复或仍被引用）。";
  if (status === 422 || status === 400) {
    const field = body && body.field ? String(body.field).split(".")[0] : "";
    return field ? `「${FIELD_NAMES[field] || field}」填写不正确，请检查后重试。` : "输入内容不正确，请检查后重试。";
  }
  return "操作失败，请稍后再试。";
}

// The name a call goes by on pages: its title, else its file name, else its number.
function callName(title, id) {
  return title || `通话 #${id}`;
}

class ApiError extends Error {
  constructor(status, body) { super(errorText(status, body)); this.status = status; this.body = body; }
}

async function api(path, options = {}) {
  const response = await fetch(path, {credentials: "same-origin", ...options});
  if (response.status === 401) { window.location = "/ui/sign-in"; throw new ApiError(401, {code: "unauthorized"}); }
  const text = response.status === 204 ? "" : await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function send(path, method, body) {
  return api(path, {method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function link(text, href) { const a = el("a", text); a.href = href; return a; }

function button(text, onClick, className) {
  const b = el("button", text, className); b.type = "button"; b.addEventListener("click", onClick); return b;
}

// A row's action: a short visible word, the record it acts on in its accessible name only.
function actionButton(text, name, onClick) {
  const b = button(text, onClick, "link");
  b.setAttribute("aria-label", `${text} ${name}`);
  return b;
}

function cell(...children) { const td = el("td"); td.append(...children); return td; }

function row(...cells) {
  const tr = el("tr");
  tr.append(...cells.map((c) => (c instanceof Node ? (c.tagName === "TD" ? c : cell(c)) : el("td", c ?? "–"))));
  return tr;
}

function emptyRow(text, span) { const td = el("td", text, "muted"); td.colSpan = span; const tr = el("tr"); tr.append(td); return tr; }

function showStatus(id, text, isError) {
  const node = document.getElementById(id);
  if (!node) return;
  node.textContent = text; node.classList.toggle("error", Boolean(isError));
}

function fail(id) { return (e) => showStatus(id, e.message || "操作失败，请稍后再试。", true); }

function clock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "–";
  const s = Math.floor(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function localTime(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", {hour12: false}) : "";
}

function pct(x) { return x === null || x === undefined || Number.isNaN(Number(x)) ? "–" : `${Math.round(x * 100)}%`; }

// A rate and what it is of: with nothing to count, no figure (not "0%（0/0）").
function rateOf(rate, part, whole, unit = "") {
  return whole ? `${pct(rate)}（${part}/${whole}${unit}）` : "–（无数据）";
}

function yuan(x) { return x === null || x === undefined ? "–" : `¥${Math.round(x).toLocaleString("zh-CN")}`; }

function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// Every record list is paged by the API; the pages ask for up to 200 at a time.
async function allItems(path) {
  const sep = path.includes("?") ? "&" : "?";
  return (await api(`${path}${sep}limit=200`)).items;
}

function options(select, items, label, value, blank) {
  select.replaceChildren(...(blank !== undefined ? [Object.assign(el("option", blank), {value: ""})] : []),
    ...items.map((item) => Object.assign(el("option", label(item)), {value: String(value(item))})));
}

// A form that needs data before it can be sent (its choices are loaded first) comes with its submit
// button disabled; this takes the form over and enables it. Sent any earlier, the browser would
// post the form itself and reload the page.
function formReady(form, onSubmit) {
  form.addEventListener("submit", onSubmit);
  for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = false;
}

function formObject(form) {
  const data = {};
  for (const [key, value] of new FormData(form).entries()) data[key] = typeof value === "string" ? value.trim() : value;
  return data;
}

function numberOrNull(value) { return value === "" || value === undefined || value === null ? null : Number(value); }
