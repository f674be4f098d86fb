"""Wiring: build the engine, store, transcriber, worker and app from one `Settings`."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from celery import Celery
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from api import AppState, create_app
from asr import BUNDLED_MODEL, Transcriber, TranscriptionOptions, WhisperTranscriber, resolve_model
from auth.accounts import ensure_first_admin
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from ingest.storage import AudioStore, LocalAudioStore, S3AudioStore
from models import SessionFactory, create_db_engine, make_session_factory, session_scope
from models.migrate import upgrade_to_head
from sales.segments import RfmWindow, refresh_scores
from search.trackers import StartCount, count_everywhere, resume_counts
from worker import PipelineParts, Worker
from worker.celery_app import make_celery, use_executor
from worker.dispatch import CeleryJobs
from worker.runner import JobExecutor, JobQueue

__all__ = [
    "FIRST_ADMIN_FILE",
    "FirstAdmin",
    "Services",
    "StartupError",
    "build_analyzer",
    "build_app",
    "build_celery_jobs",
    "build_store",
    "build_transcriber",
    "build_worker",
    "celery_worker_argv",
    "ensure_first_admin_file",
    "lock_worker",
    "model_label",
    "open_services",
    "run_celery_worker",
]


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    store: AudioStore


_log = logging.getLogger("huashu.runtime")


class StartupError(Exception):
    """A setting that does not work on this machine; the message names it, in one line."""


def open_services(settings: Settings) -> Services:
    """Database migrated to the latest schema, audio store ready, leftovers of a crash removed."""
    _make_folder(settings.data_dir, "HUASHU_DATA_DIR")
    engine = _migrated_engine(settings.resolved_database_url)
    store = build_store(settings)
    store.clear_incoming()
    return Services(settings, engine, make_session_factory(engine), store)


def build_store(settings: Settings) -> AudioStore:
    """The local folder, or the bucket HUASHU_STORAGE_URL names (created when missing)."""
    if settings.storage_url is None:
        return LocalAudioStore(settings.audio_dir)
    bucket, _, prefix = settings.storage_url.removeprefix("s3://").partition("/")
    client = _s3_client(settings)
    try:
        _ensure_bucket(client, bucket)
    except Exception as exc:  # boto3's errors: a refused connection, a wrong key…
        raise StartupError(f"HUASHU_STORAGE_URL: cannot use bucket {bucket!r} ({exc})") from None
    return S3AudioStore(client, bucket, prefix, settings.data_dir / "incoming")


def _s3_client(settings: Settings) -> Any:
    import boto3  # only where a bucket is used
    from botocore.config import Config

    secret = settings.s3_secret_key
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key.get_secret_value()
        if settings.s3_access_key
        else None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2}),
    )


def _ensure_bucket(client: Any, bucket: str) -> None:
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.ClientError as exc:  # another process made it meanwhile: fine
        if exc.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise


def _make_folder(folder: Path, setting: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StartupError(f"{setting}: {folder} is a file, not a folder") from None
    except PermissionError:
        raise StartupError(f"{setting}: no permission to create {folder}") from None


def _migrated_engine(url: str) -> Engine:
    try:
        engine = create_db_engine(url)
        upgrade_to_head(engine)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StartupError(f"HUASHU_DATABASE_URL: not a database URL we can use ({exc})") from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StartupError(f"HUASHU_DATABASE_URL: cannot open the database ({reason})") from None
    return engine


FIRST_ADMIN_FILE = "first-admin-password.txt"


@dataclass(frozen=True)
class FirstAdmin:
    login: str
    password_file: Path


def ensure_first_admin_file(services: Services) -> FirstAdmin | None:
    """Fresh install: create the admin account and leave its password in a file only the owner
    can read, so the person who started the service can sign in (and then change it)."""
    with session_scope(services.session_factory) as session:
        made = ensure_first_admin(session)
        if made is None:
            return None
        user, password = made
        login = user.login or ""
    path = services.settings.data_dir / FIRST_ADMIN_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(password + "\n", encoding="utf-8")
    return FirstAdmin(login, path)


def build_transcriber(settings: Settings) -> WhisperTranscriber:
    """The bundled model is assembled and verified here, once, before anything is accepted."""
    model = resolve_model(settings.whisper_model, settings.resolved_model_cache_dir)
    display = model_label(settings)
    options = TranscriptionOptions(
        language=settings.language_or_none,
        beam_size=settings.whisper_beam_size,
        batch_size=settings.whisper_batch_size,
    )
    return WhisperTranscriber(
        model,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.cpu_threads,
        options=options,
        display_name=display,
    )


def model_label(settings: Settings) -> str:
    """The model's name as the API shows it."""
    bundled = settings.whisper_model == BUNDLED_MODEL
    return "whisper-base (bundled)" if bundled else settings.whisper_model


WORKER_LOCK_FILE = "worker.lock"


