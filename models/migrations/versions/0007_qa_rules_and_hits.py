"""qa rules and hits

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_rules")),
    )
    op.create_table(
        "qa_rules_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_rules_version")),
    )
    op.create_table(
        "call_rule_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=True),
        sa.Column("start", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_rule_hits_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["qa_rules.id"],
            name=op.f("fk_call_rule_hits_rule_id_qa_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_rule_hits")),
    )
    with op.batch_alter_table("call_rule_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_rule_hits_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_rule_hits_rule_id"), ["rule_id"], unique=False)

    with op.batch_alter_table("call_analyses", schema=None) as batch_op:
        # Existing analyses have never been checked against rules: -1.
        batch_op.add_column(
            sa.Column("rules_version", sa.Integer(), nullable=False, server_default="-1")
        )

    op.bulk_insert(
        sa.table("qa_rules_version", sa.column("id", sa.Integer), sa.column("version", sa.Integer)),
        [{"id": 1, "version": 0}],
    )


def downgrade() -> None:
    with op.batch_alter_table("call_analyses", schema=None) as batch_op:
        batch_op.drop_column("rules_version")

    with op.batch_alter_table("call_rule_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_rule_hits_rule_id"))
        batch_op.drop_index(batch_op.f("ix_call_rule_hits_call_id"))

    op.drop_table("call_rule_hits")
    op.drop_table("qa_rules_version")
    op.drop_table("qa_rules")
