"""Handing committed jobs to Celery, and keeping the broker honest (the reconciler).

`dispatch` only puts the job id in an outbox; a sender thread publishes it, so an upload never
waits for (or fails with) the broker. Whatever gets lost on the way — Redis was down, a worker
died with the task, a retry came due — the reconciler finds in the database and sends again:

- a queued, due job that was never handed over (or not since it became due: a retry);
- a queued job handed over longer than `resend_after_s` ago (the task was lost);
- a running job whose worker has not shown a sign of life for `stale_after_s` (progress writes
  are the heartbeat): it is queued again, and that counts as an attempt.

Sending twice is harmless: the task runs only if it can claim a queued job.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from models import Job, JobKind, JobState, SessionFactory, session_scope, utcnow
from worker.celery_app import TASK_NAME
from worker.runner import requeue_or_fail

__all__ = ["CeleryJobs"]

log = logging.getLogger("huashu.dispatch")
_NEW_JOB_GRACE = timedelta(seconds=10)  # the sender's own turn comes first


class CeleryJobs:
    """The job side of an API (or worker) process when jobs run on Celery."""

    def __init__(
        self,
        app: Any,
        factory: SessionFactory,
        *,
        resend_after_s: float,
        stale_after_s: float,
        interval_s: float = 15.0,
    ) -> None:
        self._app = app
        self._factory = factory
        self._resend_after = timedelta(seconds=resend_after_s)
        self._stale_after = timedelta(seconds=stale_after_s)
        self._interval_s = interval_s
        self._outbox: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def app(self) -> Any:
        return self._app

    def dispatch(self, job_id: int, kind: str) -> None:
        self._outbox.put((job_id, kind))

    def start(self) -> None:
        self._stop.clear()
        for target, name in ((self._send_loop, "sender"), (self._reconcile_loop, "reconciler")):
            thread = threading.Thread(target=target, name=f"huashu-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def is_alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def send(self, job_id: int, kind: str) -> bool:
        """Publish one job to its queue and note when; False when the broker is unreachable."""
        try:
            self._app.send_task(TASK_NAME, args=[job_id], queue=JobKind.queue(kind), retry=False)
        except Exception as exc:  # kombu's errors for a broker that is down, or timing out
            log.warning("job %d could not be sent (%s); the reconciler sends it later", job_id, exc)
            return False
        with session_scope(self._factory) as session:
            session.execute(update(Job).where(Job.id == job_id).values(dispatched_at=utcnow()))
        return True

    def reconcile(self) -> int:
        """One round: revive jobs of dead workers, send what was lost. Returns how many it sent."""
        self._revive_stale()
        sent = 0
        for job_id, kind in self._lost_jobs():
            if self.send(job_id, kind):
                sent += 1
            else:  # the broker is away: leave the job as never handed over, for the next round
                self._unmark(job_id)
        return sent

    def _unmark(self, job_id: int) -> None:
        with session_scope(self._factory) as session:
            session.execute(update(Job).where(Job.id == job_id).values(dispatched_at=None))

    def _revive_stale(self) -> None:
        dead_since = utcnow() - self._stale_after
        with session_scope(self._factory) as session:
            stale = session.scalars(
                select(Job).where(Job.state == JobState.RUNNING, Job.heartbeat_at < dead_since)
            )
            for job in stale:
                reason = f"its worker stopped answering during attempt {job.attempts}"
                requeue_or_fail(session, job, reason, retry=True, delay=timedelta())

    def _lost_jobs(self) -> list[tuple[int, str]]:
        """Claim the resend of each job that needs one (one UPDATE: two reconcilers never both
        send the same job) and return them."""
        now = utcnow()
        needs_sending = and_(
            Job.state == JobState.QUEUED,
            Job.run_after <= now,
            or_(
                and_(Job.dispatched_at.is_(None), Job.created_at < now - _NEW_JOB_GRACE),
                Job.dispatched_at < Job.run_after,
                Job.dispatched_at < now - self._resend_after,
            ),
        )
        with session_scope(self._factory) as session:
            due = list(session.execute(select(Job.id, Job.kind).where(needs_sending).limit(500)))
            claimed = []
            for job_id, kind in due:
                mark = update(Job).where(Job.id == job_id, needs_sending).values(dispatched_at=now)
                if session.execute(mark).rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append((job_id, kind))
        return claimed

    def _send_loop(self) -> None:
        while (item := self._outbox.get()) is not None:
            self.send(*item)

    def _reconcile_loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.reconcile()
            except Exception:  # the database or the broker is briefly away: next round
                log.exception("reconciling jobs failed")
