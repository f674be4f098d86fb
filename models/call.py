"""Calls (one uploaded recording each) and their transcript segments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.analysis import CallAnalysis

__all__ = ["Call", "CallStatus", "TranscriptSegment"]


class CallStatus:
    """The pipeline states a call goes through (mirrors its current job)."""

    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    ANALYZING = "analyzing"
    DONE = "done"
    FAILED = "failed"
    ALL = (QUEUED, TRANSCRIBING, ANALYZING, DONE, FAILED)


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        # Reports filter calls by time and rep; this index answers them without touching rows.
        Index("ix_calls_happened_at_rep_id", "happened_at", "rep_id"),
        # Never reuse the id of a deleted call: links from CRMs and bookmarks must not move.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    rep: Mapped[str | None] = mapped_column(String(100), index=True)
    customer: Mapped[str | None] = mapped_column(String(200))
    rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL"), index=True
    )
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When the call took place as far as we know: occurred_at, or the upload time without one.
    # A real column (not coalesce(...) in every query) so that it can be indexed.
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channels: Mapped[str] = mapped_column(String(16))
    # A person found rep and customer the wrong way round (a mono call's guessed speakers).
    speakers_swapped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), index=True, default=CallStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)

    audio_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    audio_path: Mapped[str] = mapped_column(String(200))  # relative to the audio store
    original_filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    audio_format: Mapped[str] = mapped_column(String(32))
    audio_codec: Mapped[str] = mapped_column(String(32))
    audio_channels: Mapped[int] = mapped_column(Integer)
    sample_rate: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float, index=True)
    # asr.fingerprint's print of the opening minutes: the same conversation in another file
    # (format, mono mix) is found by its sound. Deferred: only intake reads it.
    sound_print: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    language: Mapped[str | None] = mapped_column(String(16))
    asr_model: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    # The uploader's user: a call with no rep stays theirs (it belongs to no team).
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    transcribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The analysis summary, loaded with each page of calls (one extra query, never per row).
    analysis: Mapped[CallAnalysis | None] = relationship(lazy="selectin", viewonly=True)
    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="call",
        order_by="TranscriptSegment.idx",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TranscriptSegment(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("call_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # [[start, end, text, probability], ...]: compact, and always read with its segment
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)
    avg_logprob: Mapped[float] = mapped_column(Float, default=0.0)
    no_speech_prob: Mapped[float] = mapped_column(Float, default=0.0)

    call: Mapped[Call] = relationship(back_populates="segments")


def title_of_call(call_id: Any) -> Any:
    """For a record about a call (a QA review, a moment, a follow-up): the name its call goes by
    on pages (its title, else its file name), read in the same query as the record."""
    shown = func.coalesce(Call.title, Call.original_filename)
    return column_property(select(shown).where(Call.id == call_id).scalar_subquery())
