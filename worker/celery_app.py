"""Celery: jobs run on worker processes on any machine (`huashu worker`), GPU machines included.

The Celery task carries only the job id; the database row stays the source of truth. The task
claims the row (queued → running, one atomic UPDATE) and runs it, so a task delivered twice runs
once. Tasks are acknowledged late (after the run) with a prefetch of one, and two queues keep
fresh calls ahead of mass re-analysis: `transcribe` (uploads) and `analyze` (re-analysis), which
a worker reads in that order.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from worker.runner import JobExecutor

__all__ = ["QUEUES", "TASK_NAME", "make_celery", "use_executor"]

TASK_NAME = "huashu.run_job"
QUEUES = ("transcribe", "analyze")  # in the order a worker takes them
log = logging.getLogger("huashu.worker")
_executor: JobExecutor | None = None
_after_fork: list[Any] = []  # what each worker child resets (the database pool)


def make_celery(broker_url: str, visibility_timeout_s: int) -> Celery:
    app = Celery("huashu", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # a worker that dies mid-job leaves the task to be delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a long call never holds back the next one's start
        task_default_queue=QUEUES[0],
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout_s,  # longer than the longest allowed call
            "queue_order_strategy": "priority",  # transcribe before analyze, every time
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
        },
    )
    app.task(name=TASK_NAME, acks_late=True)(run_job)
    return app


def use_executor(executor: JobExecutor, reset_after_fork: Any = None) -> None:
    """Set what this worker process runs its tasks with (`huashu worker` does, at start)."""
    global _executor
    _executor = executor
    if reset_after_fork is not None:
        _after_fork.append(reset_after_fork)


def _in_child(**_kwargs: Any) -> None:
    """A forked child must not share its parent's database connections."""
    for reset in _after_fork:
        reset()


worker_process_init.connect(_in_child, weak=False)


def run_job(job_id: int) -> None:
    """The task: run the job if it is still queued and due (else it ran, or runs, elsewhere)."""
    if _executor is None:
        raise RuntimeError("this process was not set up as a Huashu worker")
    if _executor.claim(job_id):
        _executor.run(job_id)
    else:
        log.info("job %d is not queued and due any more: nothing to do", job_id)
