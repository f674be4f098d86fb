"""the team's vocabulary, transcript edits, where a turn's words come from

New tables `vocabulary_terms`, `transcript_edits` and `transcript_changes`; nullable or defaulted columns added in
place (no table rebuild, so the search index's triggers on call_turns stay as they are).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vocabulary_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("heard", sa.String(40), nullable=False, server_default=""),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column(
            "created_by_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("text", "heard"),
    )
    op.create_table(
        "transcript_edits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("heard_text", sa.Text(), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column(
            "edited_by_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("edited_by", sa.String(100), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_transcript_edits_call_id", "transcript_edits", ["call_id"])
    op.create_index("ix_transcript_edits_edited_at", "transcript_edits", ["edited_at"])
    op.create_table(
        "transcript_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "edit_id",
            sa.Integer(),
            sa.ForeignKey("transcript_edits.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("heard", sa.String(40), nullable=False),
        sa.Column("text", sa.String(40), nullable=False),
    )
    op.create_index("ix_transcript_changes_edit_id", "transcript_changes", ["edit_id"])
    op.create_index("ix_transcript_changes_call_id", "transcript_changes", ["call_id"])
    op.create_index("ix_transcript_changes_pair", "transcript_changes", ["heard", "text"])
    op.add_column("call_turns", sa.Column("heard_text", sa.Text(), nullable=True))
    op.add_column(
        "call_turns", sa.Column("replacements", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "call_turns", sa.Column("doubtful", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("call_turns", sa.Column("edit_id", sa.Integer(), nullable=True))
    op.add_column("label_corrections", sa.Column("heard_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("label_corrections") as batch_op:
        batch_op.drop_column("heard_text")
    for column in ("edit_id", "doubtful", "replacements", "heard_text"):
        op.drop_column("call_turns", column)
    op.drop_table("transcript_changes")
    op.drop_table("transcript_edits")
    op.drop_table("vocabulary_terms")
