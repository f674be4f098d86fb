"""who changed what of a call after upload

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(300), nullable=True),
        sa.Column("new_value", sa.String(300), nullable=True),
        sa.Column(
            "changed_by_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_call_changes_call_id", "call_changes", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_call_changes_call_id", "call_changes")
    op.drop_table("call_changes")
