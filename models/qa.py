"""QA (质检): rules stored in the database and the hits they have on each call."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.call import title_of_call

__all__ = ["CallRuleHit", "QaPlan", "QaQueueItem", "QaReview", "QaRule", "QaRulesVersion"]


class QaRule(Base):
    __tablename__ = "qa_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    severity: Mapped[str] = mapped_column(String(10))  # info / warning / critical
    points: Mapped[int] = mapped_column(Integer)  # deducted from 100 in the call's QA score
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QaRulesVersion(Base):
    """One row: bumped on every rule change, so a call's stored hits know when they are stale."""

    __tablename__ = "qa_rules_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class CallRuleHit(Base):
    __tablename__ = "call_rule_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("qa_rules.id", ondelete="CASCADE"), index=True)
    turn_index: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text)


class QaPlan(Base):
    """A sampling plan (抽检计划): which calls to draw for review, how, and for whom."""

    __tablename__ = "qa_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)  # exclusive
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)  # team_id, rep_ids, min/max_duration_s
    method: Mapped[str] = mapped_column(String(20))  # percent / count / stratified / risk
    amount: Mapped[float] = mapped_column(Float)  # percent, count, or calls per rep
    seed: Mapped[int] = mapped_column(Integer)
    reviewer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exclude_reviewed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QaQueueItem(Base):
    __tablename__ = "qa_queue_items"
    __table_args__ = (UniqueConstraint("plan_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("qa_plans.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reviewer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / reviewed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QaReview(Base):
    """A QA review: pass/fail per rule (confirming or overriding the automatic hit), and an
    appeal (申诉) that a second reviewer decides."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    call_title: Mapped[str | None] = title_of_call(call_id)
    reviewer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewer_name: Mapped[str] = mapped_column(String(100))
    results: Mapped[list[Any]] = mapped_column(
        JSON
    )  # [{"rule_id", "passed", "auto_hit", "overridden"}]
    total: Mapped[int] = mapped_column(Integer)  # 100 minus the points of failed rules
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(12), default="final"
    )  # final / appealed / upheld / overturned
    appeal_text: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
