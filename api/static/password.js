// Change one's own password.
"use strict";

// A message belongs to the try it answers: typing again clears it.
document.getElementById("password-form").addEventListener("input", () => showStatus("password-status", ""));
document.getElementById("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = formObject(e.target);
  // A typo in a password field nobody can see would lock the person out: typed twice.
  if (f.new_password !== f.new_password_again) {
    showStatus("password-status", "两次输入的新密码不一致，请重新输入。", true);
    return;
  }
  try {
    await send("/api/v1/me/password", "POST", {old_password: f.old_password, new_password: f.new_password});
    e.target.reset(); showStatus("password-status", "密码已修改。");
  } catch (err) { showStatus("password-status", `修改失败：${err.message}`, true); }
});
