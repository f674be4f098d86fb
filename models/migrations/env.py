"""Alembic environment: the engine comes from the caller (see models.migrate)."""

from __future__ import annotations

from alembic import context

from models import Base, managed_by_models

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
        include_name=managed_by_models,  # the search index is raw DDL (migration 0014)
    )
    with context.begin_transaction():
        context.run_migrations()
