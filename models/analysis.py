"""Analysis results of a call: its labelled turns and one summary row.

The summary keeps the figures later reports filter and aggregate on (commitment secured, score,
talk ratio, question counts) in real columns, so those run in SQL; the rest stays JSON.
"""

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

__all__ = ["CallAnalysis", "CallTurn"]


class CallTurn(Base):
    __tablename__ = "call_turns"
    __table_args__ = (UniqueConstraint("call_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    start: Mapped[float | None] = mapped_column(Float)
    end: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The tokens joined by spaces: what the full-text index reads (see models/search.py).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    question_type: Mapped[str | None] = mapped_column(String(20), index=True)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"text", "question_type"}]
    commitment: Mapped[str | None] = mapped_column(String(16), index=True)
    commitment_action: Mapped[str | None] = mapped_column(String(40))
    commitment_due: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)


class CallAnalysis(Base):
    __tablename__ = "call_analyses"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    commitment_secured: Mapped[bool] = mapped_column(Boolean, index=True)
    score: Mapped[int] = mapped_column(Integer, index=True)
    talk_ratio: Mapped[float | None] = mapped_column(Float)
    question_count: Mapped[int] = mapped_column(Integer)
    situation_count: Mapped[int] = mapped_column(Integer)
    problem_count: Mapped[int] = mapped_column(Integer)
    implication_count: Mapped[int] = mapped_column(Integer)
    need_payoff_count: Mapped[int] = mapped_column(Integer)
    advance_count: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    score_reasons: Mapped[list[Any]] = mapped_column(JSON)
    commitments: Mapped[list[Any]] = mapped_column(JSON)
    speaker_method: Mapped[str] = mapped_column(String(16))
    speaker_confidence: Mapped[float] = mapped_column(Float)
    speaker_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules_version: Mapped[int] = mapped_column(Integer, default=-1)  # QA rules checked at; -1 never
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
