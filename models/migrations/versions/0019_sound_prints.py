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
    with op.batch_alter_table("calls") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("sound_print")