def lock_worker(settings: Settings) -> TextIO:
    """Only one worker per data folder: take an exclusive lock on a file in it, held while the
    returned file stays open (the process's lifetime). A second one is refused by name."""
    path = settings.data_dir / WORKER_LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StartupError(
            f"HUASHU_DATA_DIR: {settings.data_dir} already has a running worker (pid {holder}); "
            "stop it, or start this one with --no-worker to serve the API only"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def build_worker(services: Services, transcriber: Transcriber, analyzer: AnalyzerHolder) -> Worker:
    settings = services.settings
    parts = pipeline_parts(services, transcriber, analyzer)
    return Worker(parts, poll_s=settings.worker_poll_s, retry_delay_s=settings.job_retry_delay_s)


def pipeline_parts(
    services: Services, transcriber: Transcriber, analyzer: AnalyzerHolder
) -> PipelineParts:
    """What a job needs, from the settings: limits, time zone, and hotwords when they are on."""
    settings = services.settings
    return PipelineParts(
        services.session_factory, services.store, transcriber, analyzer.get, settings.timezone,
        max_seconds=settings.max_call_seconds, hotwords=team_terms(settings),
        lexicon=analyzer.lexicon if settings.correct_homophones else None,
    )  # fmt: skip


def team_terms(settings: Settings) -> tuple[str, ...] | None:
    """The user dictionary's words, as hotwords; None when hotwords are off."""
    if not settings.whisper_hotwords:
        return None
    if settings.user_dictionary is None:
        return ()
    lines = settings.user_dictionary.read_text(encoding="utf-8").splitlines()
    return tuple(line.split()[0] for line in lines if line.strip() and not line.startswith("#"))


def build_analyzer(settings: Settings) -> AnalyzerHolder:
    dictionaries = [settings.user_dictionary] if settings.user_dictionary else []
    return AnalyzerHolder(dictionaries, settings.classifier_cache_dir)


def build_app(
    services: Services, jobs: JobQueue | None, model_name: str, analyzer: AnalyzerHolder
) -> FastAPI:
    """The app; `jobs` runs what uploads queue (the embedded worker, or Celery), None for none."""
    state = AppState(
        settings=services.settings,
        session_factory=services.session_factory,
        store=services.store,
        analyzer=analyzer,
        dispatch=jobs.dispatch if jobs else None,
        worker_alive=jobs.is_alive if jobs else None,
        model_name=model_name,
        count_tracker=tracker_counter(services.session_factory),
        refresh_rfm=score_refresher(services.session_factory),
    )

    def on_startup() -> None:
        if jobs:
            jobs.start()
        if state.count_tracker is not None:  # counts a restart cut off
            resume_counts(services.session_factory, state.count_tracker)

    return create_app(state, on_startup=on_startup, on_shutdown=jobs.stop if jobs else None)


def tracker_counter(factory: SessionFactory) -> StartCount:
    """Counts a saved tracker over every call in a thread of this process (short batches of
    writes, see search.trackers); a failure is logged, and the next start counts it again."""

    def count(tracker_id: int, count_round: int) -> None:
        try:
            count_everywhere(factory, tracker_id, count_round)
        except Exception:
            _log.exception("counting tracker %d stopped; it is counted again at the next start",
                           tracker_id)  # fmt: skip

    def start(tracker_id: int, count_round: int) -> None:
        threading.Thread(target=count, args=(tracker_id, count_round), daemon=True,
                         name=f"tracker-count-{tracker_id}").start()  # fmt: skip

    return start


def score_refresher(factory: SessionFactory) -> Callable[[RfmWindow], None]:
    """Refreshes the stored RFM scores in a thread of this process, one refresh at a time (a
    request that finds them stale while one runs asks for nothing more)."""
    running = threading.Lock()

    def refresh(window: RfmWindow) -> None:
        try:
            refresh_scores(factory, window)
        except Exception:
            _log.exception("refreshing the RFM scores failed; the next read asks again")
        finally:
            running.release()

    def start(window: RfmWindow) -> None:
        if running.acquire(blocking=False):
            threading.Thread(
                target=refresh, args=(window,), daemon=True, name="rfm-refresh"
            ).start()

    return start


def run_celery_worker(services: Services, transcriber: Transcriber) -> Celery:
    """Set this process up to run Huashu's Celery tasks; returns the Celery app to start. The
    reconciler runs here too, so jobs are looked after even with no API process up."""
    settings = services.settings
    analyzer = build_analyzer(settings)
    analyzer.get()  # loaded before Celery says "ready", so the first job is not the slow one
    parts = pipeline_parts(services, transcriber, analyzer)
    if parts.lexicon is not None:
        parts.lexicon()
    use_executor(
        JobExecutor(parts, retry_delay_s=settings.job_retry_delay_s),
        reset_after_fork=lambda: services.engine.dispose(close=False),
    )
    jobs = build_celery_jobs(services)
    jobs.start()
    return jobs.app


def celery_worker_argv(concurrency: int, queues: str, pool: str) -> list[str]:
    """What `huashu worker` hands to Celery (bench/simulated_worker.py starts the same way)."""
    return ["worker", f"--concurrency={concurrency}", f"--queues={queues}", f"--pool={pool}",
            "--loglevel=INFO", f"--hostname=huashu-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle"]  # fmt: skip


def build_celery_jobs(services: Services) -> CeleryJobs:
    """Jobs handed to Celery workers through HUASHU_BROKER_URL (with the reconciler)."""
    settings = services.settings
    assert settings.broker_url is not None
    app = make_celery(settings.broker_url, settings.job_visibility_timeout_s)
    return CeleryJobs(
        app,
        services.session_factory,
        resend_after_s=settings.job_resend_after_s,
        stale_after_s=settings.job_stale_after_s,
        interval_s=settings.job_reconcile_every_s,
    )
