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


def test_analyses_stored_before_0013_keep_their_labels_for_the_reports(tmp_path: Path) -> None:
    """0013 on a database with an analysed call: the old rows stay, the score becomes nullable,
    and the labels the reports count are filled from the stored turns (with no probability)."""
    from alembic import command

    from models import CallAnalysis, CallLabel, CallTurn
    from models.migrate import alembic_config

    engine = _engine(tmp_path)
    factory = make_session_factory(engine)
    when = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
    with session_scope(factory) as session:
        call = Call(channels="mono", audio_sha256="1" * 64, audio_path="x", size_bytes=1,
                    audio_format="wav", audio_codec="pcm", audio_channels=1, sample_rate=16000,
                    duration_s=1.0, happened_at=when)  # fmt: skip
        session.add(call)
        session.flush()
        question = {"text": "多少人？", "question_type": "situation"}
        session.add_all([
            CallTurn(call_id=call.id, idx=0, speaker="rep", text="你们多少人？问题大吗？",
                     questions=[question, {**question, "question_type": "problem"}]),
            CallTurn(call_id=call.id, idx=1, speaker="customer", text="行", commitment="advance"),
        ])  # fmt: skip
        session.add(CallAnalysis(call_id=call.id, commitment_secured=True, score=None,
                                 question_count=2, situation_count=1, problem_count=1,
                                 implication_count=0, need_payoff_count=0, advance_count=1,
                                 metrics={}, score_reasons=[], commitments=[],
                                 speaker_method="channels", speaker_confidence=1.0))  # fmt: skip
    config = alembic_config(engine)
    command.downgrade(config, "0012")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT score FROM call_analyses")).scalar() == 0
    command.upgrade(config, "head")
    with factory() as session:
        labels = session.query(CallLabel).order_by(CallLabel.turn_index, CallLabel.label).all()
        assert [(x.turn_index, x.kind, x.label, x.probability, x.corrected) for x in labels] == [
            (0, "question", "problem", None, False),
            (0, "question", "situation", None, False),
            (1, "commitment", "advance", None, False),
        ]
        summary = session.get(CallAnalysis, call.id)
        assert summary is not None and summary.is_sales_call is True
        assert summary.conversation_reasons == [] and summary.conversation_confidence is None
        summary.score = None  # nullable again
        session.commit()
