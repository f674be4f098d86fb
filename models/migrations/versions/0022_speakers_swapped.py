"""a person may swap a call's rep and customer (a mono call whose speakers were guessed)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("speakers_swapped", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))  # fmt: skip


def downgrade() -> None:
    op.drop_column("calls", "speakers_swapped")
