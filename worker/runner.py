"""The job worker: a thread that claims queued jobs from the database and runs them.

- Jobs hold ids only; each run opens its own sessions.
- At start, jobs left `running` by a crash go back to the queue (one worker process per
  database: `huashu serve` is that process).
- A job that raises is retried after a delay, up to its `max_attempts`; bad audio is not
  retried. Nothing a job does can stop the worker thread.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asr import AudioError
from models import Call, CallStatus, Job, JobState, session_scope, utcnow
from worker.pipeline import CallGone, PipelineParts, process_call

__all__ = ["Worker"]

log = logging.getLogger("huashu.worker")
JobRunner = Callable[[int], None]


class Worker:
    def __init__(
        self, parts: PipelineParts, *, poll_s: float = 2.0, retry_delay_s: float = 10.0
    ) -> None:
        self._factory = parts.factory
        self._run_job: JobRunner = lambda job_id: process_call(parts, job_id)
        self._poll_s = poll_s
        self._retry_delay = timedelta(seconds=retry_delay_s)
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

    def wake(self) -> None:
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
                self._fail_or_requeue(session, job, reason, retry=True, wait=False)
            return len(stuck)

    def run_pending(self) -> int:
        """Run queued jobs until none is due; returns how many ran (used by tests and the CLI)."""
        count = 0
        while (job_id := self._claim()) is not None:
            self._run(job_id)
            count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._claim()
            except Exception:  # the database may be briefly locked; never let the thread die
                log.exception("could not claim a job")
                job_id = None
            if job_id is None:
                self._wake.wait(self._poll_s)
                self._wake.clear()
                continue
            self._run(job_id)

    def _claim(self) -> int | None:
        with session_scope(self._factory) as session:
            job_id = session.scalar(
                select(Job.id)
                .where(Job.state == JobState.QUEUED, Job.run_after <= utcnow())
                .order_by(Job.id)
                .limit(1)
            )
            if job_id is None:
                return None
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.QUEUED)
                .values(state=JobState.RUNNING, attempts=Job.attempts + 1, started_at=utcnow())
            )
            return job_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]

    def _run(self, job_id: int) -> None:
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
                    self._fail_or_requeue(session, job, reason, retry)
        except Exception:
            log.exception("job %d: could not record its failure", job_id)

    def _fail_or_requeue(
        self, session: Session, job: Job, reason: str, retry: bool, *, wait: bool = True
    ) -> None:
        """Queue the job again (after a growing delay, unless `wait` is off), or fail it for good
        once its attempts are used up."""
        job.last_error = reason
        if retry and job.attempts < job.max_attempts:
            job.state = JobState.QUEUED
            job.run_after = utcnow() + (self._retry_delay * job.attempts if wait else timedelta())
            note = f"attempt {job.attempts} of {job.max_attempts} failed ({reason}); will retry"
            _set_call(session, job.call_id, CallStatus.QUEUED, note)
            return
        job.state = JobState.FAILED
        job.finished_at = utcnow()
        _set_call(session, job.call_id, CallStatus.FAILED, reason)


def _set_call(session: Session, call_id: int, status: str, error: str | None) -> None:
    session.execute(update(Call).where(Call.id == call_id).values(status=status, error=error))
