"""Engine and session factories. SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow

__all__ = [
    "SessionFactory",
    "begin_writing",
    "create_db_engine",
    "make_session_factory",
    "on_commit",
    "on_rollback",
    "session_scope",
]

SessionFactory = sessionmaker[Session]


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, create the file's folder and set pragmas per connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # The web server's threads and the job worker share one file: allow cross-thread use. The pool
    # holds a connection for each of the server's worker threads (40), so a burst of requests
    # waits for SQLite's lock (busy timeout) instead of failing for want of a connection.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=30,
        pool_timeout=60,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the worker's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster than FULL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> SessionFactory:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    _install_hooks(factory)
    return factory


@contextmanager
def session_scope(factory: SessionFactory, *, write: bool = True) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back otherwise. A writing
    session takes SQLite's write lock at its start (see `begin_writing`)."""
    session = factory()
    bind = session.get_bind()
    turn = _turns_of(bind).turn() if write and bind.dialect.name == "sqlite" else nullcontext()
    try:
        with turn:
            if write:
                begin_writing(session)
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class WriteTurns:
    """SQLite has one write lock, and its busy handler is not fair: a writer that commits and
    begins again at once (an import going chunk by chunk, a recount call by call) can starve
    one that waits, which then fails with "database is locked" after the busy timeout. So the
    writers of this process take turns in the order they came, before asking SQLite."""

    def __init__(self, most_wait_s: float = 120.0) -> None:
        self._changed = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0
        self._abandoned: set[int] = set()
        self._most_wait_s = most_wait_s

    @contextmanager
    def turn(self) -> Iterator[None]:
        self._take()
        try:
            yield
        finally:
            self._give_back()

    def _take(self) -> None:
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:  # a writer inside a writer of the same thread: its own turn
                self._depth += 1
                return
            ticket = self._next_ticket
            self._next_ticket += 1
            if not self._changed.wait_for(lambda: self._serving == ticket, self._most_wait_s):
                self._abandoned.add(ticket)  # skipped when its turn comes
                raise TimeoutError("the database stayed busy with other writes")
            self._owner, self._depth = me, 1

    def _give_back(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._serving += 1
                while self._serving in self._abandoned:
                    self._abandoned.remove(self._serving)
                    self._serving += 1
                self._changed.notify_all()


_TURNS: weakref.WeakKeyDictionary[Any, WriteTurns] = weakref.WeakKeyDictionary()
_TURNS_LOCK = threading.Lock()


def _turns_of(bind: Any) -> WriteTurns:
    engine = getattr(bind, "engine", bind)
    with _TURNS_LOCK:
        turns = _TURNS.get(engine)
        if turns is None:
            turns = _TURNS[engine] = WriteTurns()
        return turns


def begin_writing(session: Session) -> None:
    """On SQLite, start the transaction with BEGIN IMMEDIATE: it waits (busy timeout) for the one
    write lock up front. A transaction that reads first and writes later may find that another
    writer committed in between, and SQLite then fails it at once ("database is locked") instead
    of waiting. It also makes savepoints nest inside a real transaction, so releasing one never
    commits half of a request's work. Other databases need nothing."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (e.g. wake the worker)."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` if the transaction rolls back instead (e.g. delete a file it wrote)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(callback)


_ON_COMMIT = "huashu.on_commit"
_ON_ROLLBACK = "huashu.on_rollback"


def _run_hooks(session: Session, run: str, drop: str) -> None:
    session.info.pop(drop, None)
    for callback in session.info.pop(run, []):
        callback()


def _install_hooks(factory: SessionFactory) -> None:
    event.listen(factory, "before_flush", _note_rfm_inputs)
    event.listen(factory, "after_commit", lambda s: _run_hooks(s, _ON_COMMIT, _ON_ROLLBACK))
    event.listen(factory, "after_rollback", lambda s: _run_hooks(s, _ON_ROLLBACK, _ON_COMMIT))


# What RFM scores are worked out from (sales/segments.py): a change to one of these marks the
# stored scores stale. A call's progress or a deal's stage does not.
_RFM_INPUTS = {
    "calls": ("customer_id", "happened_at"),
    "follow_ups": ("customer_id", "occurred_at", "call_id"),
    "opportunities": ("customer_id", "status", "amount", "closed_on"),
    "customers": (),
}


def _note_rfm_inputs(session: Session, _context: Any, _instances: Any) -> None:
    if any(_changes_rfm(obj, created) for obj, created in _touched(session)):
        from models.crm import RfmState  # models.db is imported before the tables

        now = utcnow()
        with session.no_autoflush:
            state = session.get(RfmState, 1)
        if state is None:
            session.add(RfmState(id=1, inputs_changed_at=now))
        else:
            state.inputs_changed_at = now


def _touched(session: Session) -> Iterator[tuple[Any, bool]]:
    yield from ((obj, True) for obj in session.new)
    yield from ((obj, True) for obj in session.deleted)
    yield from ((obj, False) for obj in session.dirty)


def _changes_rfm(obj: Any, created_or_deleted: bool) -> bool:
    columns = _RFM_INPUTS.get(getattr(obj, "__tablename__", ""))
    if columns is None:
        return False
    if created_or_deleted:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)
