"""Alembic environment: the engine comes from the caller (see models.migrate)."""

from __future__ import annotations

from alembic import context

from models import Base, managed_by_models
from models.call_scope import scope_index_exists, sync_scope_index

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
        # The search index's triggers are generated from models/call_scope.py, not frozen in a
        # migration: installed (and every turn indexed) when they differ from the definition.
        if scope_index_exists(connection):
            sync_scope_index(connection)
