"""a tracker is counted over every call after its save, in batches: its round and progress

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("trackers", sa.Column("count_round", sa.Integer(), nullable=False,
                                        server_default="0"))  # fmt: skip
    op.add_column("trackers", sa.Column("counting", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))  # fmt: skip
    op.add_column("trackers", sa.Column("counted_share", sa.Float(), nullable=False,
                                        server_default="1"))  # fmt: skip


def downgrade() -> None:
    for column in ("counted_share", "counting", "count_round"):
        op.drop_column("trackers", column)
