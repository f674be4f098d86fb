"""full-text search over the analysed turns; trackers and their hits per call

The index is kept by the database itself, in the same transaction as the turns: on SQLite an
FTS5 table over call_turns.search_text with triggers on call_turns (a call's deletion cascades
to its turns, and the delete trigger fires for those too); on PostgreSQL a GIN index on
to_tsvector('simple', search_text). search_text is the turn's jieba tokens joined by spaces;
existing turns get it from their stored tokens.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.migrations.search_index_0014 import PG_INDEX, SQLITE_DOWN, SQLITE_UP

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BACKFILL = {
    "sqlite": """UPDATE call_turns SET search_text = coalesce(
        (SELECT group_concat(value, ' ') FROM json_each(call_turns.tokens)), '')""",
    "postgresql": """UPDATE call_turns SET search_text = coalesce(
        (SELECT string_agg(t.value, ' ' ORDER BY t.n)
         FROM json_array_elements_text(call_turns.tokens) WITH ORDINALITY AS t(value, n)), '')""",
}


def upgrade() -> None:
    with op.batch_alter_table("call_turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    dialect = op.get_bind().dialect.name
    if dialect in _BACKFILL:
        op.execute(_BACKFILL[dialect])
    for statement in SQLITE_UP if dialect == "sqlite" else ():
        op.execute(statement)
    if dialect == "postgresql":
        op.execute(PG_INDEX)
    _create_trackers()


def _create_trackers() -> None:
    op.create_table(
        "trackers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_trackers_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trackers")),
        sa.UniqueConstraint("name", name=op.f("uq_trackers_name")),
    )
    op.create_table(
        "call_tracker_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("tracker_id", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float(), nullable=True),
        sa.Column("phrase", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_tracker_hits_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tracker_id"],
            ["trackers.id"],
            name=op.f("fk_call_tracker_hits_tracker_id_trackers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_tracker_hits")),
    )
    with op.batch_alter_table("call_tracker_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_tracker_hits_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            "ix_call_tracker_hits_tracker_call", ["tracker_id", "call_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("call_tracker_hits")
    op.drop_table("trackers")
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else ():
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_call_turns_search")
    with op.batch_alter_table("call_turns", schema=None) as batch_op:
        batch_op.drop_column("search_text")
