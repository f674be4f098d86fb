"""The same schema and figures on PostgreSQL (HUASHU_DATABASE_URL may point at it).

Runs when HUASHU_TEST_POSTGRES_URL names an empty database (`.ci/run` starts a throw-away
PostgreSQL server for it); skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from core.errors import Conflict
from crm import records
from crm.schemas import RepIn
from huashu.runtime import Services, open_services
from huashu.seed import seed_demo
from huashu.settings import Settings
from models import Base, managed_by_models, session_scope
from models.migrate import alembic_config
from sales import metrics
from sales.periods import Period
from tests.conftest import SYSTEM

URL = os.environ.get("HUASHU_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="HUASHU_TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path, database_url=URL, _env_file=None)
    services = open_services(settings)
    yield services
    command.downgrade(alembic_config(services.engine), "base")  # leave the database empty
    services.engine.dispose()


def test_migrations_match_the_models(pg: Services) -> None:
    with pg.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_models}
        )
        assert compare_metadata(context, Base.metadata) == []
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert stored == ScriptDirectory.from_config(alembic_config(pg.engine)).get_current_head()


def test_metrics_on_the_seed_match_sqlite(pg: Services) -> None:
    with session_scope(pg.session_factory) as session:
        seed_demo(session, 2026, pg.settings.funnel)
    with session_scope(pg.session_factory) as session:
        q1 = Period(date(2026, 1, 1), date(2026, 4, 1))
        wang = next(r for r in metrics.rep_metrics(session, SYSTEM, q1) if r.rep == "王磊")
        assert (wang.calls, wang.commitment_rate, wang.win_rate) == (6, 0.3333, 0.5)
        assert wang.mean_sales_cycle_days == 10.0 and wang.sales_velocity_per_day == 1500.0
        funnel = metrics.funnel_metrics(session, SYSTEM, q1, pg.settings.funnel)
        assert [s.conversion for s in funnel.steps] == [1.0, 0.6667, 0.5, 1.0]
        year = Period(date(2026, 1, 1), date(2027, 1, 1))
        advance = metrics.behaviour_metrics(session, SYSTEM, year).by_advance
        assert [(b.opportunities, b.win_rate) for b in advance] == [(11, 1.0), (12, 0.0)]


def test_duplicate_external_id_is_a_conflict(pg: Services) -> None:
    with session_scope(pg.session_factory) as session:
        records.create_record(session, records.REPS, RepIn(name="王磊", external_id="R-1"), SYSTEM)
    with (
        session_scope(pg.session_factory) as session,
        pytest.raises(Conflict, match="already used by rep"),
    ):
        records.create_record(session, records.REPS, RepIn(name="李娜", external_id="R-1"), SYSTEM)
