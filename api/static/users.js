// Users (create, change role, team or rep link, disable, reset password) and API tokens (admins).
"use strict";

const userForm = document.getElementById("user-form");
let reps = [], teams = [];
const repName = (id) => (reps.find((r) => r.id === id) || {}).name || `#${id}`;
const teamName = (id) => (teams.find((t) => t.id === id) || {}).name || `#${id}`;

function link_of(user) {
  if (user.rep_id) return `销售：${repName(user.rep_id)}`;
  if (user.team_id) return `团队：${teamName(user.team_id)}`;
  return "–";
}

function userRow(user) {
  const contact = [user.phone, user.email].filter(Boolean).join(" / ") || "–";
  return row(user.name, user.login || "–", contact, ROLE_NAMES[user.role] || user.role, link_of(user),
             user.active ? "启用" : "已停用",
             cell(button("编辑", () => edit(user), "link"), document.createTextNode(" "),
                  button("重置密码", () => resetPassword(user), "link")));
}

async function loadUsers() {
  const users = await api("/api/v1/users");
  document.getElementById("users").replaceChildren(...users.map(userRow));
}

function showRoleFields() {
  const role = userForm.elements.role.value;
  document.getElementById("rep-field").hidden = role !== "rep";
  document.getElementById("team-field").hidden = role !== "manager";
}

function edit(user) {
  const e = userForm.elements;
  e.id.value = user.id; e.name.value = user.name; e.login.value = user.login || ""; e.phone.value = user.phone || "";
  e.email.value = user.email || ""; e.role.value = user.role; e.rep_id.value = user.rep_id || "";
  e.team_id.value = user.team_id || ""; e.active.value = String(user.active);
  document.getElementById("user-heading").textContent = `编辑用户：${user.name}`;
  showRoleFields(); e.name.focus();
}

function resetForm() {
  userForm.reset(); userForm.elements.id.value = "";
  document.getElementById("user-heading").textContent = "新建用户"; showRoleFields();
}

function showPassword(user, password) {
  const box = document.getElementById("password-box");
  box.replaceChildren(el("span", `${user.name} 的新密码（只显示这一次）：`), el("span", password, "secret"));
}

async function saveUser(event) {
  event.preventDefault();
  const f = formObject(userForm);
  const body = {name: f.name, role: f.role, login: f.login || null, phone: f.phone || null, email: f.email || null,
                rep_id: f.role === "rep" ? numberOrNull(f.rep_id) : null,
                team_id: f.role === "manager" ? numberOrNull(f.team_id) : null, active: f.active === "true"};
  try {
    if (f.id) {
      await send(`/api/v1/users/${f.id}`, "PUT", body);
      showStatus("user-status", "已保存");
    } else {
      const made = await send("/api/v1/users", "POST", body);
      showPassword(made.user, made.password);
      showStatus("user-status", `已创建用户 ${made.user.name}`);
    }
    resetForm(); await loadUsers();
  } catch (e) { showStatus("user-status", `保存失败：${e.message}`, true); }
}

async function resetPassword(user) {
  if (!window.confirm(`为 ${user.name} 生成新密码？当前密码将失效，已登录的浏览器会退出。`)) return;
  try { showPassword(user, (await api(`/api/v1/users/${user.id}/password`, {method: "POST"})).password); }
  catch (e) { showStatus("user-status", `重置失败：${e.message}`, true); }
}

function tokenRow(token) {
  const owner = token.rep ? `销售：${token.rep}` : token.team ? `团队：${token.team}` : "–";
  const action = token.revoked_at ? "–" : button("吊销", () => revoke(token), "link");
  return row(token.id, token.name, ROLE_NAMES[token.role] || token.role, owner,
             token.last_used_at ? localTime(token.last_used_at) : "从未", token.revoked_at ? "已吊销" : "有效", action);
}

async function loadTokens() {
  const tokens = await api("/api/v1/tokens");
  document.getElementById("tokens").replaceChildren(...(tokens.length ? tokens.map(tokenRow) : [emptyRow("还没有令牌", 7)]));
}

async function revoke(token) {
  if (!window.confirm(`吊销令牌「${token.name}」？使用它的系统将立即无法访问。`)) return;
  try { await api(`/api/v1/tokens/${token.id}`, {method: "DELETE"}); await loadTokens(); }
  catch (e) { showStatus("token-status", `吊销失败：${e.message}`, true); }
}

async function createToken(event) {
  event.preventDefault();
  const f = formObject(event.target);
  const body = {name: f.name, role: f.role, rep_id: f.role === "rep" ? numberOrNull(f.rep_id) : null,
                team_id: f.role === "manager" ? numberOrNull(f.team_id) : null};
  try {
    const made = await send("/api/v1/tokens", "POST", body);
    const box = document.getElementById("token-status");
    box.classList.remove("error");
    box.replaceChildren(el("span", `令牌「${made.token.name}」（只显示这一次，请复制保存）：`), el("span", made.secret, "secret"));
    event.target.reset(); await loadTokens();
  } catch (e) { showStatus("token-status", `创建失败：${e.message}`, true); }
}

async function loadTeamsAndReps() {
  [reps, teams] = await Promise.all([allItems("/api/v1/reps"), allItems("/api/v1/teams")]);
  for (const id of ["user-rep", "token-rep"]) options(document.getElementById(id), reps, (r) => r.name, (r) => r.id, "无");
  for (const id of ["user-team", "token-team", "rep-team"]) options(document.getElementById(id), teams, (t) => t.name, (t) => t.id, "无");
  document.getElementById("teams").replaceChildren(...(teams.length ? teams.map((t) =>
    row(t.name, reps.filter((r) => r.team_id === t.id).length)) : [emptyRow("还没有团队", 2)]));
  document.getElementById("reps").replaceChildren(...(reps.length ? reps.map((r) =>
    row(r.name, r.team_id ? teamName(r.team_id) : "–", r.active ? "在职" : "停用")) : [emptyRow("还没有销售", 3)]));
}

async function createRecord(event, path, body) {
  event.preventDefault();
  try {
    await send(path, "POST", body);
    event.target.reset(); showStatus("crm-status", "已保存"); await loadTeamsAndReps();
  } catch (e) { showStatus("crm-status", `保存失败：${e.message}`, true); }
}

async function start() {
  await loadTeamsAndReps();
  await Promise.all([loadUsers(), loadTokens()]);
}

document.getElementById("team-form").addEventListener("submit", (e) =>
  createRecord(e, "/api/v1/teams", {name: formObject(e.target).name}));
document.getElementById("rep-form").addEventListener("submit", (e) => {
  const f = formObject(e.target);
  createRecord(e, "/api/v1/reps", {name: f.name, team_id: numberOrNull(f.team_id)});
});

userForm.elements.role.addEventListener("change", showRoleFields);
userForm.addEventListener("submit", saveUser);
document.getElementById("user-reset").addEventListener("click", resetForm);
document.getElementById("token-form").addEventListener("submit", createToken);
showRoleFields();
start().catch(fail("user-status"));
