"""crm records and call links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["reps.id"],
            name=op.f("fk_teams_manager_id_reps"),
            ondelete="SET NULL",
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("external_id", name=op.f("uq_teams_external_id")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "reps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_reps_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
        sa.UniqueConstraint("external_id", name=op.f("uq_reps_external_id")),
    )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reps_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_reps_team_id"), ["team_id"], unique=False)
    if op.get_bind().dialect.name != "sqlite":
        # teams and reps point at each other; outside SQLite the constraint that closes the
        # loop is added once both tables exist (SQLite created it inline with the table).
        op.create_foreign_key(
            op.f("fk_teams_manager_id_reps"),
            "teams",
            "reps",
            ["manager_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("owner_rep_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_rep_id"],
            ["reps.id"],
            name=op.f("fk_customers_owner_rep_id_reps"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customers_external_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_company"), ["company"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_owner_rep_id"), ["owner_rep_id"], unique=False
        )

    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_targets_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_targets_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint(
            "team_id",
            "rep_id",
            "year",
            "quarter",
            name=op.f("uq_targets_team_id_rep_id_year_quarter"),
        ),
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_rep_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("loss_reason", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_opportunities_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_rep_id"],
            ["reps.id"],
            name=op.f("fk_opportunities_owner_rep_id_reps"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("external_id", name=op.f("uq_opportunities_external_id")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opportunities_created_on"), ["created_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunities_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunities_owner_rep_id"), ["owner_rep_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunities_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_status"), ["status"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("customer_needs", sa.Text(), nullable=True),
        sa.Column("next_action", sa.Text(), nullable=True),
        sa.Column("next_action_due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_follow_ups_call_id_calls"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_follow_ups_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_follow_ups_opportunity_id_opportunities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_follow_ups_rep_id_reps"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("call_id", name=op.f("uq_follow_ups_call_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_follow_ups_external_id")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_ups_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_follow_ups_next_action_due"), ["next_action_due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_follow_ups_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_follow_ups_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_status"), ["status"], unique=False)

    # Recreating the table must keep AUTOINCREMENT: a deleted call's id is never handed out again.
    with op.batch_alter_table(
        "calls", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("rep_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        # The free-text CRM reference of the first schema becomes a real link: uploads now name
        # an opportunity by id or external id, resolved (or refused) at upload time.
        batch_op.drop_column("opportunity_id")
        batch_op.add_column(sa.Column("opportunity_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_calls_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_calls_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_calls_rep_id"), ["rep_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_rep_id_reps"), "reps", ["rep_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_opportunity_id_opportunities"),
            "opportunities",
            ["opportunity_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_teams_manager_id_reps"), "teams", type_="foreignkey")
    # Recreating the table must keep AUTOINCREMENT: a deleted call's id is never handed out again.
    with op.batch_alter_table(
        "calls", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_calls_opportunity_id_opportunities"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_calls_customer_id_customers"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_calls_rep_id_reps"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_calls_rep_id"))
        batch_op.drop_index(batch_op.f("ix_calls_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_calls_customer_id"))
        batch_op.drop_column("opportunity_id")
        batch_op.add_column(sa.Column("opportunity_id", sa.VARCHAR(length=100), nullable=True))
        batch_op.drop_column("customer_id")
        batch_op.drop_column("rep_id")

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_status"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_rep_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_next_action_due"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_customer_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_status"))
        batch_op.drop_index(batch_op.f("ix_opportunities_stage"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_rep_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_customer_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_created_on"))
        batch_op.drop_index(batch_op.f("ix_opportunities_closed_on"))

    op.drop_table("opportunities")
    op.drop_table("targets")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_owner_rep_id"))
        batch_op.drop_index(batch_op.f("ix_customers_company"))

    op.drop_table("customers")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reps_team_id"))
        batch_op.drop_index(batch_op.f("ix_reps_name"))

    op.drop_table("reps")
    op.drop_table("teams")
