"""the sound print of each call, to recognise the same conversation in another file

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Calls stored before this revision have no print: they are found again by their bytes only.
    op.add_column("calls", sa.Column("sound_print", sa.LargeBinary(), nullable=True))
    op.create_index("ix_calls_duration_s", "calls", ["duration_s"])


def downgrade() -> None:
    op.drop_index("ix_calls_duration_s", "calls")
    # A plain DROP COLUMN (SQLite ≥ 3.35): copying the table, as batch mode does, would trip
    # the search index's triggers on calls.
    op.drop_column("calls", "sound_print")
