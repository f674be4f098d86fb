"""Every page of the web UI for every role, in a real browser (Debian's Chromium driven by
Playwright), against a real `huashu serve --no-worker` on the demo data: what each role sees and
may not see, the managers' and admins' flows without the API, Chinese everywhere, keyboard
access, and axe-core (bundled by axe-playwright-python) on every page. No model is loaded: the
demo calls come analysed, and the uploads here stay queued."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.audio_files import CALLS, SHORT_SPEECH
from tests.test_e2e_server import _free_port, _wait
from tests.test_permission_matrix import UI_PAGES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[1] / "docs"
YEAR = date.today().year
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
ROLES = {"admin": "admin", "manager": "manager", "rep": "wanglei", "qa": "qa"}
ENGLISH = re.compile(r"\b(you|may|not|the|does|exist|error|invalid|undefined|NaN|null)\b")
LATIN_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,.:;'()-]+[A-Za-z]{2,}){2,}")


@dataclass
class Site:
    base: str
    passwords: dict[str, str]
    data_dir: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo data set and its accounts, served without a worker (nothing is transcribed)."""
    data_dir = tmp_path_factory.mktemp("ui-pages") / "data"
    env = {**os.environ, "HUASHU_DATA_DIR": str(data_dir), "HUASHU_WORKER_POLL_S": "0.2"}
    env.pop("HUASHU_ADMIN_TOKEN", None)
    seeded = subprocess.run([sys.executable, "-m", "huashu.cli", "seed", "--year", str(YEAR)],
                            env=env, capture_output=True, text=True, check=True)  # fmt: skip
    passwords = dict(re.findall(r"^  (\w+)\s+(\S+)  ", seeded.stdout, flags=re.M))
    passwords["admin"] = (data_dir / "first-admin-password.txt").read_text().strip()
    port = _free_port()
    log = (data_dir.parent / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "huashu.cli", "serve", "--no-worker", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    _wait(lambda: _healthy(base, process), timeout=120, what="server start")
    yield Site(base, passwords, data_dir)
    process.terminate()
    process.wait(30)


def _healthy(base: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "the server exited"
    try:
        return httpx.get(f"{base}/health").status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--mute-audio"],
        )  # fmt: skip
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        contexts.append(context)
        page = context.new_page()
        # confirm() is accepted; leaving a page that asks first (beforeunload) is not
        page.on("dialog", lambda d: d.dismiss() if d.type == "beforeunload" else d.accept())
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, site: Site, role: str, password: str | None = None) -> None:
    page.goto(f"{site.base}/ui/sign-in")
    page.fill("#login", ROLES.get(role, role))
    page.fill("#password", password or site.passwords[ROLES.get(role, role)])
    page.click("form button[type=submit]")
    page.wait_for_url("**/ui/calls")


def settle(page: Any) -> None:
    """Wait until no "加载中…" is left (the pages fill themselves from the API)."""
    from playwright.sync_api import expect

    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).not_to_contain_text("加载中", timeout=15_000)


def no_english(page: Any) -> None:
    """Headings, labels, hints and messages are Chinese (data such as rule expressions aside),
    and nothing a person reads on the page is a Latin-letter sentence (three words or more:
    the analysis's reasons, an untranslated error)."""
    for text in page.locator(
        "main :is(h1, h2, h3, th, label, p, [role=status], [role=alert], li.muted, td.muted)"
    ).all_inner_texts():
        assert not ENGLISH.search(text), text
    visible = page.inner_text("body")
    assert not LATIN_SENTENCE.findall(visible), LATIN_SENTENCE.findall(visible)


