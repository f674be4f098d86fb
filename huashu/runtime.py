"""Wiring: build the engine, store, transcriber, worker and app from one `Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from api import AppState, create_app
from asr import BUNDLED_MODEL, Transcriber, TranscriptionOptions, WhisperTranscriber, resolve_model
from auth.tokens import create_first_token
from huashu.settings import Settings
from ingest.analysis import AnalyzerHolder
from ingest.storage import AudioStore
from models import SessionFactory, create_db_engine, make_session_factory, session_scope
from models.migrate import upgrade_to_head
from worker import PipelineParts, Worker

__all__ = [
    "FIRST_TOKEN_FILE",
    "Services",
    "build_analyzer",
    "build_app",
    "build_transcriber",
    "build_worker",
    "ensure_first_token",
    "open_services",
]


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    store: AudioStore


def open_services(settings: Settings) -> Services:
    """Database migrated to the latest schema, audio store ready, leftovers of a crash removed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    store = AudioStore(settings.audio_dir)
    store.clear_incoming()
    return Services(settings, engine, make_session_factory(engine), store)


FIRST_TOKEN_FILE = "first-admin-token.txt"


def ensure_first_token(services: Services) -> Path | None:
    """Fresh install without HUASHU_ADMIN_TOKEN: create an admin token and leave it in a file
    only the owner can read, so the person who started the service can sign in."""
    if services.settings.admin_token is not None:
        return None
    with session_scope(services.session_factory) as session:
        token = create_first_token(session)
    if token is None:
        return None
    path = services.settings.data_dir / FIRST_TOKEN_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    return path


def build_transcriber(settings: Settings) -> WhisperTranscriber:
    """The bundled model is assembled and verified here, once, before anything is accepted."""
    model = resolve_model(settings.whisper_model, settings.resolved_model_cache_dir)
    display = (
        "whisper-base (bundled)"
        if settings.whisper_model == BUNDLED_MODEL
        else settings.whisper_model
    )
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
