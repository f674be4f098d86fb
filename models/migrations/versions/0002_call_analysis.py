"""call analysis: labelled turns and per-call summary

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Float(), nullable=True),
        sa.Column("end", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tokens", sa.JSON(), nullable=False),
        sa.Column("question_type", sa.String(length=20), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("commitment", sa.String(length=16), nullable=True),
        sa.Column("commitment_action", sa.String(length=40), nullable=True),
        sa.Column("commitment_due", sa.Date(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_turns_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_turns")),
        sa.UniqueConstraint("call_id", "idx", name=op.f("uq_call_turns_call_id_idx")),
    )
    with op.batch_alter_table("call_turns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_turns_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_turns_question_type"), ["question_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_turns_commitment"), ["commitment"], unique=False)
    op.create_table(
        "call_analyses",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("commitment_secured", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("talk_ratio", sa.Float(), nullable=True),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("situation_count", sa.Integer(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("implication_count", sa.Integer(), nullable=False),
        sa.Column("need_payoff_count", sa.Integer(), nullable=False),
        sa.Column("advance_count", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("score_reasons", sa.JSON(), nullable=False),
        sa.Column("commitments", sa.JSON(), nullable=False),
        sa.Column("speaker_method", sa.String(length=16), nullable=False),
        sa.Column("speaker_confidence", sa.Float(), nullable=False),
        sa.Column("speaker_reasons", sa.JSON(), nullable=False),
        sa.Column("analyzed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_analyses_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_call_analyses")),
    )
    with op.batch_alter_table("call_analyses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_analyses_commitment_secured"), ["commitment_secured"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_analyses_score"), ["score"], unique=False)


def downgrade() -> None:
    op.drop_table("call_analyses")
    op.drop_table("call_turns")
