"""commitment objectives on opportunities and follow-ups

Nullable columns only, added in place (no table rebuild): the objective the rep sets before the
next call (primary and minimum advance, optional date), and its assessment after the call.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TABLES = ("opportunities", "follow_ups")


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("objective_primary", sa.String(20), nullable=True),
        sa.Column("objective_minimum", sa.String(20), nullable=True),
        sa.Column("objective_due", sa.Date(), nullable=True),
        sa.Column("objective_outcome", sa.String(20), nullable=True),
        sa.Column("objective_evidence", sa.JSON(), nullable=True),
        sa.Column("objective_call_id", sa.Integer(), nullable=True),
        sa.Column("objective_assessed_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    for table in _TABLES:
        for column in _columns():
            op.add_column(table, column)


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns():
                batch_op.drop_column(column.name)
