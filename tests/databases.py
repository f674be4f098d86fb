"""Fresh PostgreSQL databases for tests: one per test, cloned from a template that was migrated
once (CREATE DATABASE … TEMPLATE is a file copy: fast), dropped afterwards."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from models.migrate import upgrade_to_head

__all__ = ["fresh_postgres_database"]

_TEMPLATE = "huashu_test_template"
_made: set[str] = set()
_lock = threading.Lock()


def _admin(server_url: str) -> object:
    import psycopg

    url = make_url(server_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _ensure_template(server_url: str) -> None:
    with _lock:
        if server_url in _made:
            return
        with _admin(server_url) as connection:  # type: ignore[attr-defined]
            connection.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{_TEMPLATE}"')
        engine = create_engine(str(make_url(server_url).set(database=_TEMPLATE)))
        upgrade_to_head(engine)
        engine.dispose()
        _made.add(server_url)


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    _ensure_template(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _admin(server_url) as connection:  # type: ignore[attr-defined]
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin(server_url) as connection:  # type: ignore[attr-defined]
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
