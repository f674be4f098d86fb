// Change one's own password.
"use strict";

document.getElementById("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = formObject(e.target);
  try {
    await send("/api/v1/me/password", "POST", {old_password: f.old_password, new_password: f.new_password});
    e.target.reset(); showStatus("password-status", "密码已修改。");
  } catch (err) { showStatus("password-status", `修改失败：${err.message}`, true); }
});
