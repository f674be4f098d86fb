"""Wiring: build the engine, store, transcriber, worker and app from one `Settings`."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from api import AppState, create_app
from asr import BUNDLED_MODEL, Transcriber, TranscriptionOptions, WhisperTranscriber, resolve_model
from auth.accounts import ensure_first_admin
from huashu.settings import Settings
from ingest.analysis import AnalyzerHolder
from ingest.storage import AudioStore
from models import SessionFactory, create_db_engine, make_session_factory, session_scope
from models.migrate import upgrade_to_head
from worker import PipelineParts, Worker

__all__ = [
    "FIRST_ADMIN_FILE",
    "FirstAdmin",
    "Services",
    "StartupError",
    "build_analyzer",
    "build_app",
    "build_transcriber",
    "build_worker",
    "ensure_first_admin_file",
    "lock_worker",
    "model_label",
    "open_services",
]


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    store: AudioStore


class StartupError(Exception):
    """A setting that does not work on this machine; the message names it, in one line."""


def open_services(settings: Settings) -> Services:
    """Database migrated to the latest schema, audio store ready, leftovers of a crash removed."""
    _make_folder(settings.data_dir, "HUASHU_DATA_DIR")
    engine = _migrated_engine(settings.resolved_database_url)
    store = AudioStore(settings.audio_dir)
    store.clear_incoming()
    return Services(settings, engine, make_session_factory(engine), store)


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
        language=settings.language_or_none, beam_size=settings.whisper_beam_size
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
    parts = PipelineParts(
        services.session_factory, services.store, transcriber, analyzer.get, settings.timezone
    )
    return Worker(parts, poll_s=settings.worker_poll_s, retry_delay_s=settings.job_retry_delay_s)


def build_analyzer(settings: Settings) -> AnalyzerHolder:
    dictionaries = [settings.user_dictionary] if settings.user_dictionary else []
    return AnalyzerHolder(dictionaries)


def build_app(
    services: Services, worker: Worker | None, model_name: str, analyzer: AnalyzerHolder
) -> FastAPI:
    state = AppState(
        settings=services.settings,
        session_factory=services.session_factory,
        store=services.store,
        analyzer=analyzer,
        wake_worker=worker.wake if worker else None,
        worker_alive=worker.is_alive if worker else None,
        model_name=model_name,
    )
    return create_app(
        state,
        on_startup=worker.start if worker else None,
        on_shutdown=worker.stop if worker else None,
    )
