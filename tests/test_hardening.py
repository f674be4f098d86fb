"""No request can exhaust the machine, break a feature for everyone, or act from another site:
each case the probe of the running service found, as a test."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from analysis.rules import MAX_EXPRESSION_TERMS
from auth.accounts import ensure_first_admin
from auth.throttle import FailureThrottle
from auth.tokens import create_token
from core.errors import TooManyRequests
from huashu.runtime import Services, StartupError, lock_worker, open_services
from huashu.settings import Settings, describe_errors
from models import ApiToken, Call, QaPlan, QaRule, Team, session_scope
from tests.audio_files import CALLS, SHORT_SPEECH, silence_wav
from tests.conftest import (
    AUTH,
    SYSTEM,
    FakeTranscriber,
    upload,
    wait_for,
    wait_for_status,
)

SAME_SITE = {"Origin": "http://testserver"}


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"detail", "code", "field"} and body["detail"], body
    return body


# ---------------------------------------------------------------- validated at the edge


def test_validation_errors_have_the_documented_shape(client: TestClient) -> None:
    body = _error(client.get("/api/v1/calls", headers=AUTH, params={"limit": "abc"}), 422)
    assert body["code"] == "invalid_input" and body["field"] == "limit"
    assert body["detail"].startswith("limit: ")
    unknown = _error(client.get("/api/v1/nothing-here", headers=AUTH), 404)
    assert unknown["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/calls/9223372036854775808",
        "/api/v1/calls?offset=100000000000000000000",
        "/api/v1/calls?rep_id=99999999999999999999",
        "/api/v1/reps/9223372036854775808",
        "/api/v1/targets/99999999999999999999999/progress",
    ],
)
def test_ids_and_offsets_beyond_64_bits_are_refused(client: TestClient, path: str) -> None:
    assert _error(client.get(path, headers=AUTH), 422)["code"] == "invalid_input"


def test_a_date_only_or_zoneless_from_means_local_time(client: TestClient) -> None:
    call_id = upload(client, SHORT_SPEECH, occurred_at="2026-03-05T23:30:00+08:00").json()["id"]
    for start, end in (("2026-03-05", "2026-03-06"), ("2026-03-05T23:00", "2026-03-05T23:59")):
        page = client.get("/api/v1/calls", headers=AUTH, params={"from": start, "to": end})
        assert [c["id"] for c in page.json()["items"]] == [call_id], (start, end)
    # 23:30 in Beijing is 15:30 UTC: a UTC day that ends before it does not hold the call.
    utc = client.get("/api/v1/calls", headers=AUTH, params={"to": "2026-03-05T15:00:00Z"})
    assert utc.json()["items"] == []
    assert _error(client.get("/api/v1/calls?from=yesterday", headers=AUTH), 422)["field"] == "from"


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/v1/metrics/reps?from=0001-01-01&to=2026-01-01", None),
        ("GET", "/api/v1/metrics/funnel?from=2026-01-01&to=9999-12-31", None),
        ("GET", "/api/v1/qa/reports?from=2026-01-01&to=9999-12-31", None),
        ("GET", "/api/v1/calls?from=9999-12-31", None),
        ("POST", "/api/v1/analyze",
         {"turns": [{"speaker": "customer", "text": "好，明天来"}], "call_date": "9999-12-31"}),
        # JSON itself has no infinity: 1e999 is how a client sends one (Python reads it as inf).
        ("POST", "/api/v1/targets", '{"team_id": 1, "year": 2026, "amount": 1e999}'),
        ("POST", "/api/v1/opportunities",
         '{"name": "x", "customer_id": 1, "owner_rep_id": 1, "stage": "线索", "amount": 1e999}'),
    ],
)  # fmt: skip
def test_out_of_range_dates_and_infinite_amounts_are_refused(
    client: TestClient, method: str, path: str, payload: Any
) -> None:
    client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"})
    if isinstance(payload, str):
        headers = {**AUTH, "Content-Type": "application/json"}
        response = client.request(method, path, headers=headers, content=payload.encode())
    else:
        response = client.request(method, path, headers=AUTH, json=payload)
    assert _error(response, 422)["code"] == "invalid_input"


def test_plan_filters_are_checked_when_the_plan_is_made(
    client: TestClient, services: Services
) -> None:
    plan = {"name": "p", "period_from": "2026-01-01", "period_to": "2027-01-01", "method": "count",
            "amount": 1, "reviewer_user_id": 1, "filters": {"rep_ids": "abc"}}  # fmt: skip
    assert _error(client.post("/api/v1/qa/plans", headers=AUTH, json=plan), 422)["field"] == (
        "filters.rep_ids"
    )
    with session_scope(services.session_factory) as session:  # one stored before the check
        reviewer = create_token(session, "质检员", "qa", SYSTEM)[0].user_id
        stored = QaPlan(name="old", period_from=date(2026, 1, 1), period_to=date(2027, 1, 1),
                        method="count", amount=1, seed=1, reviewer_user_id=reviewer,
                        filters={"rep_ids": "abc"}, exclude_reviewed=True)  # fmt: skip
        session.add(stored)
        session.flush()
        plan_id = stored.id
    body = _error(client.post(f"/api/v1/qa/plans/{plan_id}/draw", headers=AUTH), 422)
    assert f"sampling plan {plan_id} has filters that cannot be used" in body["detail"]


# ---------------------------------------------------------------- bounded expressions


@pytest.mark.parametrize(
    ("expression", "limit_named"),
    [
        (" or ".join(f"词{i}" for i in range(3000)), "the limit is 2000"),
        (" or ".join(f"词{i}" for i in range(150)), "more than 100 phrases"),
        ("(" * 500 + "价格" + ")" * 500, "nest deeper"),
        ("价格 " * 400_000, "characters long"),
    ],
)
def test_runaway_expressions_are_refused_fast(
    client: TestClient, expression: str, limit_named: str
) -> None:
    rule = {"name": "r", "kind": "keyword_expression", "params": {"expression": expression}}
    started = time.monotonic()
    body = _error(client.post("/api/v1/qa/rules", headers=AUTH, json=rule), 422)
    assert limit_named in body["detail"]
    assert time.monotonic() - started < 10  # linear, not 6.5 minutes of CPU


def test_a_stored_oversized_rule_does_not_break_checking_calls(
    client: TestClient, services: Services
) -> None:
    huge = " or ".join(f"词{i}" for i in range(MAX_EXPRESSION_TERMS * 30))
    with session_scope(services.session_factory) as session:
        session.add(QaRule(name="old", kind="keyword_expression", params={"expression": huge},
                           severity="warning", points=5, active=True))  # fmt: skip
    client.post("/api/v1/qa/rules", headers=AUTH,
                json={"name": "ok", "kind": "forbidden_phrase", "params": {"phrases": ["您好"]}})  # fmt: skip
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    assert wait_for_status(client, call_id)["status"] == "done"
    report = client.get(f"/api/v1/calls/{call_id}/qa", headers=AUTH)
    assert report.status_code == 200 and {h["rule"] for h in report.json()["hits"]} <= {"ok"}


# ---------------------------------------------------------------- CSV rows


def _import(client: TestClient, entity: str, text: str) -> dict[str, Any]:
    files = {"file": ("x.csv", text.encode(), "text/csv")}
    response = client.post(f"/api/v1/import/{entity}", headers=AUTH, files=files)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_bad_csv_cells_and_quoting_are_row_errors(client: TestClient) -> None:
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊"}).json()["id"]
    customer = client.post("/api/v1/customers", headers=AUTH, json={"company": "星河"}).json()["id"]
    header = "rep_id,customer_id,occurred_at,content\n"
    rows = (f"{rep},{customer},2026-11-20T10:00:00+08:00,好\n"
            f"{rep},{customer},2026-11-20 10:00,没有时区\n"
            f"9223372036854775808,{customer},2026-11-20T10:00:00+08:00,太大\n"
            f'{rep},{customer},2026-11-21T10:00:00+08:00,"没有闭合\n'
            f"{rep},{customer},2026-11-22T10:00:00+08:00,被吞掉\n")  # fmt: skip
    report = _import(client, "follow-ups", header + rows)
    assert (report["created"], report["failed"], report["rows"]) == (1, 3, 4)
    rows_in_error = {e["row"]: e for e in report["errors"]}
    assert set(rows_in_error) == {2, 3, 4}
    assert rows_in_error[2]["field"] == "occurred_at"
    assert rows_in_error[3]["field"] == "rep_id"
    assert "broken quoting" in rows_in_error[4]["message"]


def test_a_csv_import_that_stops_midway_says_which_rows_went_in(
    client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm import csv_io
    from models import Customer

    real = csv_io._import_row
    seen = {"rows": 0}
    chunk = csv_io.IMPORT_CHUNK_ROWS

    def fail_in_the_second_chunk(*args: Any) -> str:
        seen["rows"] += 1
        if seen["rows"] == chunk + chunk // 2:
            raise RuntimeError("the disk vanished")
        return real(*args)

    monkeypatch.setattr(csv_io, "_import_row", fail_in_the_second_chunk)
    text = "company,external_id\n" + "".join(f"客户{i},C{i}\n" for i in range(1, 501))
    files = {"file": ("c.csv", text.encode(), "text/csv")}
    report = client.post("/api/v1/import/customers", headers=AUTH, files=files).json()
    # the first chunk went in, the second one not at all
    assert (report["created"], report["stopped_at_row"]) == (chunk, chunk + 1)
    assert "the disk vanished" in report["stopped_because"]

    def stored() -> int:
        with session_scope(services.session_factory) as session:
            return int(session.scalar(select(func.count()).select_from(Customer)) or 0)

    assert stored() == chunk
    monkeypatch.setattr(csv_io, "_import_row", real)
    params = {"start_row": report["stopped_at_row"]}
    rest = client.post("/api/v1/import/customers", headers=AUTH, files=files, params=params)
    assert (rest.json()["created"], rest.json()["stopped_at_row"]) == (500 - chunk, None)
    assert stored() == 500


# ---------------------------------------------------------------- stored audio and jobs


def test_a_stored_file_damaged_on_disk_fails_instead_of_a_partial_transcript(
    client: TestClient, services: Services, fake: FakeTranscriber
) -> None:
    fake.gate = threading.Event()  # the worker waits inside the first call's transcription…
    upload(client, CALLS / "dev01.mono.wav")
    wait_for(lambda: fake.calls)
    call_id = upload(client, SHORT_SPEECH).json()["id"]  # …while the second one's file is damaged
    with session_scope(services.session_factory) as session:
        call = session.get(Call, call_id)
        assert call is not None
        path = services.store.local_path(call.audio_path)
        assert path is not None  # a local store: the file can be damaged in place
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut short on disk
    fake.gate.set()
    result = wait_for_status(client, call_id)
    assert result["status"] == "failed" and "no longer matches" in result["error"]


def test_a_job_that_crashed_the_process_on_its_last_attempt_fails(
    client: TestClient, services: Services
) -> None:
    from models import Job, JobState
    from worker import PipelineParts, Worker

    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for_status(client, call_id)
    with session_scope(services.session_factory) as session:
        job = session.scalar(select(Job).where(Job.call_id == call_id))
        assert job is not None
        job.state, job.attempts = JobState.RUNNING, job.max_attempts  # died while running
    parts = PipelineParts(services.session_factory, services.store, FakeTranscriber(), lambda: None)  # type: ignore[arg-type,return-value]
    assert Worker(parts, poll_s=1, retry_delay_s=0).recover() == 1
    with session_scope(services.session_factory) as session:
        assert session.scalar(select(Job.state).where(Job.call_id == call_id)) == JobState.FAILED


def test_deleting_a_call_stops_its_transcription(
    client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch, fake: FakeTranscriber
) -> None:
    steps = {"n": 0}
    ended = threading.Event()

    def endless(path: Path, layout: Any, on_progress: Any = None, **_options: Any) -> Any:
        try:
            while steps["n"] < 10_000:  # a very long call (100 s): progress now and then
                steps["n"] += 1
                time.sleep(0.01)
                on_progress(min(steps["n"] / 10_000, 0.99))
            raise AssertionError("the transcription ran to its end")
        finally:
            ended.set()

    monkeypatch.setattr(fake, "transcribe", endless)
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for(lambda: steps["n"] > 5)
    assert client.delete(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 204
    # The progress writer looks at least every 5 s; the transcription must stop soon after.
    assert ended.wait(30), "the transcription went on after its call was deleted"
    assert steps["n"] < 10_000


# ---------------------------------------------------------------- concurrency


def test_reads_do_not_write_when_tokens_were_last_used(
    client: TestClient, services: Services
) -> None:
    with session_scope(services.session_factory) as session:
        row, token = create_token(session, "只读", "admin", SYSTEM)
        token_id = row.id
    assert (
        client.get("/api/v1/calls", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    with session_scope(services.session_factory) as session:
        assert session.get(ApiToken, token_id).last_used_at is None  # type: ignore[union-attr]
    state = client.app.state.huashu  # type: ignore[attr-defined]
    assert state.token_usage.flush(services.session_factory) == 1
    with session_scope(services.session_factory) as session:
        assert session.get(ApiToken, token_id).last_used_at is not None  # type: ignore[union-attr]


def test_one_worker_per_data_folder(settings: Settings) -> None:
    open_services(settings)
    first = lock_worker(settings)
    with pytest.raises(StartupError, match=r"already has a running worker .* --no-worker"):
        lock_worker(settings)
    first.close()
    lock_worker(settings).close()  # released with its process (here: its file)


# ---------------------------------------------------------------- browser security


def _admin_account(client: TestClient) -> dict[str, str]:
    """An admin who signs in with a password (made as the first start makes it)."""
    services = client.app.state.huashu  # type: ignore[attr-defined]
    with session_scope(services.session_factory) as session:
        made = ensure_first_admin(session)
    assert made is not None
    return {"login": "admin", "password": made[1]}


def _cookie_client(client: TestClient) -> TestClient:
    signed_in = client.post("/ui/sign-in", data=_admin_account(client), headers=SAME_SITE,
                            follow_redirects=False)  # fmt: skip
    assert signed_in.status_code == 303 and "huashu_session" in client.cookies
    return client


def test_cookie_writes_from_another_origin_are_refused(client: TestClient) -> None:
    browser = _cookie_client(client)
    evil = {"Origin": "http://127.0.0.1:9999"}
    body = _error(browser.post("/api/v1/teams", json={"name": "x"}, headers=evil), 403)
    assert body["code"] == "cross_site"
    assert browser.post("/api/v1/teams", json={"name": "x"}).status_code == 403  # no Origin
    assert browser.post("/api/v1/teams", json={"name": "x"}, headers=SAME_SITE).status_code == 201
    api_client = client.post("/api/v1/teams", json={"name": "y"}, headers={**AUTH, **evil})
    assert api_client.status_code == 201  # a bearer token is not a browser's ambient cookie


def test_sign_in_from_another_site_is_refused(client: TestClient) -> None:
    form = _admin_account(client)
    evil = client.post("/ui/sign-in", data=form, headers={"Origin": "https://evil.example"},
                       follow_redirects=False)  # fmt: skip
    assert evil.status_code == 403 and "huashu_session" not in evil.cookies
    ours = client.post("/ui/sign-in", data=form, headers=SAME_SITE, follow_redirects=False)
    assert ours.status_code == 303 and "huashu_session" in ours.cookies


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/ui/sign-in", "/api/v1/calls", "/health", "/docs"):
        headers = client.get(path, headers=AUTH).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_no_signed_in_answer_is_kept_by_the_browser(client: TestClient) -> None:
    """Back after 退出 at a shared desk must not show the last user's call: pages and API
    answers are no-store; only the static scripts and styles may be cached."""
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    for path in (
        "/ui/calls",
        f"/ui/calls/{call_id}",
        "/api/v1/calls",
        f"/api/v1/calls/{call_id}",
        f"/api/v1/calls/{call_id}/audio",
        "/api/v1/me",
        "/ui/sign-in",
        "/nowhere",
    ):
        response = client.get(path, headers=AUTH)
        assert response.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/common.js").headers.get("cache-control", "")


def test_the_api_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http" not in html.replace("http-equiv", "") and "<script>" not in html
        for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/redoc.standalone.js"):
            assert client.get(asset).status_code == 200


def test_wrong_tokens_are_throttled_per_client(client: TestClient) -> None:
    wrong = {"Authorization": "Bearer hs_wrong"}
    codes = [client.get("/api/v1/me", headers=wrong).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    refused = client.get("/api/v1/me", headers=wrong)
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["code"] == "too_many_requests"


def test_the_throttle_forgets_failures_after_its_window() -> None:
    now = [0.0]
    throttle = FailureThrottle(3, 60.0, clock=lambda: now[0])
    for _ in range(3):
        throttle.fail("client:1", "account:a")
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("client:2", "account:a")  # the account is locked from anywhere
    assert refused.value.retry_after == 60
    throttle.check("client:2", "account:b")
    now[0] = 61.0
    throttle.check("client:1", "account:a")


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("value", ["1", "short-but-not-enough"])
def test_a_guessable_admin_token_stops_the_service(value: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(data_dir=tmp_path, admin_token=value, _env_file=None)
    (line,) = describe_errors(refused.value)
    assert line.startswith("HUASHU_ADMIN_TOKEN: must be at least 32 characters")


def test_bad_database_url_and_data_folder_are_one_line(tmp_path: Path) -> None:
    bad_url = Settings(data_dir=tmp_path, database_url="nonsense://", _env_file=None)
    with pytest.raises(StartupError, match=r"^HUASHU_DATABASE_URL: "):
        open_services(bad_url)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(StartupError, match=r"^HUASHU_DATA_DIR: .* is a file, not a folder$"):
        open_services(Settings(data_dir=a_file, _env_file=None))


# ---------------------------------------------------------------- bounded audio


def _wav_declaring(path: Path, rate: int, seconds: float) -> Path:
    """A real WAV header that declares `rate` Hz and `seconds` of audio, with little data."""
    import struct

    frames = int(rate * seconds)
    header = b"RIFF" + struct.pack("<I", 36 + frames * 2) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", frames * 2)
    path.write_bytes(header + b"\x00\x01" * min(frames, 10_000))
    return path


def test_a_1_hz_wav_is_refused_from_its_header(client: TestClient, tmp_path: Path) -> None:
    response = upload(client, _wav_declaring(tmp_path / "one-hz.wav", 1, 10_000))
    body = _error(response, 422)
    assert "sample rate" in body["detail"] and body["field"] == "audio"


def test_a_recording_over_the_call_limit_is_413(
    settings: Settings, fake: FakeTranscriber, analyzer: Any, tmp_path: Path
) -> None:
    from huashu.runtime import build_app

    limited = settings.model_copy(update={"max_call_minutes": 1})
    services = open_services(limited)
    with TestClient(build_app(services, None, "fake-whisper", analyzer)) as client:
        long_call = CALLS / "dev01.stereo.wav"  # about 50 s: under a minute
        assert upload(client, long_call).status_code == 202
        body = _error(upload(client, silence_wav(tmp_path / "long.wav", 61)), 413)
    assert body["code"] == "too_long" and "at most 60 s" in body["detail"]


@pytest.mark.parametrize("year", ["0001", "1999", "2101", "9999"])
def test_an_upload_dated_outside_the_documented_years_is_422(client: TestClient, year: str) -> None:
    response = upload(client, SHORT_SPEECH, occurred_at=f"{year}-01-02T10:00:00+08:00")
    assert _error(response, 422)["field"] == "occurred_at"
    assert client.get("/api/v1/calls", headers=AUTH).json()["total"] == 0


def test_an_unexpected_error_is_json_with_headers_and_a_request_id_in_the_log(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ingest import calls

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(calls, "list_calls", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get("/api/v1/calls", headers=AUTH)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error" and body["request_id"] in body["detail"]
    assert "bug" not in body["detail"]  # nothing of the inside leaks
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "content-security-policy" in response.headers
    logged = [r for r in caplog.records if body["request_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback, under the same id


# ---------------------------------------------------------------- short writes


def test_a_writer_waits_its_turn_instead_of_failing_behind_a_busy_one(services: Services) -> None:
    """A writer that commits and begins again at once (an import, chunk by chunk) held SQLite's
    lock in turn after turn, and another writer waiting in SQLite's busy handler never got in
    ("database is locked" after the timeout). Writers now take turns in the order they came."""
    rounds, done_rounds = 12, []

    def busy_writer() -> None:
        for n in range(rounds):
            with session_scope(services.session_factory) as session:
                session.add(Team(name=f"批量团队{n}"))
                time.sleep(0.15)  # a chunk's work, holding the lock
            done_rounds.append(n)

    hog = threading.Thread(target=busy_writer)
    hog.start()
    wait_for(lambda: done_rounds, timeout=10)
    with session_scope(services.session_factory) as session:
        session.add(Team(name="经理的团队"))
    finished_before = len(done_rounds)
    hog.join()
    assert finished_before < rounds - 2  # in between the busy writer's chunks, not after them
