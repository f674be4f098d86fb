from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from asr import AudioLimits, ChannelLayout, Segment, Speaker, Transcript, Word, probe_audio
from asr.transcriber import ProgressCallback
from auth.principal import Principal
from huashu.runtime import Services, build_app, open_services
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from tests.databases import fresh_postgres_database, place_migrated_sqlite
from worker import PipelineParts, Worker

ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123"
SYSTEM = Principal.system("tests")  # what the tests set up directly, as the CLI would
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class FakeTranscriber:
    """Stands in for Whisper in API and job tests: fast, predictable, and it can fail on cue."""

    model_name = "fake-whisper"

    def __init__(self) -> None:
        self.calls: list[Path] = []
        self.failures_left = 0
        self.failure: Exception = RuntimeError("simulated transcription failure")
        self.gate: threading.Event | None = None  # when set, transcription waits on it

    def transcribe(
        self,
        path: Path,
        layout: ChannelLayout,
        on_progress: ProgressCallback | None = None,
        *,
        hotwords: Sequence[str] = (),
        limits: AudioLimits | None = None,
    ) -> Transcript:
        self.hotwords = tuple(hotwords)
        self.calls.append(path)
        duration = probe_audio(path).duration
        if self.gate is not None:
            self.gate.wait(10)
        if self.failures_left > 0:
            self.failures_left -= 1
            raise self.failure
        if on_progress:
            on_progress(0.5)
            on_progress(1.0)
        return Transcript("zh", duration, self.model_name, _segments(layout, duration))


def _segments(layout: ChannelLayout, duration: float) -> tuple[Segment, ...]:
    half = round(duration / 2, 3)
    if layout is ChannelLayout.MONO:
        words = (Word(0.0, 0.5, "您好", 0.9), Word(0.5, half, "世界", 0.8))
        return (Segment(0.0, half, "您好世界", Speaker.UNKNOWN, words),)
    return (
        Segment(0.0, half, "您好我是小李", Speaker.REP),
        Segment(half, duration, "你好", Speaker.CUSTOMER),
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    if database_url is None:
        place_migrated_sqlite(tmp_path / "data")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        worker_poll_s=0.05,
        job_retry_delay_s=0.0,
        _env_file=None,
    )


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None: each test's own SQLite file (the default). With HUASHU_TEST_DATABASE_URL naming a
    PostgreSQL server (its maintenance database), each test gets a fresh database there instead:
    `make test` runs the suite that way too."""
    server = os.environ.get("HUASHU_TEST_DATABASE_URL")
    if not server:
        yield None
        return
    with fresh_postgres_database(server) as url:
        yield url


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    opened = open_services(settings)
    yield opened
    opened.engine.dispose()  # a PostgreSQL database can only be dropped once nobody is connected


@pytest.fixture
def fake() -> FakeTranscriber:
    return FakeTranscriber()


@pytest.fixture(scope="session")
def classifier_cache(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fitted classifiers shared by every test process of this and later runs (pytest's cache
    folder): the key is a hash of corpus, code and dictionaries, so a change trains afresh.
    Without pytest's cache (-p no:cacheprovider) they are kept for this run only."""
    cache = getattr(pytestconfig, "cache", None)
    if cache is None:
        return tmp_path_factory.getbasetemp() / "classifiers"
    folder: Path = cache.mkdir("huashu-classifiers")
    return folder


@pytest.fixture(scope="session")
def analyzer(classifier_cache: Path) -> AnalyzerHolder:
    """One analyzer for the whole run: trained once per corpus and code, then read (~1 s)."""
    return AnalyzerHolder(cache_dir=classifier_cache)


@pytest.fixture
def worker(services: Services, fake: FakeTranscriber, analyzer: AnalyzerHolder) -> Worker:
    parts = PipelineParts(services.session_factory, services.store, fake, analyzer.get)
    return Worker(parts, poll_s=0.05, retry_delay_s=0.0)


@pytest.fixture
def client(services: Services, worker: Worker, analyzer: AnalyzerHolder) -> Iterator[TestClient]:
    app = build_app(services, worker, "fake-whisper", analyzer)
    with TestClient(app) as test_client:
        yield test_client


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def wait_for_status(
    client: TestClient, call_id: int, statuses: tuple[str, ...] = ("done", "failed")
) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/api/v1/calls/{call_id}", headers=AUTH).json()
        return body if body["status"] in statuses else None

    result: dict[str, Any] = wait_for(finished)
    return result


def upload(client: TestClient, path: Path, filename: str | None = None, **fields: str) -> Any:
    with path.open("rb") as f:
        return client.post(
            "/api/v1/calls",
            headers=AUTH,
            files={"audio": (filename or path.name, f, "application/octet-stream")},
            data=fields,
        )
