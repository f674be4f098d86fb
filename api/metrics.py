"""Prometheus metrics for /metrics: how the jobs stand (read from the database at each scrape,
so every API process reports the same cluster-wide figures) and how fast requests are answered
(per process, labelled by route template)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from models import Call, Job, JobKind, JobState, SessionFactory, session_scope, utcnow

__all__ = ["RequestTimer", "build_registry"]

_RECENT = timedelta(hours=24)  # the transcription speed is measured over the last day's jobs


class _JobFigures(Collector):
    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with session_scope(self._factory, write=False) as session:
            counts = session.execute(select(Job.state, func.count()).group_by(Job.state))
            by_state = {state: count for state, count in counts}
            due = session.scalar(
                select(func.count()).where(Job.state == JobState.QUEUED, Job.run_after <= utcnow())
            )
            speed = _seconds_per_audio_second(session)
            again = session.scalar(select(func.count()).where(Job.attempts > 1))
        jobs = GaugeMetricFamily("huashu_jobs", "Jobs by state.", labels=["state"])
        for state in (JobState.QUEUED, JobState.RUNNING, JobState.DONE, JobState.FAILED):
            jobs.add_metric([state], by_state.get(state, 0))
        yield jobs
        yield GaugeMetricFamily(
            "huashu_queue_depth", "Queued jobs that are due now.", value=due or 0
        )
        yield GaugeMetricFamily(
            "huashu_jobs_failed",
            "Jobs that failed for good.",
            value=by_state.get(JobState.FAILED, 0),
        )
        yield GaugeMetricFamily(
            "huashu_jobs_run_again",
            "Jobs that needed more than one attempt: retried after an error, or revived after "
            "their worker died (the log says which, with the reason).",
            value=again or 0,
        )
        yield GaugeMetricFamily(
            "huashu_transcription_seconds_per_audio_second",
            "Wall time per second of audio, calls transcribed in the last 24 hours.",
            value=speed,
        )


def _seconds_per_audio_second(session: Any) -> float:
    elapsed = func.sum(_elapsed_seconds(session.get_bind().dialect.name))
    finished = (Job.kind == JobKind.PROCESS_CALL, Job.state == JobState.DONE,
                Job.finished_at >= utcnow() - _RECENT)  # fmt: skip
    spent, audio = session.execute(
        select(elapsed, func.sum(Call.duration_s))
        .join(Call, Call.id == Job.call_id)
        .where(*finished)
    ).one()
    return round(float(spent) / float(audio), 4) if spent and audio else 0.0


def _elapsed_seconds(dialect: str) -> Any:
    if dialect == "sqlite":
        return (func.julianday(Job.finished_at) - func.julianday(Job.started_at)) * 86400.0
    return func.extract("epoch", Job.finished_at - Job.started_at)


class RequestTimer:
    """ASGI middleware: request latency by method, route template and status class."""

    def __init__(self, app: Any, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), {"code": 500}

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            labels = (scope["method"], route, f"{status['code'] // 100}xx")
            self.histogram.labels(*labels).observe(time.perf_counter() - started)


def build_registry(factory: SessionFactory) -> tuple[CollectorRegistry, Histogram]:
    """One registry per app (tests build many apps in one process)."""
    registry = CollectorRegistry()
    registry.register(_JobFigures(factory))
    latency = Histogram(
        "huashu_http_request_duration_seconds", "Time to answer a request.",
        ["method", "route", "status"], registry=registry,
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )  # fmt: skip
    return registry, latency
