"""label probabilities, the conversation check, a nullable score; label corrections and the
labels the reports count

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
_BATCH = 10_000


def upgrade() -> None:
    with op.batch_alter_table("call_turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("commitment_probability", sa.Float(), nullable=True))
    with op.batch_alter_table("call_analyses", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("is_sales_call", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("conversation_confidence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "conversation_reasons", sa.JSON(), server_default=sa.text("'[]'"), nullable=False
            )
        )
    _create_call_labels()
    _create_label_corrections()
    _fill_call_labels()


def _create_call_labels() -> None:
    op.create_table(
        "call_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("corrected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_labels_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_labels")),
    )
    with op.batch_alter_table("call_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_labels_call_id"), ["call_id"], unique=False)


def _create_label_corrections() -> None:
    op.create_table(
        "label_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("turn_text", sa.Text(), nullable=False),
        sa.Column("previous_rep_text", sa.Text(), nullable=True),
        sa.Column("previous_customer_text", sa.Text(), nullable=True),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("old_label", sa.String(length=20), nullable=True),
        sa.Column("new_label", sa.String(length=20), nullable=True),
        sa.Column("old_action", sa.String(length=40), nullable=True),
        sa.Column("new_action", sa.String(length=40), nullable=True),
        sa.Column("old_due", sa.Date(), nullable=True),
        sa.Column("new_due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("corrected_by_user_id", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.String(length=100), nullable=False),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_label_corrections_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_user_id"],
            ["users.id"],
            name=op.f("fk_label_corrections_corrected_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_corrections")),
    )
    with op.batch_alter_table("label_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_corrections_call_id"), ["call_id"], unique=False)


def _fill_call_labels() -> None:
    """The labels of calls analysed before: the model's, with no probability (so a report with
    a minimum confidence leaves them out until the call is analysed again)."""
    bind = op.get_bind()
    turns = sa.table(
        "call_turns",
        sa.column("call_id", sa.Integer()),
        sa.column("idx", sa.Integer()),
        sa.column("speaker", sa.String()),
        sa.column("questions", sa.JSON()),
        sa.column("commitment", sa.String()),
    )
    labels = sa.table(
        "call_labels",
        sa.column("call_id", sa.Integer()),
        sa.column("turn_index", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("label", sa.String()),
        sa.column("corrected", sa.Boolean()),
    )
    rows: list[dict[str, Any]] = []
    for call_id, idx, speaker, questions, commitment in bind.execute(sa.select(turns)).all():
        if speaker == "rep":
            rows += [_label(call_id, idx, "question", q["question_type"]) for q in questions or []]
        if speaker == "customer" and commitment:
            rows.append(_label(call_id, idx, "commitment", commitment))
        if len(rows) >= _BATCH:  # a large database: insert as we go, not all at the end
            bind.execute(labels.insert(), rows)
            rows = []
    if rows:
        bind.execute(labels.insert(), rows)


def _label(call_id: int, idx: int, kind: str, label: str) -> dict[str, Any]:
    return {"call_id": call_id, "turn_index": idx, "kind": kind, "label": label, "corrected": False}


def downgrade() -> None:
    op.drop_table("label_corrections")
    op.drop_table("call_labels")
    op.execute("UPDATE call_analyses SET score = 0 WHERE score IS NULL")
    with op.batch_alter_table("call_analyses", schema=None) as batch_op:
        batch_op.drop_column("conversation_reasons")
        batch_op.drop_column("conversation_confidence")
        batch_op.drop_column("is_sales_call")
        batch_op.alter_column("score", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("call_turns", schema=None) as batch_op:
        batch_op.drop_column("commitment_probability")
        batch_op.drop_column("question_probability")
