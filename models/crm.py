"""CRM-side records: teams, reps, customers, opportunities (商机), follow-ups (跟进记录), targets.

Every record that can come from a CRM export has an optional `external_id` (unique per table),
so re-importing the same file updates rows instead of duplicating them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.call import title_of_call

__all__ = [
    "CommitmentObjective",
    "Customer",
    "FollowUp",
    "FollowUpStatus",
    "Opportunity",
    "OpportunityStatus",
    "Rep",
    "Target",
    "Team",
]


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="SET NULL", use_alter=True)
    )
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rep(Base):
    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company: Mapped[str] = mapped_column(String(200), index=True)
    contact: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    tier: Mapped[str | None] = mapped_column(String(20))  # 大客户 / 普通 / …
    source: Mapped[str | None] = mapped_column(String(50))
    owner_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitmentObjective:
    """The objective set before the next call (承诺目标) and its assessment after that call
    (sales/objectives.py); on opportunities and on follow-ups."""

    objective_primary: Mapped[str | None] = mapped_column(String(20))
    objective_minimum: Mapped[str | None] = mapped_column(String(20))
    objective_due: Mapped[date | None] = mapped_column(Date)
    objective_outcome: Mapped[str | None] = mapped_column(String(20))
    objective_evidence: Mapped[list[str] | None] = mapped_column(JSON)
    objective_call_id: Mapped[int | None] = mapped_column(Integer)  # the call it was judged on
    objective_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OpportunityStatus:
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    ALL = (OPEN, WON, LOST)


class Opportunity(CommitmentObjective, Base):
    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    owner_rep_id: Mapped[int] = mapped_column(
        ForeignKey("reps.id", ondelete="RESTRICT"), index=True
    )
    stage: Mapped[str] = mapped_column(String(20), index=True)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(8), index=True, default=OpportunityStatus.OPEN)
    created_on: Mapped[date] = mapped_column(Date, index=True)
    expected_close: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    loss_reason: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowUpStatus:
    DRAFT = "draft"  # drafted by Huashu from a call, waiting for the rep or manager
    OPEN = "open"  # confirmed; its next action is due
    DONE = "done"
    CANCELLED = "cancelled"
    ALL = (DRAFT, OPEN, DONE, CANCELLED)


class FollowUp(CommitmentObjective, Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL")
    )
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), unique=True
    )
    call_title: Mapped[str | None] = title_of_call(call_id)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # call / visit / wechat / email
    content: Mapped[str] = mapped_column(Text, default="")
    customer_needs: Mapped[str | None] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_due: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), index=True, default=FollowUpStatus.OPEN)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("team_id", "rep_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)  # None: the whole year
    amount: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerScore(Base):
    """A customer's RFM score as last worked out (sales/segments.py): pages read these instead
    of scoring every customer on every request."""

    __tablename__ = "customer_scores"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    recency_days: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer)
    monetary: Mapped[float] = mapped_column(Float)
    r: Mapped[int] = mapped_column(Integer)
    f: Mapped[int] = mapped_column(Integer)
    m: Mapped[int] = mapped_column(Integer)
    segment: Mapped[str] = mapped_column(String(20), index=True)
    basis: Mapped[str] = mapped_column(String(10))


class RfmState(Base):
    """One row (id 1): when RFM's inputs (calls, follow-ups, opportunities, customers) last
    changed, and for what day and settings the stored scores were worked out."""

    __tablename__ = "rfm_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inputs_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scored_for: Mapped[str | None] = mapped_column(String(200))
