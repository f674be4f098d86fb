"""Operations: /metrics for Prometheus, `huashu doctor`, and log lines that carry job and call ids."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from auth.tokens import create_token
from core.logs import job_context, setup_logging
from huashu.cli import app
from huashu.runtime import Services
from models import session_scope
from tests.audio_files import SHORT_SPEECH
from tests.conftest import AUTH, SYSTEM, upload, wait_for_status


def test_metrics_tell_jobs_queue_speed_and_latency(client: TestClient, services: Services) -> None:
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for_status(client, call_id)
    text = client.get("/metrics", headers=AUTH).text
    assert 'huashu_jobs{state="done"} 1.0' in text
    assert "huashu_queue_depth 0.0" in text and "huashu_jobs_failed 0.0" in text
    speed = next(
        line for line in text.splitlines() if line.startswith("huashu_transcription_seconds")
    )
    assert float(speed.split()[-1]) > 0
    latency = 'huashu_http_request_duration_seconds_count{method="POST",route="/api/v1/calls",status="2xx"} 1.0'
    assert latency in text
    with session_scope(services.session_factory) as session:
        rep = create_token(session, "销售", "qa", SYSTEM)[1]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {rep}"}).status_code == 403


def test_doctor_says_what_works_and_what_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUASHU_MODEL_CACHE_DIR", str(Path("data/models").resolve()))
    healthy = CliRunner().invoke(app, ["doctor"])
    assert healthy.exit_code == 0, healthy.output
    lines = _verdicts(healthy.output)
    assert [line.split()[1] for line in lines] == ["database:", "model:", "broker:", "storage:"]
    assert all(line.startswith("ok") for line in lines)
    monkeypatch.setenv("HUASHU_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    broken = CliRunner().invoke(app, ["doctor"])
    assert broken.exit_code == 1
    failed = [line for line in _verdicts(broken.output) if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith("FAIL broker: ")
    assert "127.0.0.1:1" in failed[0]


def _verdicts(output: str) -> list[str]:
    """The doctor's own lines (log lines of other tests' handlers may be mixed in)."""
    return [line for line in output.splitlines() if line.startswith(("ok ", "FAIL "))]


def test_json_log_lines_carry_the_job_and_call(capfd: pytest.CaptureFixture[str]) -> None:
    setup_logging("json")
    try:
        with job_context(7, 42):
            logging.getLogger("huashu.worker").info("transcribing")
        logging.getLogger("huashu.worker").info("between jobs")
    finally:
        setup_logging("text")
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    assert lines[0]["message"] == "transcribing" and (lines[0]["job_id"], lines[0]["call_id"]) == (
        7,
        42,
    )
    assert "job_id" not in lines[1]
