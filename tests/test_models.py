"""The schema: migrations match the models, SQLite runs in WAL mode, times stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from models import (
    Base,
    Call,
    create_db_engine,
    make_session_factory,
    managed_by_models,
    session_scope,
)
from models.migrate import upgrade_to_head


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sub' / 'h.db'}")
    upgrade_to_head(engine)
    return engine


def test_migrations_create_exactly_the_models(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_models}
        )
        assert compare_metadata(context, Base.metadata) == []
    assert {"calls", "jobs", "transcript_segments", "api_tokens", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )


def test_every_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    from alembic import command

    from models.migrate import alembic_config

    engine = _engine(tmp_path)
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade_to_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_models}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    upgrade_to_head(engine)  # a second start must not fail or change anything
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_ids_are_never_reused_after_every_migration(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as connection:
        for table in ("calls", "jobs"):
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
            ).scalar()
            assert "AUTOINCREMENT" in str(sql), table


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_datetimes_round_trip_as_utc(tmp_path: Path) -> None:
    factory = make_session_factory(_engine(tmp_path))
    beijing = timezone(timedelta(hours=8))
    with session_scope(factory) as session:
        call = Call(
            channels="mono",
            audio_sha256="0" * 64,
            audio_path="x",
            size_bytes=1,
            audio_format="wav",
            audio_codec="pcm",
            audio_channels=1,
            sample_rate=16000,
            duration_s=1.0,
            occurred_at=datetime(2026, 11, 23, 14, 30, tzinfo=beijing),
            happened_at=datetime(2026, 11, 23, 14, 30, tzinfo=beijing),
        )
        session.add(call)
    with factory() as session:
        stored = session.get(Call, call.id)
        assert stored is not None and stored.occurred_at == datetime(
            2026, 11, 23, 6, 30, tzinfo=UTC
        )
        assert stored.occurred_at.tzinfo is UTC
