"""`huashu doctor`: is everything this process needs there and working? One line per part."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from asr import resolve_model
from huashu.runtime import build_store, model_label
from huashu.settings import Settings
from models import create_db_engine
from models.migrate import alembic_config

__all__ = ["Check", "run_checks"]


@dataclass(frozen=True)
class Check:
    part: str
    ok: bool
    detail: str


def run_checks(settings: Settings) -> list[Check]:
    parts: list[tuple[str, Callable[[Settings], str]]] = [
        ("database", _database), ("model", _model), ("broker", _broker), ("storage", _storage),
    ]  # fmt: skip
    return [_run(part, check, settings) for part, check in parts]


def _run(part: str, check: Callable[[Settings], str], settings: Settings) -> Check:
    try:
        return Check(part, True, check(settings))
    except Exception as exc:  # any failure is the answer: say it in one line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check(part, False, reason)


def _database(settings: Settings) -> str:
    engine = create_db_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        return f"{where}: reachable, empty (the first `huashu serve` creates the tables)"
    if current != head:
        return f"{where}: at revision {current}, the code expects {head} (`huashu serve` migrates)"
    return f"{where}: reachable, revision {current} (the latest)"


def _model(settings: Settings) -> str:
    path = resolve_model(settings.whisper_model, settings.resolved_model_cache_dir)
    return f"{model_label(settings)} at {path}: files present and verified"


def _broker(settings: Settings) -> str:
    if settings.broker_url is None:
        return "none: jobs run in the `huashu serve` process"
    import redis

    client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=3, socket_timeout=3)
    client.ping()
    depth = {queue: client.llen(queue) for queue in ("transcribe", "analyze")}
    # Kombu keeps a task a worker has taken but not finished (acks late) in the hash "unacked":
    # a worker that died leaves its tasks there until they are delivered again.
    taken = client.hlen("unacked")
    return (
        f"{settings.broker_url}: answers; tasks waiting: {depth}; "
        f"delivered, not yet acknowledged: {taken}"
    )


def _storage(settings: Settings) -> str:
    store = build_store(settings)
    probe = "doctor/probe.txt"
    with store.receive(1024) as incoming:
        incoming.write(b"huashu doctor")
        incoming.finish()
        store.keep(incoming, probe)
    readable = b"".join(store.read(probe, 0, 12)) == b"huashu doctor"
    store.remove(probe)
    where = settings.storage_url or str(settings.audio_dir)
    if not readable:
        raise RuntimeError(f"{where}: a file written there did not read back")
    return f"{where}: writable and readable"
