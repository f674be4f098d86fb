"""calls.uploaded_by_user_id and playlists.created_by_user_id: records with no team stay their
author's

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_KEEP_IDS = {"sqlite_autoincrement": True}  # a deleted call's id is never handed out again


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_uploaded_by_user_id_users"),
            "users",
            ["uploaded_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_calls_uploaded_by_user_id"), ["uploaded_by_user_id"], unique=False
        )
    # Uploads made before this revision: their token's user is their author.
    op.execute(
        "UPDATE calls SET uploaded_by_user_id = "
        "(SELECT user_id FROM api_tokens WHERE api_tokens.id = calls.uploaded_by)"
    )
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_playlists_created_by_user_id_users"),
            "users",
            ["created_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_playlists_created_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_user_id")
    with op.batch_alter_table("calls", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_uploaded_by_user_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_calls_uploaded_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("uploaded_by_user_id")
