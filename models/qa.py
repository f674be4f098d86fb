"""QA (质检): rules stored in the database and the hits they have on each call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = ["CallRuleHit", "QaRule", "QaRulesVersion"]


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