def axe_clean(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


# ---------------------------------------------------------------- every page, every role


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_pages_and_only_its_controls(
    role: str, site: Site, new_page: Any
) -> None:
    page = new_page()
    sign_in(page, site, role)
    nav = {a.get_attribute("href") for a in page.locator("nav a").all()}
    for name, who in UI_PAGES.items():
        allowed = "*" in who[role]
        response = page.goto(f"{site.base}/ui/{name}")
        assert response is not None
        if not allowed:
            assert response.status == 403 and "没有权限" in page.inner_text("main"), name
            assert f"/ui/{name}" not in nav, name
            continue
        assert response.status == 200, name
        settle(page)
        assert page.locator(".error:visible").count() == 0, (name, page.inner_text("main")[:300])
        no_english(page)
        axe_clean(page)
    # and an analysed call the role may open: its reasons, labels and metrics (QA staff open
    # only the calls in their queue, and the demo queues nothing to them)
    calls = page.evaluate("api('/api/v1/calls?status=done&limit=1')")["items"]
    assert bool(calls) == (role != "qa")
    for call in calls:
        page.goto(f"{site.base}/ui/calls/{call['id']}")
        page.wait_for_selector("#conversation-reasons li")
        settle(page)
        no_english(page)


def test_sign_in_is_by_password_and_wrong_ones_are_refused_in_chinese(
    site: Site, new_page: Any
) -> None:
    page = new_page()
    page.goto(f"{site.base}/ui/calls")
    assert page.url.endswith("/ui/sign-in")  # signed out: sent to sign in
    page.fill("#login", "manager")
    page.fill("#password", "wrong-password")
    page.click("form button[type=submit]")
    assert "账号或密码不正确" in page.inner_text("[role=alert]")
    axe_clean(page)
    sign_in(page, site, "manager")
    page.click("form[action='/ui/sign-out'] button")
    page.goto(f"{site.base}/ui/calls")
    assert page.url.endswith("/ui/sign-in")  # signed out: the session has ended


def test_an_upload_cut_off_midway_leaves_no_file_and_no_traceback(site: Site) -> None:
    """A reload or a closed tab mid-upload: the partial file is removed and the server log has
    no traceback (the client is gone; nothing is wrong with the service)."""
    import socket
    import time

    signed_in = httpx.post(f"{site.base}/ui/sign-in", headers={"Origin": site.base},
                           data={"login": "manager", "password": site.passwords["manager"]})  # fmt: skip
    cookie = "; ".join(f"{k}={v}" for k, v in signed_in.cookies.items())
    assert cookie, signed_in.text
    log = site.data_dir.parent / "server.log"
    logged_before = log.stat().st_size
    host, port = site.base.removeprefix("http://").split(":")
    boundary = "huashu-cut-off"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n").encode()  # fmt: skip
    request = (f"POST /api/v1/calls HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
               f"Origin: {site.base}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {5_000_000}\r\n\r\n").encode()  # fmt: skip
    incoming = site.data_dir / "audio" / ".incoming"
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(request + head + b"\0" * 300_000)
        _wait(lambda: list(incoming.glob("*.part")), timeout=10, what="the upload under way")
    _wait(lambda: not list(incoming.glob("*.part")), timeout=10, what="the partial file removed")
    time.sleep(0.5)
    written = log.read_bytes()[logged_before:].decode("utf-8", "replace")
    assert "Traceback" not in written and "Exception" not in written, written


def test_forms_ask_what_a_person_can_answer(site: Site, new_page: Any) -> None:
    """A new password is typed twice (a mismatch is caught before anything is sent); the QA plan
    form asks for no random seed."""
    page = new_page()
    sign_in(page, site, "qa")
    page.goto(f"{site.base}/ui/password")
    page.fill("#old_password", site.passwords["qa"])
    page.fill("#new_password", "a-new-password-1")
    page.fill("#new_password_again", "a-new-password-2")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-status.error:has-text('两次输入的新密码不一致')")
    page.goto(f"{site.base}/ui/qa")
    settle(page)
    assert "随机种子" not in page.inner_text("main") and "种子" not in page.inner_text("main")
    sign_in(new_page(), site, "qa")  # the password did not change


def test_a_draft_whose_date_has_passed_can_be_confirmed_as_it_is(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    page.goto(f"{site.base}/ui/follow-ups")
    settle(page)
    passed = (date.today() - timedelta(days=3)).isoformat()
    due = page.evaluate(
        "(() => { const form = draftBlock({id: 0, customer_id: 0, rep_id: 0, content: '回访',"
        f" next_action: '发报价', next_action_due: '{passed}', call_id: null}});"
        " document.body.append(form); const due = form.querySelector('input[type=date]');"
        " return {valid: due.checkValidity(), min: due.min}; })()"
    )
    assert due["valid"], due  # the browser does not block confirming it
    assert due["min"] == passed


def test_error_pages_are_chinese(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "rep")
    for path, status, title in (("/ui/calls/abc", 422, "地址参数有误"), ("/ui/nothing", 404, "页面不存在"),
                                ("/nothing", 404, "页面不存在"), ("/ui/calls/999999", 404, "页面不存在")):  # fmt: skip
        response = page.goto(f"{site.base}{path}")
        assert response is not None and response.status == status, path
        assert page.locator("h1").inner_text() == title
        no_english(page)


# ---------------------------------------------------------------- what a manager does


def test_manager_team_dashboard_drills_down_to_the_calls(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('团队看板')")
    settle(page)
    page.wait_for_selector("#reps tr:nth-child(2)")
    reps = page.locator("#reps tr")
    assert reps.count() == 2  # 华东: 王磊 and 李娜, side by side
    first = reps.first.inner_text()
    assert "王磊" in first and "50%" in first  # win rate: 4 won of 8 closed (seed rules)
    assert page.locator("#commitment-chart svg rect").count() >= 2
    assert page.locator("#funnel svg text").filter(has_text="线索").count() == 1
    assert page.locator("#by-advance svg text").filter(has_text="获得推进").count() >= 1
    page.screenshot(path=str(DOCS / "team-dashboard.png"), full_page=True)
    reps.first.locator("td").nth(1).locator("a").click()  # 王磊's calls in the period
    page.wait_for_url("**/ui/calls?*")
    settle(page)
    assert "共 24 条" in page.inner_text("#page-info")
    assert page.locator("#rows tr").first.locator("td").nth(2).inner_text() == "王磊"
    # a period with nothing in it: no figure, not "0%（0/0）"
    page.goto(f"{site.base}/ui/team")
    settle(page)
    page.fill("#from", "2030-01-01")
    page.fill("#to", "2030-02-01")
    page.click("#team-form button[type=submit]")
    page.wait_for_selector("#reps tr:has-text('无数据')")
    assert "0/0" not in page.inner_text("main") and "NaN" not in page.inner_text("main")


def test_manager_sets_a_target_and_sees_its_decomposition(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('目标')")
    settle(page)
    page.select_option("#target-owner", label="团队：华东")
    page.fill("input[name=year]", str(YEAR))
    page.fill("input[name=amount]", "1200000")
    page.click("#target-form button[type=submit]")
    page.wait_for_selector("#targets tr:has-text('团队 华东')")
    page.locator("#targets tr:has-text('团队 华东') button:has-text('查看拆解')").click()
    page.wait_for_selector("#quarters tr:nth-child(4)")
    assert page.locator("#months tr").count() == 12
    assert page.locator("#weeks tr").count() >= 52
    assert "每个工作日" in page.inner_text("#kpis") and "还需通话" in page.inner_text("#needed")
    page.screenshot(path=str(DOCS / "targets.png"), full_page=True)
    # a Q4 target: its chart says Q4 (it said Q1)
    page.select_option("#target-owner", label="团队：华东")
    page.fill("input[name=year]", str(YEAR + 1))
    page.select_option("select[name=quarter]", "4")
    page.fill("input[name=amount]", "300000")
    page.click("#target-form button[type=submit]")
    page.wait_for_selector(f"#targets tr:has-text('{YEAR + 1} 年 第 4 季度')")
    page.locator(
        f"#targets tr:has-text('{YEAR + 1} 年 第 4 季度') button:has-text('查看拆解')"
    ).click()
    page.wait_for_selector(f"#progress-title:has-text('{YEAR + 1} 年 第 4 季度')")
    page.wait_for_selector("#quarter-chart svg text:has-text('Q4 目标')")
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('#quarter-chart svg text'), (t) => t.textContent)"
    )
    assert not [t for t in labels if t.startswith("Q1")], labels


def test_manager_keeps_crm_records_in_the_ui(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('客户')")
    settle(page)
    page.fill("#customer-form input[name=company]", "新星科技")
    page.select_option("#customer-form select[name=owner_rep_id]", label="李娜")
    page.click("#customer-form button[type=submit]")
    page.wait_for_selector("#customers tr:has-text('新星科技')")
    page.click("nav a:has-text('商机')")
    settle(page)
    page.fill("#opportunity-form input[name=name]", "新星科技 CRM 项目")
    page.select_option("#opportunity-form select[name=customer_id]", label="新星科技")
    page.select_option("#opportunity-form select[name=owner_rep_id]", label="李娜")
    page.fill("#opportunity-form input[name=amount]", "50000")
    page.click("#opportunity-form button[type=submit]")
    row = page.locator("#opportunities tr:has-text('新星科技 CRM 项目')")
    row.wait_for()
    row.locator("select").select_option("方案")
    row.locator("button:has-text('保存阶段')").click()
    page.wait_for_selector("#list-status:has-text('已更新')")
    deal = "#opportunities tr:has-text('新星科技 CRM 项目')"
    # 赢单 and 输单 ask first (this page's dialogs are accepted; here the person cancels both)
    asked = page.evaluate(
        "window.asked = []; window.confirm = (m) => { asked.push(m); return false; };"
        "window.prompt = (m) => { asked.push(m); return null; }; asked"
    )
    assert asked == []
    page.locator(f"{deal} button:has-text('赢单')").click()
    page.locator(f"{deal} button:has-text('输单')").click()
    page.wait_for_timeout(500)
    assert len(page.evaluate("window.asked")) == 2  # asked twice, and nothing closed
    assert page.locator(f"{deal} .tag.won, {deal} .tag.lost").count() == 0
    page.reload()
    settle(page)
    page.locator(f"{deal} button:has-text('赢单')").click()  # accepted
    page.wait_for_selector(f"{deal} .tag.won")
    # follow-ups: a draft to confirm, then it is due soon, then done
    draft = {"rep_id": 2, "customer_id": 0, "occurred_at": f"{YEAR}-01-05T10:00:00+08:00",
             "content": "演示跟进", "status": "draft"}  # fmt: skip
    page.click("nav a:has-text('跟进')")
    settle(page)
    customer = page.locator("#follow-up-form select[name=customer_id] option", has_text="新星科技")
    draft["customer_id"] = int(customer.get_attribute("value") or 0)
    draft["rep_id"] = int(
        page.locator("#follow-up-form select[name=rep_id] option", has_text="李娜").get_attribute(
            "value"
        )
        or 0
    )
    page.evaluate("(body) => send('/api/v1/follow-ups', 'POST', body)", draft)  # as a call would
    page.reload()
    settle(page)
    form = page.locator("#drafts form").first
    form.locator("input[name=next_action]").fill("发送报价单")
    form.locator("input[name=next_action_due]").fill((date.today() + timedelta(days=3)).isoformat())
    form.locator("button:has-text('确认')").click()
    page.wait_for_selector("#due tr:has-text('发送报价单')")
    page.screenshot(path=str(DOCS / "follow-ups.png"), full_page=True)
    page.locator("#due tr:has-text('发送报价单') button:has-text('标记完成')").click()
    page.wait_for_selector("#due tr:has-text('近期没有到期的跟进')")


def test_manager_uploads_for_a_rep_and_curates_a_playlist(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    settle(page)
    page.set_input_files("#file", str(SHORT_SPEECH))
    page.select_option("#up-rep", label="李娜")
    page.fill("#upload-form input[name=title]", "上传测试")
    page.fill("#upload-form input[name=occurred_at]", f"{YEAR}-03-02T09:30")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('已上传')")
    page.wait_for_selector(
        "#rows tr:has-text('上传测试')"
    )  # the manager's upload stays in the list
    assert "李娜" in page.locator("#rows tr:has-text('上传测试')").inner_text()
    # the next upload is usually for the same rep: kept; the file and title are cleared
    assert page.locator("#up-rep option:checked").inner_text() == "李娜"
    assert page.input_value("#upload-form input[name=title]") == ""
    # the same recording again: the notice links to the call already there
    page.set_input_files("#file", str(SHORT_SPEECH))
    page.click("#upload-form button[type=submit]")
    page.locator("#upload-status a:has-text('打开已有的通话')").click()
    page.wait_for_url("**/ui/calls/*")
    page.wait_for_selector("#title:has-text('上传测试')")  # filled in once the call has loaded
    # a chosen customer offers only its own deals
    page.goto(f"{site.base}/ui/calls")
    settle(page)
    customer = page.locator("#up-customer option").nth(1)
    page.select_option("#up-customer", customer.get_attribute("value") or "")
    wanted = page.evaluate(
        "api('/api/v1/opportunities?status=open&limit=200&customer_id=' + "
        "document.getElementById('up-customer').value)"
    )["items"]
    page.wait_for_function("1")  # let the change handler run
    _until_options(page, "#up-opportunity", len(wanted) + 1)
    # a playlist, and a moment added from a demo call's review page
    page.goto(f"{site.base}/ui/playlists")
    settle(page)
    page.fill("#playlist-form input[name=name]", "挖掘需求的好问题")
    page.click("#playlist-form button[type=submit]")
    page.wait_for_selector("#playlists h2:has-text('挖掘需求的好问题')")
    page.goto(f"{site.base}/ui/calls?rep_id=1&commitment_secured=true")
    settle(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.locator("#rows a").first.click()
    page.wait_for_selector("li.turn .badge.spin")
    assert "无录音" in page.inner_text("#audio-box")
    assert not [
        url for url in asked if url.endswith("/audio")
    ]  # nothing asked of what is not there
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and httpx.get(f"{site.base}{icon}").status_code == 200
    axe_clean(page)
    assert "NaN" not in page.inner_text("main") and "undefined" not in page.inner_text("main")
    page.fill("#moment-from", "5")
    page.fill("#moment-to", "6")
    page.fill("#moment-note", "先问现状，再问难点")
    page.click("#moment-form button[type=submit]")
    page.wait_for_selector("#moment-status:has-text('已加入案例库')")
    page.screenshot(path=str(DOCS / "demo-call.png"), full_page=True)
    page.goto(f"{site.base}/ui/playlists")
    page.wait_for_selector("#playlists .next:has-text('先问现状，再问难点')")
    moment = page.locator("#playlists li.turn:has-text('先问现状，再问难点') a").inner_text()
    assert not moment.startswith("通话 #"), moment  # the call by its title


def test_the_same_conversation_in_another_file_is_kept_once_unless_asked(
    site: Site, new_page: Any
) -> None:
    """The mono mix of a stereo call is the same conversation: the notice names the call already
    there and offers to keep both; the form says its limits; leaving mid-upload asks first."""
    page = new_page()
    sign_in(page, site, "manager")
    settle(page)
    assert "最大 500 MB、最长 240 分钟" in page.inner_text("#drop-help")
    page.set_input_files("#file", str(CALLS / "dev04.stereo.wav"))
    page.select_option("#channels", "rep-left")
    page.fill("#upload-form input[name=title]", "立体声原件")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('已上传')")
    page.set_input_files("#file", str(CALLS / "dev04.mono.wav"))
    page.select_option("#channels", "mono")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('是同一段对话')")
    page.wait_for_selector("#upload-status a:has-text('立体声原件')")  # named by its title
    no_english(page)
    page.click("#upload-status button:has-text('仍然另存为一通电话')")
    page.wait_for_selector("#upload-status:has-text('已上传')")
    files = page.evaluate(
        "api('/api/v1/calls?limit=5').then((p) => p.items.map((c) => c.original_filename))"
    )
    assert files[:2] == ["dev04.mono.wav", "dev04.stereo.wav"]
    # the stereo call's sides were given the wrong way round: fixed on its page (transcribed
    # again once a worker takes it); a one-channel recording offers no sides
    page.click("#rows a:has-text('立体声原件')")
    page.wait_for_selector("#call-form button[type=submit]:not([disabled])")
    page.select_option("#call-channels", "rep-right")
    page.click("#call-form button[type=submit]")
    page.wait_for_selector("#call-status:has-text('重新转写')")
    assert "把声道从“左声道为销售”改为“右声道为销售”" in page.inner_text("#call-changes")
    page.go_back()
    page.click("#rows a:has-text('dev04.mono.wav')")
    page.wait_for_selector("#call-form button[type=submit]:not([disabled])")
    assert page.locator("#call-channels-field").is_hidden()
    page.goto(f"{site.base}/ui/calls")
    settle(page)
    # a file over the limit is refused before it is sent, saying the limit
    page.evaluate("document.getElementById('upload-form').dataset.maxBytes = '1024'")
    page.set_input_files("#file", str(CALLS / "dev03.mono.wav"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('每个文件最大 500 MB')")
    said = page.evaluate("errorText(413, {detail: 'the upload is larger than the limit of 500 MB', "
                         "code: 'payload_too_large'})")  # fmt: skip
    assert said == "文件太大：每个文件最大 500 MB。"
    # leaving while a file is on its way asks first (the upload is held here, never answered)
    page.evaluate("document.getElementById('upload-form').dataset.maxBytes = ''")
    page.route("**/api/v1/calls",
               lambda route: None if route.request.method == "POST" else route.continue_())  # fmt: skip
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('正在上传')")
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.type))  # new_page's handler stays
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and not page.is_closed()


def test_manager_plans_qa_for_a_qa_reviewer(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('质检')")
    settle(page)
    assert page.locator("#queue").count() == 0 and page.locator("#appeals").count() == 0
    reviewers = page.locator("#reviewer option").all_inner_texts()
    assert "质检员" in reviewers and "华东经理" not in reviewers  # QA staff (and admins) review
    page.select_option("#reviewer", label="质检员")
    page.fill("input[name=period_from]", f"{YEAR}-01-01")
    page.fill("input[name=period_to]", f"{YEAR + 1}-01-01")
    page.fill("input[name=amount]", "3")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-status:has-text('已抽取 3 通电话进入 质检员 的质检队列')")


# ---------------------------------------------------------------- what an admin does


def test_admin_manages_users_and_tokens(site: Site, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, site, "admin")
    page.click("nav a:has-text('用户与令牌')")
    settle(page)
    page.fill("#team-form input[name=name]", "华北")  # a new team and rep for the new user
    page.click("#team-form button[type=submit]")
    page.wait_for_selector("#teams tr:has-text('华北')")
    page.fill("#rep-form input[name=name]", "赵敏")
    page.select_option("#rep-team", label="华北")
    page.click("#rep-form button[type=submit]")
    page.wait_for_selector("#reps tr:has-text('赵敏'):has-text('华北')")
    page.fill("#user-form input[name=name]", "赵敏")
    page.fill("#user-form input[name=login]", "zhaomin")
    page.fill("#user-form input[name=phone]", "13800000001")
    page.select_option("#role", "rep")
    page.select_option("#user-rep", label="赵敏")
    page.click("#user-form button[type=submit]")
    first = page.locator("#password-box .secret").inner_text()
    row = page.locator("#users tr:has-text('赵敏')")
    assert "销售：赵敏" in row.inner_text()
    row.locator("button:has-text('重置密码')").click()
    expect(page.locator("#password-box .secret")).not_to_have_text(first)
    password = page.locator("#password-box .secret").inner_text()
    other = new_page()
    other.goto(f"{site.base}/ui/sign-in")
    other.fill("#login", "13800000001")  # by phone
    other.fill("#password", password)
    other.click("form button[type=submit]")
    other.wait_for_url("**/ui/calls")
    # disabled: the session ends and signing in is refused
    page.locator("#users tr:has-text('赵敏') button:has-text('编辑')").click()
    page.select_option("#user-form select[name=active]", "false")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#users tr:has-text('已停用')")
    other.goto(f"{site.base}/ui/calls")
    assert other.url.endswith("/ui/sign-in")
    page.fill("#token-form input[name=name]", "CRM 同步")
    page.click("#token-form button[type=submit]")
    secret = page.locator("#token-status .secret").inner_text()
    assert (
        httpx.get(
            f"{site.base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 200
    )
    page.screenshot(path=str(DOCS / "users.png"), full_page=True)
    page.locator("#tokens tr:has-text('CRM 同步') button:has-text('吊销')").click()
    page.wait_for_selector("#tokens tr:has-text('CRM 同步'):has-text('已吊销')")
    assert (
        httpx.get(
            f"{site.base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 401
    )


def test_admin_writes_a_qa_rule_and_tests_it_on_a_call(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "admin")
    page.click("nav a:has-text('质检规则')")
    settle(page)
    assert "关键词表达式写法" in page.inner_text(".help")
    page.fill("#rule-form input[name=name]", "问到困难")
    page.fill("#rule-form input[name=expression]", "(困难 or 难题) and not 价格")
    page.fill("#try-form input[name=call_id]", "1")
    page.click("#try-form button[type=submit]")
    page.wait_for_selector("#try-status:has-text('命中 1 处')")
    assert "第 7 句" in page.inner_text("#try-hits")
    page.fill("#rule-form input[name=expression]", "(困难 or 难题")  # broken: refused in Chinese
    page.click("#try-form button[type=submit]")
    page.wait_for_selector("#try-status:has-text('规则无法生效')")
    page.fill("#rule-form input[name=expression]", "(困难 or 难题) and not 价格")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rules tr:has-text('问到困难')")
    page.screenshot(path=str(DOCS / "qa-rules.png"), full_page=True)
    page.click("nav a:has-text('评分卡')")
    settle(page)
    page.locator("#criteria-rows input[name=weight]").first.fill("30")
    page.click("#criteria-form button[type=submit]")
    page.wait_for_selector("#criteria-status:has-text('各项权重之和必须等于 100')")
    page.locator("#criteria-rows input[name=weight]").first.fill("15")
    page.click("#criteria-form button[type=submit]")
    page.wait_for_selector("#criteria-status:has-text('已保存')")
    # a new criterion is a name and a weight: no key to invent
    assert page.locator("#criteria-rows input[name=key]").count() == 0
    page.click("#add-criterion")
    page.locator("#criteria-rows input[name=name]").last.fill("复述客户需求")
    page.locator("#criteria-rows input[name=weight]").last.fill("5")
    page.locator("#criteria-rows input[name=weight]").first.fill("10")
    page.click("#criteria-form button[type=submit]")
    page.wait_for_selector("#criteria-status:has-text('已保存')")
    page.wait_for_function("[...document.querySelectorAll('#criteria-rows input[name=name]')]"
                           ".some((f) => f.value === '复述客户需求')")  # fmt: skip


# ---------------------------------------------------------------- reps and QA staff


def choose_file_by_keyboard(page: Any, selector: str, path: Path) -> None:
    """Space on the focused file button opens the chooser: the upload works from the keyboard.
    On a loaded machine Chromium now and then drops the first key press before the chooser is
    wired up, so it gets three tries."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        try:
            page.focus(selector)
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(path))
            return
        except PlaywrightTimeout:
            assert attempt < 2, f"Space on {selector} never opened the file chooser"


def test_rep_uploads_their_own_call_and_sees_no_other_controls(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "rep")
    settle(page)
    assert page.locator("#up-rep").count() == 0  # a rep's upload is theirs
    assert "共 24 条" in page.inner_text("#page-info")  # 王磊's own calls only
    choose_file_by_keyboard(page, "#file", CALLS / "dev02.mono.wav")
    page.fill("#upload-form input[name=title]", "我的上传")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#rows tr:has-text('我的上传')")
    assert "王磊" in page.locator("#rows tr:has-text('我的上传')").inner_text()
    page.locator("#rows a:has-text('王磊的客户01采购项目 第1通')").click()
    page.wait_for_selector("li.turn")
    for control in ("#scorecard", "#qa-review", "#moment-form"):
        assert page.locator(control).count() == 0, control
    assert page.locator("#comment-form label[for=comment-text]").count() == 1
    axe_clean(page)
    turn = page.locator("li.turn").nth(2)
    turn.focus()
    assert page.evaluate("document.activeElement.classList.contains('turn')")
    page.goto(f"{site.base}/ui/calls?rep_id=2")
    response = page.goto(f"{site.base}/ui/calls/30")  # 李娜's call
    assert response is not None and response.status == 403
    assert page.locator("#comment-form, #scorecard").count() == 0


def test_qa_reviews_and_only_a_second_reviewer_decides_the_appeal(
    site: Site, new_page: Any
) -> None:
    qa = new_page()
    sign_in(qa, site, "qa")
    qa.click("nav a:has-text('质检')")
    settle(qa)
    qa.fill("input[name=period_from]", f"{YEAR}-01-01")
    qa.fill("input[name=period_to]", f"{YEAR}-01-31")
    qa.fill("input[name=amount]", "10")
    qa.click("#plan-form button[type=submit]")
    qa.wait_for_selector("#plan-status:has-text('已抽取')")
    qa.locator("#queue a:has-text('王磊的客户01')").first.click()
    qa.wait_for_selector("#qa-rules")
    qa.fill("#qa-note", "开场规范，结尾没有约定时间")
    qa.click("#qa-review button[type=submit]")
    qa.wait_for_selector("#qa-status:has-text('已提交')")
    rep = new_page()
    sign_in(rep, site, "rep")
    rep.click("nav a:has-text('我的质检')")
    rep.wait_for_selector("#reviews form.appeal")
    rep.wait_for_selector("#reviews a:has-text('王磊的客户01')")  # the call by its title
    rep.locator("#reviews form.appeal textarea").first.fill("结尾约了下周二演示")
    rep.locator("#reviews form.appeal button").first.click()
    rep.wait_for_selector("#reviews li:has-text('申诉中')")
    qa.goto(f"{site.base}/ui/qa")
    settle(qa)
    appeal = qa.locator("#appeals li:has-text('结尾约了下周二演示')")
    assert "需由另一位质检员裁定" in appeal.inner_text() and appeal.locator("button").count() == 0
    admin = new_page()
    sign_in(admin, site, "admin")
    admin.goto(f"{site.base}/ui/qa")
    settle(admin)
    admin.locator("#appeals li:has-text('结尾约了下周二演示') button:has-text('申诉成立')").click()
    admin.wait_for_selector("#appeals li:has-text('没有待处理的申诉')")
    rep.reload()
    rep.wait_for_selector("#reviews li:has-text('申诉成功')")


# ---------------------------------------------------------------- search and trackers


def test_search_finds_marks_and_opens_the_call_at_the_turn(site: Site, new_page: Any) -> None:
    """Seed rules: a lost opportunity's two calls end with the customer's 价格超出我们的预算 —
    4 lost opportunities a year per rep, so 16 turns in 华东 (王磊 and 李娜), 8 of them 王磊's."""
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('搜索')")
    settle(page)
    page.fill("#q", "预算")
    page.select_option("select[name=speaker]", "customer")
    page.press("#q", "Enter")
    page.wait_for_selector("#search-status:has-text('找到 16 句')")
    marks = page.locator("#results mark").all_inner_texts()
    assert len(marks) == 16 and set(marks) == {"预算"}
    assert "q=%E9%A2%84%E7%AE%97" in page.url  # the search stays in the address
    no_english(page)
    axe_clean(page)
    page.screenshot(path=str(DOCS / "search.png"), full_page=True)
    first = page.locator("#results li a").first
    href = first.get_attribute("href") or ""
    assert re.fullmatch(r"/ui/calls/\d+\?t=[\d.]+", href), href
    first.focus()
    page.keyboard.press("Enter")  # keyboard reachable
    page.wait_for_url(f"**{href}")
    settle(page)
    assert page.locator("#turns li:has-text('价格超出我们的预算')").count() == 1
    rep = new_page()
    sign_in(rep, site, "rep")
    rep.goto(f"{site.base}/ui/search?q=预算")
    rep.wait_for_selector("#search-status:has-text('找到 8 句')")
    assert all("王磊" in t for t in rep.locator("#results .head").all_inner_texts())


def test_manager_tracks_a_topic_and_sees_it_on_calls_and_the_dashboard(
    site: Site, new_page: Any
) -> None:
    """The demo tracker 价格 (customer: 价格 or 预算) is said once on each lost opportunity's
    calls: 16 calls of 华东."""
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('话题追踪')")
    settle(page)
    assert page.locator("#trackers tr:has-text('价格')").count() == 1
    page.fill("#tracker-form input[name=name]", "需求")
    page.fill("#tracker-form textarea[name=phrases]", "回访，流失")
    page.select_option("#tracker-form select[name=speaker]", "customer")
    page.click("#tracker-form button[type=submit]")
    page.wait_for_selector("#trackers tr:has-text('回访、流失')")
    no_english(page)
    axe_clean(page)
    page.screenshot(path=str(DOCS / "trackers.png"), full_page=True)
    # the row's actions read 编辑 / 删除; the tracker's name is in their accessible names only
    actions = page.locator("#trackers tr:has-text('价格') button")
    assert actions.all_inner_texts() == ["编辑", "删除"]
    assert actions.first.get_attribute("aria-label") == "编辑 价格"
    page.locator("#trackers tr:has-text('价格') a:has-text('提及的通话')").click()
    page.wait_for_url("**/ui/calls?tracker_id=*")
    settle(page)
    page.wait_for_selector("#page-info:has-text('共 16 条')")
    page.locator("#rows tr a").first.click()
    settle(page)
    hits = page.locator("#tracker-hits li:has-text('价格')")
    assert "1 次" in hits.inner_text()
    hits.locator("button").first.click()  # jumps to the turn that says it
    assert "预算" in page.locator("#turns li:focus").inner_text()
    page.click("nav a:has-text('业绩看板')")
    settle(page)
    page.select_option("#tracker-select", label="价格")
    page.wait_for_selector("#tracker-win svg text:has-text('通话中提及')")
    assert page.locator("#tracker-by-rep svg text").filter(has_text="王磊").count() == 1
    axe_clean(page)


def test_manager_sees_segments_stalled_deals_and_sets_objectives(site: Site, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a:has-text('客户')")
    settle(page)
    expect(page.locator("#customers tr").first).to_contain_text(
        "客户（"
    )  # e.g. 一般挽留客户（1/1/1：…）
    page.select_option("#segment-filter", "一般挽留客户")
    expect(page.locator("#customers tr").first).to_contain_text("一般挽留客户")
    for text in page.locator("#customers tr").all_inner_texts():
        assert "一般挽留客户" in text or "没有客户" in text, text
    expect(page.locator("#rfm-basis")).to_contain_text("按五分位")  # how segments are made
    page.click("nav a:has-text('业绩看板')")
    settle(page)
    chosen = page.locator("#rep option:checked").inner_text()
    expect(page.locator("#funnel-whose")).to_contain_text(f"{chosen}负责的商机")
    status = page.locator("#stalled-status")
    expect(status).to_contain_text("个停滞商机")
    stalled = int(status.inner_text().split(" ")[0])
    rows = page.locator("#stalled-deals tr")
    assert rows.count() == max(stalled, 1)
    if stalled:
        assert "没有推进" in rows.first.inner_text()
    no_english(page)
    page.click("nav a:has-text('商机')")
    settle(page)
    page.fill("#opportunity-form input[name=name]", "目标演示项目")
    page.select_option("#opportunity-form select[name=customer_id]", index=0)
    page.select_option("#opportunity-form select[name=owner_rep_id]", label="李娜")
    page.select_option("#opportunity-form select[name=objective_primary]", "演示")
    page.select_option("#opportunity-form select[name=objective_minimum]", "会面")
    page.click("#opportunity-form button[type=submit]")
    expect(page.locator("#opportunities tr:has-text('目标演示项目')")).to_contain_text(
        "首要：演示；最低：会面；待通话评判"
    )


def test_manager_works_through_the_review_queue(site: Site, new_page: Any) -> None:
    """The demo's scripted labels are all sure (p = 1); two customer turns of the manager's team
    are made unsure here, as a model's would be. Confirming one and correcting the other empties
    the queue; the correction shows on the call."""
    import sqlite3

    with sqlite3.connect(site.data_dir / "huashu.db") as db:
        rows = db.execute(
            "SELECT t.id, t.call_id, t.idx FROM call_turns t JOIN calls c ON c.id = t.call_id "
            "JOIN reps r ON r.id = c.rep_id WHERE t.speaker = 'customer' AND t.commitment IS NULL "
            "AND r.team_id = (SELECT team_id FROM reps WHERE name = '王磊') ORDER BY t.id LIMIT 2"
        ).fetchall()
        for (turn_id, _, _), probability in zip(rows, (0.41, 0.58), strict=True):
            db.execute("UPDATE call_turns SET commitment_probability = ? WHERE id = ?",
                       (probability, turn_id))  # fmt: skip
    page = new_page()
    sign_in(page, site, "manager")
    page.click("nav a[href='/ui/review']")
    page.wait_for_url("**/ui/review")
    settle(page)
    items = page.locator("#review-items li.comment")
    assert items.count() == 2 and "41%" in items.first.inner_text()  # least sure first
    axe_clean(page)
    no_english(page)
    items.first.locator("button:has-text('确认')").click()
    page.wait_for_selector("#review-status:has-text('已确认')")
    assert items.count() == 1
    items.first.locator("select").select_option("continuation")
    items.first.locator("button[type=submit]").click()
    page.wait_for_selector("#review-items li:has-text('没有待复核的标签')")
    call_id, index = rows[1][1], rows[1][2]
    page.goto(f"{site.base}/ui/calls/{call_id}")
    page.locator(f"li.turn[data-index='{index}'] .badge.corrected").wait_for()
    assert page.locator(f"li.turn[data-index='{index}'] .badge.commit.continuation").count() == 1


def _until_options(page: Any, select: str, count: int) -> None:
    import time

    deadline = time.monotonic() + 15
    while page.locator(f"{select} option").count() != count:
        assert time.monotonic() < deadline, (
            select,
            page.locator(f"{select} option").count(),
            count,
        )
        time.sleep(0.2)


def test_manager_fixes_a_call_after_upload_and_deletes_one(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    import numpy as np

    from tests.audio_files import write_wav

    page = new_page()
    sign_in(page, site, "manager")
    settle(page)
    noise = np.random.default_rng(7).normal(0, 0.02, 16_000 * 3).astype(np.float32)
    page.set_input_files("#file", str(write_wav(tmp_path / "slip.wav", noise)))
    page.select_option("#up-rep", label="王磊")
    page.fill("#upload-form input[name=title]", "上传时选错了")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#rows a:has-text('上传时选错了')").click()
    page.wait_for_selector("#call-form button[type=submit]:not([disabled])")
    page.fill("#call-title", "改正后的标题")
    page.select_option("#call-rep", label="李娜")
    page.click("#call-form button[type=submit]")
    page.wait_for_selector("#call-status:has-text('已保存')")  # after the page has refreshed
    changes = page.inner_text("#call-changes")
    assert "华东经理" in changes and "从“王磊”改为“李娜”" in changes
    assert page.locator("#title").inner_text() == "改正后的标题"
    no_english(page)
    axe_clean(page)
    call_id = page.url.rstrip("/").split("/")[-1]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-call")
    page.wait_for_url("**/ui/calls")
    assert page.evaluate(f"fetch('/api/v1/calls/{call_id}').then((r) => r.status)") == 404


def test_manager_corrects_a_commitment_on_the_review_page(site: Site, new_page: Any) -> None:
    """Last in the file: the correction changes the demo call's commitment for the reports."""
    page = new_page()
    sign_in(page, site, "manager")
    page.goto(f"{site.base}/ui/calls?rep_id=1&commitment_secured=true")
    settle(page)
    page.locator("#rows a").first.click()
    page.wait_for_selector("li.turn .badge.commit.advance")
    call_id = page.url.rstrip("/").split("/")[-1].split("?")[0]
    assert "销售对话" in page.inner_text("#conversation")
    assert "按声道区分" in page.inner_text("#speakers")
    assert "置信度" in page.locator("li.turn.customer:has(.badge.commit.advance)").inner_text()
    turn = page.locator("li.turn.customer:has(.badge.commit.advance)")
    index = int(turn.get_attribute("data-index") or -1)
    turn.locator("button.fix").click()
    form = turn.locator("form.correct-form")
    assert form.locator("input[name=action]").is_visible()  # an advance has a next step
    axe_clean(page)
    form.locator("select").select_option("decline")
    assert not form.locator("input[name=action]").is_visible()  # a decline has none
    form.locator("input[name=note]").fill("客户说的是明年再说，不是答应")
    form.locator("button[type=submit]").click()
    corrected = page.locator(f"li.turn[data-index='{index}']")
    corrected.locator(".badge.corrected").wait_for()
    assert corrected.locator(".badge.commit.decline").count() == 1
    assert "模型原判：推进" in (corrected.locator(".badge.corrected").get_attribute("title") or "")
    # and in words under the turn, not only on hover: who, the model's label, why
    line = corrected.locator(".origin.corrected").inner_text()
    assert "华东经理" in line and "模型原判：推进" in line and "明年再说" in line
    assert page.inner_text("#commitments").strip() == "无"
    stored = page.evaluate(f"api('/api/v1/calls/{call_id}/corrections')")
    assert [(c["old_label"], c["label"], c["corrected_by"], c["note"]) for c in stored] == [
        ("advance", "decline", "华东经理", "客户说的是明年再说，不是答应")
    ]
    rep = new_page()
    sign_in(rep, site, "rep")
    rep.goto(f"{site.base}/ui/calls/{call_id}")
    rep.wait_for_selector("li.turn .badge.corrected")
    assert rep.locator("button.fix").count() == 0


def test_a_mono_calls_guessed_speakers_can_be_swapped(site: Site, new_page: Any) -> None:
    """After the others (it queues a demo call again). A mono call's speakers are guessed: when
    the guess is unsure the page says so, and a manager swaps rep and customer in one click; a
    stereo call offers no swap (its sides are its channels) but 重新分析."""
    import sqlite3

    page = new_page()
    sign_in(page, site, "manager")
    # 李娜's analysed calls (uploads here stay unanalysed): no other test opens them
    page.goto(f"{site.base}/ui/calls?rep_id=2&commitment_secured=true")
    settle(page)
    stereo_id, mono_id = [int((a.get_attribute("href") or "").rsplit("/", 1)[-1])
                          for a in page.locator("#rows a").all()[:2]]  # fmt: skip
    page.goto(f"{site.base}/ui/calls/{stereo_id}")
    page.wait_for_selector("li.turn")
    assert page.locator("#swap-speakers").is_hidden() and page.locator("#reanalyze").is_visible()
    # the demo calls are stereo: make one as a mono call's analysis would have it
    with sqlite3.connect(site.data_dir / "huashu.db") as db:
        db.execute("UPDATE call_analyses SET speaker_method = 'voices', speaker_confidence = 0.53 "
                   "WHERE call_id = ?", (mono_id,))  # fmt: skip
    page.goto(f"{site.base}/ui/calls/{mono_id}")
    page.wait_for_selector("#speakers-doubt:has-text('说话人区分把握不大')")
    assert "单声道，按声音区分" in page.inner_text("#speakers")
    no_english(page)
    page.click("#swap-speakers")
    page.wait_for_selector("#call-status:has-text('按对调后的说话人重新分析')")
    assert page.evaluate(f"api('/api/v1/calls/{mono_id}').then((c) => c.speakers_swapped)")
    history = page.evaluate(f"api('/api/v1/calls/{mono_id}/changes')")
    assert [(h["field"], h["new_value"], h["changed_by"]) for h in history] == [
        ("speakers_swapped", "true", "华东经理")
    ]
