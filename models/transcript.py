"""The team's vocabulary (词库) and people's edits of transcripts.

A vocabulary term is a word the team's calls use and Whisper misspells: its own brands and
products, competitors, industry words, or a learned correction (`heard` → `text`) that people
made the same way on several calls. Terms are the whole team's (like trackers). A learned term
that someone removes stays as a row with `removed_at` set, so the same edits do not teach it again.

A transcript edit replaces one turn's text; every edit is kept (the history), and the latest of
a turn is in effect while the turn still reads as Whisper heard it (`heard_text`), as label
corrections are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = ["TermSource", "TranscriptChange", "TranscriptEdit", "VocabularyTerm"]


class TermSource:
    MANUAL = "manual"  # added by an admin or manager
    LEARNED = "learned"  # the same edit confirmed on several calls


class VocabularyTerm(Base):
    __tablename__ = "vocabulary_terms"
    __table_args__ = (UniqueConstraint("text", "heard"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # product company person competitor term
    # A learned correction: exactly this text is replaced by `text`; "" for a plain term.
    heard: Mapped[str] = mapped_column(String(40), default="", server_default="")
    source: Mapped[str] = mapped_column(String(10), default=TermSource.MANUAL)
    confirmations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # learned terms only


class TranscriptEdit(Base):
    __tablename__ = "transcript_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    turn_index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    heard_text: Mapped[str] = mapped_column(Text)  # the turn as Whisper wrote it: the edit's key
    old_text: Mapped[str] = mapped_column(Text)  # the turn as it read before this edit
    new_text: Mapped[str] = mapped_column(Text)
    # What changed, word by word: [[old, new], ...] (also rows of transcript_changes).
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    edited_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    edited_by: Mapped[str] = mapped_column(String(100))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TranscriptChange(Base):
    """One replacement inside an edit (曾经理 → 孙经理): counted over calls to learn corrections."""

    __tablename__ = "transcript_changes"
    __table_args__ = (Index("ix_transcript_changes_pair", "heard", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edit_id: Mapped[int] = mapped_column(
        ForeignKey("transcript_edits.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    heard: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(40))
