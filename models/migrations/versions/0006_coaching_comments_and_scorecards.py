"""coaching comments and scorecards

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorecard_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_criteria")),
        sa.UniqueConstraint("key", name=op.f("uq_scorecard_criteria_key")),
    )
    op.create_table(
        "call_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=True),
        sa.Column("at_seconds", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_call_comments_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_comments_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["call_comments.id"],
            name=op.f("fk_call_comments_parent_id_call_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_comments")),
    )
    with op.batch_alter_table("call_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_comments_call_id"), ["call_id"], unique=False)

    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=100), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_scorecards_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_user_id"],
            ["users.id"],
            name=op.f("fk_scorecards_reviewer_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("call_id", name=op.f("uq_scorecards_call_id")),
    )

    # The default scorecard (weights add up to 100); admins change it with
    # PUT /api/v1/scorecard/criteria.
    criteria = sa.table(
        "scorecard_criteria",
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("weight", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        criteria,
        [
            {"key": key, "name": name, "weight": weight, "position": n, "active": True}
            for n, (key, name, weight) in enumerate(
                [
                    ("opening", "开场", 15),
                    ("discovery", "需求挖掘", 25),
                    ("spin", "SPIN 提问", 20),
                    ("objections", "异议处理", 20),
                    ("commitment", "获取承诺", 20),
                ]
            )
        ],
    )


def downgrade() -> None:
    op.drop_table("scorecards")
    with op.batch_alter_table("call_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_comments_call_id"))

    op.drop_table("call_comments")
    op.drop_table("scorecard_criteria")
