"""What the HTTP layer needs from the running service, set once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from huashu.settings import Settings
from ingest.analysis import AnalyzerHolder
from ingest.storage import AudioStore
from models import SessionFactory

__all__ = ["AppState"]


@dataclass(frozen=True)
class AppState:
    settings: Settings
    session_factory: SessionFactory
    store: AudioStore
    analyzer: AnalyzerHolder
    wake_worker: Callable[[], None] | None = None  # None when no worker runs in this process
    worker_alive: Callable[[], bool] | None = None
    model_name: str = ""
