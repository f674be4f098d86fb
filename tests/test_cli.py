"""The `huashu` command, run in-process with its settings taken from the environment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from asr import cer
from auth.tokens import authenticate
from huashu.cli import app
from huashu.runtime import open_services
from huashu.settings import Settings
from models import Call, Job, JobState
from tests.audio_files import CALLS, SHORT_SPEECH, text_file

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("HUASHU_DATA_DIR", str(data))
    monkeypatch.delenv("HUASHU_ADMIN_TOKEN", raising=False)
    return data


def test_token_create_list_revoke(env: Path) -> None:
    created = runner.invoke(app, ["token", "create", "--name", "crm-sync"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("hs_") and len(token) > 40
    services = open_services(Settings(_env_file=None))
    with services.session_factory() as session:
        assert authenticate(session, token, None).name == "crm-sync"
    listed = runner.invoke(app, ["token", "list"])
    assert "crm-sync\tadmin\tactive" in listed.stdout and token not in listed.stdout
    assert runner.invoke(app, ["token", "revoke", "1"]).exit_code == 0
    assert "crm-sync\tadmin\trevoked" in runner.invoke(app, ["token", "list"]).stdout


def test_token_create_refuses_unknown_role(env: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--name", "x", "--role", "boss"])
    assert result.exit_code == 1 and "unknown role 'boss'" in result.output


def test_ingest_folder_adds_skips_and_reports(env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "2026-11").mkdir(parents=True)
    shutil.copy(SHORT_SPEECH, folder / "a.wav")
    shutil.copy(CALLS / "dev01.mono.wav", folder / "2026-11" / "b.wav")
    shutil.copy(SHORT_SPEECH, folder / "2026-11" / "same-as-a.wav")
    text_file(folder / "notes.txt")
    shutil.copy(SHORT_SPEECH, folder / ".hidden.wav")
    result = runner.invoke(app, ["ingest", str(folder), "--rep", "王磊"])
    assert result.exit_code == 0, result.output
    assert "2 added, 1 duplicate, 1 rejected" in result.stdout
    assert "notes.txt: not an audio file" in result.output
    services = open_services(Settings(_env_file=None))
    with services.session_factory() as session:
        calls = list(session.scalars(select(Call).order_by(Call.id)))
        # files go in name order, so the copy in 2026-11/ is stored and a.wav is the duplicate
        assert [c.original_filename for c in calls] == ["b.wav", "same-as-a.wav"]
        assert {c.rep for c in calls} == {"王磊"}
        assert [j.state for j in session.scalars(select(Job))] == [JobState.QUEUED] * 2
    again = runner.invoke(app, ["ingest", str(folder)])
    assert "0 added, 3 duplicate, 1 rejected" in again.stdout


def test_ingest_stereo_layout_checks_each_file(env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(CALLS / "dev01.stereo.wav", folder / "stereo.wav")
    shutil.copy(SHORT_SPEECH, folder / "mono.wav")
    result = runner.invoke(app, ["ingest", str(folder), "--channels", "rep-left"])
    assert "1 added, 0 duplicate, 1 rejected" in result.stdout
    assert "mono.wav: channels=rep-left needs a stereo recording" in result.output


@pytest.mark.model
def test_transcribe_prints_transcript_with_progress(env: Path) -> None:
    result = runner.invoke(app, ["transcribe", str(SHORT_SPEECH), "--format", "json"])
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.stdout)
    text = "".join(s["text"] for s in transcript["segments"])
    assert cer("广州市房地产中介协会分析", text) < 0.2
    assert "100%" in result.stderr


@pytest.mark.model
def test_transcribe_stereo_as_srt(env: Path) -> None:
    result = runner.invoke(
        app,
        [
            "transcribe",
            str(CALLS / "dev03.stereo.wav"),
            "--channels",
            "rep-left",
            "--format",
            "srt",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rep: " in result.stdout and "customer: " in result.stdout and " --> " in result.stdout


def test_transcribe_refuses_bad_format_and_mono_as_stereo(env: Path) -> None:
    bad_format = runner.invoke(app, ["transcribe", str(SHORT_SPEECH), "--format", "docx"])
    assert bad_format.exit_code == 2 and "json, txt, srt" in bad_format.output
    bad_channels = runner.invoke(app, ["transcribe", str(SHORT_SPEECH), "--channels", "rep-left"])
    assert bad_channels.exit_code == 1 and "needs a stereo recording" in bad_channels.output


def test_serve_stops_at_start_when_the_model_cannot_load(
    env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUASHU_WHISPER_MODEL", str(tmp_path / "no-such-model"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 1 and "cannot load Whisper model" in result.output


@pytest.mark.model
def test_a_model_folder_can_replace_the_bundled_one(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asr import ensure_bundled_model

    folder = ensure_bundled_model(env / "elsewhere")
    monkeypatch.setenv("HUASHU_WHISPER_MODEL", str(folder))
    result = runner.invoke(app, ["transcribe", str(SHORT_SPEECH)])
    assert result.exit_code == 0 and "广州" in result.stdout
    assert not (env / "models").exists()  # the bundled cache was not touched


def test_seed_fills_an_empty_database_once(env: Path) -> None:
    first = runner.invoke(app, ["seed", "--year", "2026"])
    assert first.exit_code == 0 and "36 opportunities, 72 calls" in first.stdout
    again = runner.invoke(app, ["seed"])
    assert again.exit_code == 1 and "already has teams" in again.output


def test_invalid_setting_stops_with_a_message(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUASHU_MAX_UPLOAD_MB", "-5")
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 2
    assert result.output == "invalid setting HUASHU_MAX_UPLOAD_MB: Input should be greater than 0\n"
