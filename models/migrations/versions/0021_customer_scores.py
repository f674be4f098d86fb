"""RFM scores stored, refreshed when their inputs change, instead of worked out per request

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_scores",
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Float(), nullable=False),
        sa.Column("r", sa.Integer(), nullable=False),
        sa.Column("f", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(20), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
    )
    op.create_index("ix_customer_scores_segment", "customer_scores", ["segment"])
    op.create_table(
        "rfm_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inputs_changed_at", sa.DateTime(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=True),
        sa.Column("scored_for", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rfm_state")
    op.drop_index("ix_customer_scores_segment", "customer_scores")
    op.drop_table("customer_scores")
