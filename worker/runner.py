"""Running jobs. The database job row is the source of truth for state and progress, whoever
runs the job: the embedded worker thread of `huashu serve` (the default), or Celery workers on
other machines (`huashu worker`, see worker/celery_app.py).

- Jobs hold ids only; each run opens its own sessions.
- Claiming is one atomic UPDATE (queued → running), so a job delivered twice runs once.
- A job that raises is retried after a growing delay, up to its `max_attempts`; bad audio is
  not retried. A job left running by a process that died counts that as an attempt.
- Nothing a job does can stop the worker.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asr import AudioError
from core.logs import job_context
from models import Call, CallStatus, Job, JobState, session_scope, utcnow
from worker.pipeline import CallGone, PipelineParts, process_call

__all__ = ["JobExecutor", "JobQueue", "Worker", "requeue_or_fail"]

log = logging.getLogger("huashu.worker")
JobRunner = Callable[[int], None]


class JobQueue(Protocol):
    """Whoever runs the jobs that uploads queue: told of each committed job, started and
    stopped with the app."""

    def dispatch(self, job_id: int, kind: str) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...


class JobExecutor:
    """Claims and runs one job at a time, and records how it ended."""

    def __init__(self, parts: PipelineParts, *, retry_delay_s: float = 10.0) -> None:
        self._factory = parts.factory
        self._run_job: JobRunner = lambda job_id: process_call(parts, job_id)
        self._retry_delay = timedelta(seconds=retry_delay_s)

    def claim_next(self) -> int | None:
        """The oldest due queued job, now running; None when there is none."""
        with session_scope(self._factory) as session:
            job_id = session.scalar(
                select(Job.id)
                .where(Job.state == JobState.QUEUED, Job.run_after <= utcnow())
                .order_by(Job.id)
                .limit(1)
            )
        return job_id if job_id is not None and self.claim(job_id) else None

    def claim(self, job_id: int) -> bool:
        """Move this job from queued to running; False when it is not queued and due (it is
        running elsewhere, done, deleted, or waiting for its retry)."""
        with session_scope(self._factory) as session:
            now = utcnow()
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.QUEUED, Job.run_after <= now)
                .values(
                    state=JobState.RUNNING,
                    attempts=Job.attempts + 1,
                    started_at=now,
                    heartbeat_at=now,
                )
            )
            return claimed.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def run(self, job_id: int) -> None:
        """Run a claimed job; whatever happens is recorded on its row (and every log line it
        causes carries its ids)."""
        with job_context(job_id, self._call_of(job_id)):
            self._run_logged(job_id)

    def _call_of(self, job_id: int) -> int | None:
        with session_scope(self._factory, write=False) as session:
            return session.scalar(select(Job.call_id).where(Job.id == job_id))

    def _run_logged(self, job_id: int) -> None:
        log.info("job %d started", job_id)
        try:
            self._run_job(job_id)
        except CallGone:
            log.info("job %d: its call was deleted, nothing to do", job_id)
        except AudioError as exc:  # the file itself is bad: retrying cannot help
            self._record_failure(job_id, f"the audio cannot be transcribed: {exc}", retry=False)
        except Exception as exc:
            log.error("job %d failed:\n%s", job_id, traceback.format_exc())
            self._record_failure(job_id, f"{type(exc).__name__}: {exc}", retry=True)

    def _record_failure(self, job_id: int, reason: str, *, retry: bool) -> None:
        try:
            with session_scope(self._factory) as session:
                job = session.get(Job, job_id)
                if job is not None:
                    delay = self._retry_delay * job.attempts
                    requeue_or_fail(session, job, reason, retry=retry, delay=delay)
        except Exception:
            log.exception("job %d: could not record its failure", job_id)


def requeue_or_fail(
    session: Session, job: Job, reason: str, *, retry: bool, delay: timedelta
) -> None:
    """Queue the job again after `delay`, or fail it for good once its attempts are used up."""
    job.last_error = reason
    if retry and job.attempts < job.max_attempts:
        job.state = JobState.QUEUED
        job.run_after = utcnow() + delay
        note = f"attempt {job.attempts} of {job.max_attempts} failed ({reason}); will retry"
        _set_call(session, job.call_id, CallStatus.QUEUED, note)
        log.warning("job %s (call %s) queued again: %s", job.id, job.call_id, note)
        return
    log.error("job %s (call %s) failed for good after %d attempts: %s", job.id, job.call_id,
               job.attempts, reason)  # fmt: skip
    job.state = JobState.FAILED
    job.finished_at = utcnow()
    _set_call(session, job.call_id, CallStatus.FAILED, reason)


class Worker:
    """The embedded worker: a thread in `huashu serve` that runs due jobs one after another."""

    def __init__(
        self, parts: PipelineParts, *, poll_s: float = 2.0, retry_delay_s: float = 10.0
    ) -> None:
        self._factory = parts.factory
        self._executor = JobExecutor(parts, retry_delay_s=retry_delay_s)
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        requeued = self.recover()
        if requeued:
            log.info("re-queued %d job(s) interrupted by the last shutdown", requeued)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="huashu-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def dispatch(self, _job_id: int, _kind: str) -> None:
        """Called after an upload commits: look for work now instead of at the next poll."""
        self._wake.set()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def recover(self) -> int:
        """Put jobs that were running when the process died back in the queue. The crash counts
        as an attempt: a job that brought the process down on its last attempt fails, so one
        poisonous file cannot crash the service again at every start."""
        with session_scope(self._factory) as session:
            stuck = list(session.scalars(select(Job).where(Job.state == JobState.RUNNING)))
            for job in stuck:
                reason = f"the service stopped during attempt {job.attempts} of this job"
                requeue_or_fail(session, job, reason, retry=True, delay=timedelta())
            return len(stuck)

    def run_pending(self) -> int:
        """Run queued jobs until none is due; returns how many ran (used by tests and the CLI)."""
        count = 0
        while (job_id := self._executor.claim_next()) is not None:
            self._executor.run(job_id)
            count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._executor.claim_next()
            except Exception:  # the database may be briefly locked; never let the thread die
                log.exception("could not claim a job")
                job_id = None
            if job_id is None:
                self._wake.wait(self._poll_s)
                self._wake.clear()
                continue
            self._executor.run(job_id)


def _set_call(session: Session, call_id: int, status: str, error: str | None) -> None:
    session.execute(update(Call).where(Call.id == call_id).values(status=status, error=error))
