"""Logging for the service and its workers: one line per event, carrying the job and call it
concerns, as plain text (default) or as JSON lines for a log collector (HUASHU_LOG_FORMAT=json).

The ids travel in context variables: the worker sets them around each job, so every line a job
causes (Whisper's, the database's, ours) says which call it was about.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["job_context", "setup_logging"]

_JOB: ContextVar[int | None] = ContextVar("huashu_job_id", default=None)
_CALL: ContextVar[int | None] = ContextVar("huashu_call_id", default=None)


@contextmanager
def job_context(job_id: int, call_id: int | None = None) -> Iterator[None]:
    job, call = _JOB.set(job_id), _CALL.set(call_id)
    try:
        yield
    finally:
        _JOB.reset(job)
        _CALL.reset(call)


class _Ids(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id, record.call_id = _JOB.get(), _CALL.get()
        return True


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{k}={v}" for k in ("job_id", "call_id") if (v := getattr(record, k, None)))
        return f"{line} [{ids}]" if ids else line


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage(),
                 "job_id": getattr(record, "job_id", None), "call_id": getattr(record, "call_id", None)}  # fmt: skip
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


def setup_logging(fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_Ids())
    text = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(_Json() if fmt == "json" else _Text(text))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
