"""The web UI in a real browser (Debian's Chromium driven by Playwright) against the real
server: sign in, upload a real recording, wait for the analysis, review it, seek by clicking."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audio_files import CALLS
from tests.test_e2e_server import Server, model_cache, server  # noqa: F401  (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[1] / "docs"
pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]


def _sign_in(page, server: Server, login: str, password: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto(f"http://127.0.0.1:{server.port}/ui/sign-in")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url("**/ui/calls")


def _until(page, expression: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Poll `expression` from here: Playwright's wait_for_function evaluates its predicate with
    eval inside the page, which the pages' Content-Security-Policy (no unsafe-eval) refuses."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
        time.sleep(0.2)


def _admin_password(server: Server) -> str:  # noqa: F811
    """The first start made the admin account (HUASHU_ADMIN_TOKEN set or not)."""
    return (server.data_dir / "first-admin-password.txt").read_text().strip()


def _new_user(server: Server, *args: str) -> str:  # noqa: F811
    """`huashu user create …`; returns the password it prints."""
    import subprocess
    import sys

    created = subprocess.run([sys.executable, "-m", "huashu.cli", "user", "create", *args],
                             env=server.env, capture_output=True, text=True, check=True)  # fmt: skip
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture
def page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--mute-audio", "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        context = browser.new_context(
            viewport={"width": 1366, "height": 850}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        yield context.new_page()
        browser.close()


def test_sign_in_upload_review_and_seek(server: Server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = f"http://127.0.0.1:{server.port}"
    page.goto(f"{base}/ui/calls")
    assert page.url.endswith("/ui/sign-in")  # signed out: sent to sign in
    page.fill("#login", "admin")
    page.fill("#password", "wrong-password")
    page.click("form button[type=submit]")
    page.wait_for_selector("[role=alert]")  # the refusal is shown (after the redirect)
    _sign_in(page, server, "admin", _admin_password(server))

    page.select_option("#channels", "rep-left")
    page.set_input_files("#file", str(CALLS / "dev01.stereo.wav"))
    page.fill("#upload-form input[name=title]", "华东客户首次拜访")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status:has-text('已上传')", timeout=60_000)
    page.wait_for_selector("tbody#rows tr:has-text('已完成')", timeout=300_000)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "calls-list.png"), full_page=True)

    page.click("tbody#rows a")
    page.wait_for_selector("li.turn.customer .badge.commit", timeout=60_000)
    turns = page.locator("li.turn")
    assert turns.count() >= 8
    assert page.locator("li.turn.rep .badge.spin").count() >= 3  # SPIN labels shown
    third = turns.nth(4)
    start = float(third.get_attribute("data-start") or 0)
    third.click()
    _until(page, "document.getElementById('player').currentTime > 0", timeout=30)
    position = page.evaluate("document.getElementById('player').currentTime")
    assert abs(position - start) < 2.0  # clicking a turn seeks the audio to it
    page.wait_for_selector("li.turn.current", timeout=10_000)  # and the playing turn is highlighted
    assert page.locator("#score").inner_text().isdigit()

    # coaching: pin a comment to a turn, fill the scorecard
    turns.nth(2).locator(".pin").click()
    page.fill("#comment-text", "这里先确认预算再推进")
    page.click("#comment-form button[type=submit]")
    page.wait_for_selector("#comments li:has-text('这里先确认预算再推进')")
    assert "第 3 句" in page.locator("#comments li").first.inner_text()
    for key, value in {
        "opening": "5",
        "discovery": "4",
        "spin": "3",
        "objections": "2",
        "commitment": "5",
    }.items():
        page.select_option(f"#criteria select[name={key}]", value)
    page.fill("#scorecard-note", "整体不错")
    page.click("#scorecard-save")
    page.wait_for_selector("#scorecard-total:has-text('75 分')")
    page.screenshot(path=str(DOCS / "call-review.png"), full_page=True)
    _edit_words_and_keep_a_vocabulary(page, server)


def _edit_words_and_keep_a_vocabulary(page, server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Whisper's doubtful words are marked; the admin fixes a turn's words (the call follows
    the re-analysis) and keeps the team's vocabulary on its page."""
    marked = page.locator("li.turn .asr-doubtful, li.turn .asr-fixed")
    assert marked.count() >= 1  # base Whisper on a real call: some words it was unsure of
    first = page.locator("li.turn").first
    first.locator(".edit-text").click()
    new_words = "您好，我是启航教育的课程顾问小李，想跟您约个时间聊聊孩子的英语。"
    first.locator(".edit-form textarea").fill(new_words)
    first.locator(".edit-form button[type=submit]").click()
    page.wait_for_selector("li.turn:first-child .origin.edited", timeout=60_000)  # re-analysed
    assert page.locator("li.turn").first.locator("p.text").inner_text() == new_words
    page.locator("li.turn").first.locator(".edit-text").click()
    assert "管理员" in page.locator("li.turn:first-child .edit-form .history").inner_text()

    page.goto(f"http://127.0.0.1:{server.port}/ui/vocabulary")
    page.wait_for_selector("#terms td:has-text('词库里还没有词')")
    page.fill("#term-form input[name=text]", "启航教育")
    page.select_option("#term-form select[name=kind]", "company")
    page.fill("#term-form input[name=heard]", "喜航教育")
    page.click("#term-form button[type=submit]")
    page.wait_for_selector("#terms tr:has-text('启航教育'):has-text('喜航教育')")
    page.fill("#term-form input[name=text]", "启航教育")
    page.fill("#term-form input[name=heard]", "喜航教育")
    page.click("#term-form button[type=submit]")
    page.wait_for_selector("#term-status.error:has-text('词库里已有')")  # in Chinese, not lost
    page.screenshot(path=str(DOCS / "vocabulary.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#terms button[aria-label='删除 启航教育']")
    page.wait_for_selector("#terms td:has-text('词库里还没有词')")


def test_back_after_sign_out_shows_no_page_of_the_last_user(server: Server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(page, server, "admin", _admin_password(server))
    page.goto(f"http://127.0.0.1:{server.port}/ui/users")
    page.wait_for_selector("h1")
    page.click("header form button[type=submit]")  # 退出
    page.wait_for_url("**/ui/sign-in")
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/ui/sign-in") or page.locator("#login").count() == 1
    assert page.locator("header nav").count() == 0  # nobody's menu, nobody's data


def test_html_in_names_is_shown_as_text(server: Server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    hostile = {"title": "<img src=x onerror=alert(1)>报价", "rep": "<script>alert(2)</script>"}
    with (CALLS / "dev02.mono.wav").open("rb") as f:
        server.http.post("/api/v1/calls", files={"audio": ("x.wav", f)}, data=hostile)
    _sign_in(page, server, "admin", _admin_password(server))
    page.wait_for_selector("tbody#rows a")
    assert page.locator("tbody#rows a").first.inner_text() == "<img src=x onerror=alert(1)>报价"
    assert page.locator("img").count() == 0 and page.locator("tbody script").count() == 0


def test_qa_draws_a_plan_and_completes_a_review(server: Server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from datetime import date, timedelta

    rule = {
        "name": "开场自报家门",
        "kind": "required_phrase",
        "params": {"phrases": ["我是"], "within_s": 30},
        "points": 10,
    }
    assert server.http.post("/api/v1/qa/rules", json=rule).status_code == 201
    rep_id = server.http.post("/api/v1/reps", json={"name": "王磊"}).json()["id"]
    call_id = server.upload(CALLS / "dev03.stereo.wav", channels="rep-left", rep_id=str(rep_id))[
        "id"
    ]
    server.wait_done(call_id)
    qa_password = _new_user(server, "--login", "qa1", "--name", "质检员", "--role", "qa")

    _sign_in(page, server, "qa1", qa_password)
    page.click("nav a[href='/ui/qa']")
    page.wait_for_url("**/ui/qa")
    page.fill("input[name=period_from]", (date.today() - timedelta(days=1)).isoformat())
    page.fill("input[name=period_to]", (date.today() + timedelta(days=2)).isoformat())
    page.select_option("select[name=method]", "count")
    page.fill("input[name=amount]", "1")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-status:has-text('已抽取 1 通')")
    page.screenshot(path=str(DOCS / "qa-queue.png"), full_page=True)
    page.click("#queue a")
    page.wait_for_selector("#qa-rules select")
    page.wait_for_selector("#qa-score:has-text('质检得分')")
    page.fill("#qa-note", "开场规范")
    page.click("#qa-review button[type=submit]")
    page.wait_for_selector("#qa-status:has-text('已提交')")
    page.screenshot(path=str(DOCS / "qa-review.png"), full_page=True)
    page.click("nav a[href='/ui/qa']")
    page.wait_for_selector("#by-rule tr:has-text('开场自报家门')")  # the report counts the review
    page.wait_for_selector("#appeals li:has-text('没有待处理的申诉')")

    # the rep sees the result and appeals it
    rep_password = _new_user(server, "--login", "wanglei", "--name", "王磊", "--role", "rep",
                             "--rep-id", str(rep_id))  # fmt: skip
    page.click("form[action='/ui/sign-out'] button")
    _sign_in(page, server, "wanglei", rep_password)
    page.click("nav a[href='/ui/feedback']")
    page.wait_for_selector("#reviews form.appeal")
    page.fill("#reviews form.appeal textarea", "开场其实说了公司名")
    page.click("#reviews form.appeal button")
    page.wait_for_selector("#reviews li:has-text('申诉中')")
    assert server.http.get(
        "/api/v1/qa/reports", params={"from": "2000-01-01", "to": "2100-01-01"}
    ).json()["by_rule"]


def test_dashboard_shows_trend_mix_funnel_and_leaderboard(server: Server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "huashu.cli", "seed", "--year", "2026"], env=server.env, check=True,
                   capture_output=True)  # fmt: skip
    _sign_in(page, server, "admin", _admin_password(server))
    page.click("nav a[href='/ui/dashboard']")
    page.wait_for_url("**/ui/dashboard")
    page.fill("#from", "2026-01-01")
    page.fill("#to", "2027-01-01")
    page.click("#dash-form button[type=submit]")
    page.wait_for_selector("#leaderboard tr:nth-child(3)")
    page.wait_for_selector("#trend svg a:nth-of-type(12)")  # one column a month
    assert page.locator("#funnel svg g").count() == 5  # 线索 → 成交
    assert page.locator("#rep option").count() == 3
    february = page.locator("#trend svg g").nth(1).text_content() or ""
    assert "50%" in february  # February: 1 of 2 calls (seed rules)
    page.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)

    # a playlist moment opens its call at the moment
    call_id = server.upload(CALLS / "dev04.stereo.wav", channels="rep-left")["id"]
    server.wait_done(call_id)
    playlist = server.http.post("/api/v1/playlists", json={"name": "优秀开场"}).json()
    item = {"call_id": call_id, "from_turn": 2, "to_turn": 3, "note": "先问现状"}
    start = server.http.post(f"/api/v1/playlists/{playlist['id']}/items", json=item).json()[
        "items"
    ][0]["start"]
    page.click("nav a[href='/ui/playlists']")
    page.click(f"#playlists a[href^='/ui/calls/{call_id}?']")
    page.wait_for_url(f"**/ui/calls/{call_id}?t=*")  # the call page, not the list still
    _until(page, f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.5")
