"""What the HTTP layer needs from the running service, set once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from auth.throttle import FailureThrottle
from auth.tokens import TokenUsage
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from ingest.storage import AudioStore
from models import SessionFactory
from sales.segments import RfmWindow

__all__ = ["AppState"]


@dataclass(frozen=True)
class AppState:
    settings: Settings
    session_factory: SessionFactory
    store: AudioStore
    analyzer: AnalyzerHolder
    # Hands a committed job (id, kind) to whoever runs jobs: the embedded worker, or Celery.
    dispatch: Callable[[int, str], None] | None = None
    worker_alive: Callable[[], bool] | None = None
    # Counts a saved tracker over every stored call, after the commit (tracker id, round).
    count_tracker: Callable[[int, int], None] | None = None
    # Refreshes the stored RFM scores in the background (sales.segments.refresh_scores).
    refresh_rfm: Callable[[RfmWindow], None] | None = None
    model_name: str = ""
    token_usage: TokenUsage = field(default_factory=TokenUsage)
    # 10 wrong tokens a minute from one address, then 429 until they age out.
    sign_ins: FailureThrottle = field(default_factory=lambda: FailureThrottle(10, 60.0))
    # Wrong passwords count against the person at their address (10 a minute), so one person's
    # typos do not lock out colleagues behind the same office address; and, with more room,
    # against the address for any account (guessing at scale). The account from anywhere only
    # slows its tries down (api/ui.py): a hard limit there would let anyone lock its owner out.
    password_tries: FailureThrottle = field(default_factory=lambda: FailureThrottle(10, 60.0))
    password_accounts: FailureThrottle = field(default_factory=lambda: FailureThrottle(30, 60.0))
    password_addresses: FailureThrottle = field(default_factory=lambda: FailureThrottle(50, 60.0))
    # Wrong current passwords when changing one's own (a stolen session guessing it): per user.
    password_changes: FailureThrottle = field(default_factory=lambda: FailureThrottle(5, 300.0))
