"""calls.happened_at: occurred_at or upload time, indexed with rep_id for reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KEEP_IDS = {"sqlite_autoincrement": True}  # a deleted call's id is never handed out again


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("happened_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE calls SET happened_at = COALESCE(occurred_at, created_at)")
    with op.batch_alter_table("calls", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.alter_column("happened_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            "ix_calls_happened_at_rep_id", ["happened_at", "rep_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index("ix_calls_happened_at_rep_id")
        batch_op.drop_column("happened_at")
