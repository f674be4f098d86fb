"""Jobs: retried a bounded number of times, failed with a reason, recovered after a crash."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from asr import CorruptAudioError
from auth.principal import Principal
from huashu.runtime import Services
from ingest.call_analysis import AnalyzerHolder
from ingest.calls import CallMetadata, create_call
from models import Call, Job, JobState, TranscriptSegment, session_scope
from tests.audio_files import CALLS, SHORT_SPEECH
from tests.conftest import AUTH, FakeTranscriber, upload, wait_for, wait_for_status
from worker import PipelineParts, Worker


def _job(services: Services, call_id: int) -> Job:
    with services.session_factory() as session:
        job = session.scalar(select(Job).where(Job.call_id == call_id))
        assert job is not None
        return job


def test_failing_job_is_retried_then_succeeds(
    client: TestClient, services: Services, fake: FakeTranscriber
) -> None:
    fake.failures_left = 2
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    call = wait_for_status(client, call_id)
    assert call["status"] == "done" and call["error"] is None
    job = _job(services, call_id)
    assert job.attempts == 3 and job.state == JobState.DONE and len(fake.calls) == 3


def test_job_fails_after_max_attempts_and_worker_keeps_going(
    client: TestClient, services: Services, fake: FakeTranscriber, tmp_path
) -> None:
    fake.failures_left = 3
    failing = upload(client, SHORT_SPEECH).json()["id"]
    call = wait_for_status(client, failing)
    assert call["status"] == "failed"
    assert "RuntimeError: simulated transcription failure" in call["error"]
    assert _job(services, failing).attempts == 3

    from tests.audio_files import CALLS

    healthy = upload(client, CALLS / "dev01.mono.wav").json()["id"]
    assert wait_for_status(client, healthy)["status"] == "done"
    assert client.get("/health").json()["worker"] == "running"


def test_bad_audio_fails_without_retry(
    client: TestClient, services: Services, fake: FakeTranscriber
) -> None:
    fake.failures_left = 5
    fake.failure = CorruptAudioError("the audio data is corrupt")
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    call = wait_for_status(client, call_id)
    assert call["status"] == "failed" and "cannot be transcribed" in call["error"]
    assert _job(services, call_id).attempts == 1


def test_progress_is_visible_while_transcribing(
    client: TestClient, services: Services, fake: FakeTranscriber
) -> None:
    fake.gate = threading.Event()
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for(
        lambda: (
            client.get(f"/api/v1/calls/{call_id}", headers=AUTH).json()["status"] == "transcribing"
        )
    )
    fake.gate.set()
    assert wait_for_status(client, call_id)["progress"] == 1.0


def test_interrupted_job_is_requeued_and_finishes_once(
    services: Services, fake: FakeTranscriber, analyzer: AnalyzerHolder
) -> None:
    # Simulate a crash: the job was claimed (running) when the process died.
    from auth.principal import Principal
    from ingest.calls import CallMetadata, create_call

    with (
        session_scope(services.session_factory) as session,
        services.store.receive(10**9) as incoming,
    ):
        incoming.write(SHORT_SPEECH.read_bytes())
        uploader = Principal.system("test")
        call_id = create_call(session, services.store, incoming, CallMetadata(), uploader).call.id
    with session_scope(services.session_factory) as session:
        job = session.scalar(select(Job).where(Job.call_id == call_id))
        assert job is not None
        job.state, job.attempts = JobState.RUNNING, 1
        session.get(Call, call_id).status = "transcribing"  # type: ignore[union-attr]

    worker = Worker(
        PipelineParts(services.session_factory, services.store, fake, analyzer.get), poll_s=0.05
    )
    assert worker.recover() == 1
    assert worker.run_pending() == 1
    assert worker.run_pending() == 0  # nothing runs twice
    with services.session_factory() as session:
        call = session.get(Call, call_id)
        assert call is not None and call.status == "done"
        segments = session.scalars(
            select(TranscriptSegment).where(TranscriptSegment.call_id == call_id)
        )
        assert len(list(segments)) == 1
        job = session.scalar(select(Job).where(Job.call_id == call_id))
        assert job is not None and job.attempts == 2 and job.state == JobState.DONE
    assert len(fake.calls) == 1


def test_job_of_deleted_call_stops_quietly(
    client: TestClient, services: Services, fake: FakeTranscriber
) -> None:
    fake.gate = threading.Event()
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for(lambda: len(fake.calls) == 1)
    assert client.delete(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 204
    fake.gate.set()
    fake.gate = None
    next_id = upload(client, SHORT_SPEECH).json()["id"]
    assert wait_for_status(client, next_id)["status"] == "done"
    with services.session_factory() as session:
        assert session.get(Call, call_id) is None
        assert next_id != call_id
        assert session.get(Call, next_id).segments[0].text == "您好世界"  # type: ignore[union-attr]


def test_hotwords_reach_whisper_only_when_switched_on(
    services: Services, fake: FakeTranscriber, analyzer: AnalyzerHolder, tmp_path: Path
) -> None:
    from huashu.runtime import pipeline_parts

    dictionary = tmp_path / "terms.txt"
    dictionary.write_text("云帆 10 n\n# a comment\n启航CRM 5\n", encoding="utf-8")
    on = services.settings.model_copy(
        update={"whisper_hotwords": True, "user_dictionary": dictionary}
    )
    cases = ((services.settings, SHORT_SPEECH, ()),
             (on, CALLS / "dev01.mono.wav", ("星河科技", "王磊", "云帆", "启航CRM")))  # fmt: skip
    for settings, audio, expected in cases:
        worker = Worker(pipeline_parts(replace(services, settings=settings), fake, analyzer))
        with (
            session_scope(services.session_factory) as session,
            services.store.receive(10**9) as incoming,
        ):
            incoming.write(audio.read_bytes())
            meta = CallMetadata(rep="王磊", customer="星河科技")
            create_call(session, services.store, incoming, meta, Principal.system("test"))
        assert worker.run_pending() == 1
        assert fake.hotwords == expected
