"""Handing jobs to Celery and the reconciler, against a recording stand-in for the broker (the
real Redis and Celery workers are in tests/test_cluster.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from auth.principal import Principal
from huashu.runtime import Services
from ingest.calls import CallMetadata, create_call
from models import Job, JobKind, JobState, session_scope, utcnow
from tests.audio_files import CALLS, SHORT_SPEECH
from worker.celery_app import TASK_NAME
from worker.dispatch import CeleryJobs

UPLOADER = Principal.system("tests")


class RecordingBroker:
    """What the reconciler sends, and a switch to make the broker unreachable."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.down = False

    def send_task(self, name: str, *, args: list[int], queue: str, retry: bool) -> None:
        assert name == TASK_NAME and retry is False
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((args[0], queue))


@pytest.fixture
def broker() -> RecordingBroker:
    return RecordingBroker()


def _jobs(services: Services, broker: RecordingBroker) -> CeleryJobs:
    return CeleryJobs(broker, services.session_factory, resend_after_s=600, stale_after_s=120)


def _new_job(services: Services, audio: Any = SHORT_SPEECH) -> int:
    with (
        session_scope(services.session_factory) as session,
        services.store.receive(10**9) as incoming,
    ):
        incoming.write(audio.read_bytes())
        call = create_call(session, services.store, incoming, CallMetadata(), UPLOADER).call
        session.flush()
        job_id = session.scalar(select(Job.id).where(Job.call_id == call.id))
        assert job_id is not None
        return job_id


def _age(services: Services, job_id: int, **values: Any) -> None:
    with session_scope(services.session_factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def test_a_job_goes_to_the_queue_of_its_kind(services: Services, broker: RecordingBroker) -> None:
    jobs = _jobs(services, broker)
    fresh = _new_job(services)
    assert jobs.send(fresh, JobKind.PROCESS_CALL) and jobs.send(fresh, JobKind.REANALYZE_CALL)
    assert broker.sent == [(fresh, "transcribe"), (fresh, "analyze")]
    with session_scope(services.session_factory) as session:
        assert session.get(Job, fresh).dispatched_at is not None  # type: ignore[union-attr]


def test_jobs_the_broker_never_got_are_sent_once_it_is_back(
    services: Services, broker: RecordingBroker
) -> None:
    jobs = _jobs(services, broker)
    job_id = _new_job(services)
    broker.down = True
    assert jobs.send(job_id, JobKind.PROCESS_CALL) is False  # the upload itself was accepted
    _age(services, job_id, created_at=utcnow() - timedelta(minutes=1))
    assert jobs.reconcile() == 0  # still down: nothing sent, nothing lost
    broker.down = False
    assert jobs.reconcile() == 1 and broker.sent == [(job_id, "transcribe")]
    assert jobs.reconcile() == 0  # handed over now: not sent again


def test_two_reconcilers_never_send_one_job_twice(
    services: Services, broker: RecordingBroker
) -> None:
    job_id = _new_job(services)
    _age(services, job_id, created_at=utcnow() - timedelta(minutes=1))
    first, second = _jobs(services, broker), _jobs(services, broker)
    assert first.reconcile() + second.reconcile() == 1


def test_a_retry_is_sent_when_it_comes_due_and_a_lost_task_after_resend_after(
    services: Services, broker: RecordingBroker
) -> None:
    jobs = _jobs(services, broker)
    retry, lost = _new_job(services), _new_job(services, CALLS / "dev01.mono.wav")
    handed = utcnow() - timedelta(minutes=5)
    _age(services, retry, dispatched_at=handed, run_after=utcnow() + timedelta(minutes=1))
    _age(services, lost, dispatched_at=utcnow() - timedelta(minutes=11))
    assert jobs.reconcile() == 1 and broker.sent == [(lost, "transcribe")]
    _age(services, retry, run_after=utcnow() - timedelta(seconds=1))  # the retry is due now
    assert jobs.reconcile() == 1 and broker.sent[-1] == (retry, "transcribe")


def test_a_running_job_whose_worker_went_silent_is_queued_again(
    services: Services, broker: RecordingBroker
) -> None:
    jobs = _jobs(services, broker)
    job_id = _new_job(services)
    silent = utcnow() - timedelta(minutes=5)
    _age(services, job_id, state=JobState.RUNNING, attempts=1, heartbeat_at=silent,
         dispatched_at=silent)  # fmt: skip
    assert jobs.reconcile() == 1  # revived and sent again
    with session_scope(services.session_factory) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.QUEUED
        assert "stopped answering during attempt 1" in (job.last_error or "")
    _age(services, job_id, state=JobState.RUNNING, attempts=3, heartbeat_at=silent)
    jobs.reconcile()  # on its last attempt: it fails instead
    with session_scope(services.session_factory) as session:
        assert session.scalar(select(Job.state).where(Job.id == job_id)) == JobState.FAILED
