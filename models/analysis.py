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
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = ["CallAnalysis", "CallLabel", "CallTurn", "LabelCorrection"]


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
    # The model's labels above, with the classifier's probability (None for calls analysed
    # before probabilities were kept). A person's correction lives in `label_corrections`.
    question_probability: Mapped[float | None] = mapped_column(Float)
    commitment_probability: Mapped[float | None] = mapped_column(Float)
    # Where `text` comes from: Whisper's words (`heard_text`; None for turns analysed before it
    # was kept, read it as `text`), corrected against the vocabulary (`replacements`: offsets
    # into `text` with what was heard and why), and a person's edit (`edit_id`) when one is in
    # effect. `doubtful`: [start, end, probability] of the words Whisper was unsure of.
    heard_text: Mapped[str | None] = mapped_column(Text)
    replacements: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    doubtful: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    edit_id: Mapped[int | None] = mapped_column(Integer)


class CallAnalysis(Base):
    __tablename__ = "call_analyses"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    # commitment_secured and the counts below hold the labels in effect: a person's correction
    # where there is one, else the model's (see ingest/labels_in_effect.py); `commitments` and `metrics`
    # are the model's.
    commitment_secured: Mapped[bool] = mapped_column(Boolean, index=True)
    score: Mapped[int | None] = mapped_column(Integer, index=True)  # None: no sales conversation
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
    is_sales_call: Mapped[bool] = mapped_column(Boolean, server_default=true())
    conversation_confidence: Mapped[float | None] = mapped_column(Float)  # None: not checked
    conversation_reasons: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    rules_version: Mapped[int] = mapped_column(Integer, default=-1)  # QA rules checked at; -1 never
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CallLabel(Base):
    """One label the reports count, as in effect: each question a rep turn asks (or the one type a
    person gave the turn), each customer turn's commitment. Rebuilt from the turns and the
    corrections whenever either changes; reports filter it on `corrected` and `probability`."""

    __tablename__ = "call_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    turn_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # "question" | "commitment"
    label: Mapped[str] = mapped_column(String(20))
    probability: Mapped[float | None] = mapped_column(Float)  # the model's; None when corrected
    corrected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LabelCorrection(Base):
    """A person's correction of one turn's label; every one is kept, the latest for a turn wins.
    It holds the turn's text and the turns before it as they were: when re-analysis changes the
    turn's text, the correction no longer applies (it is stale) but still exports for training."""

    __tablename__ = "label_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    turn_index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    turn_text: Mapped[str] = mapped_column(Text)
    # The turn as Whisper wrote it: the correction still holds when a person edits the words.
    heard_text: Mapped[str | None] = mapped_column(Text)
    previous_rep_text: Mapped[str | None] = mapped_column(Text)
    previous_customer_text: Mapped[str | None] = mapped_column(Text)
    turn_count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # "question" | "commitment"
    old_label: Mapped[str | None] = mapped_column(String(20))  # None: no question / no outcome
    new_label: Mapped[str | None] = mapped_column(String(20))
    old_action: Mapped[str | None] = mapped_column(String(40))
    new_action: Mapped[str | None] = mapped_column(String(40))
    old_due: Mapped[date | None] = mapped_column(Date)
    new_due: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    corrected_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    corrected_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
