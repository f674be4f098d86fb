"""Search and trackers: the full-text index of the analysed turns, trackers (话题追踪) and the
hits they have on each call.

The index itself is not a model: on SQLite it is an FTS5 table (`call_turns_fts`: the turn's
words and its scope tokens), on PostgreSQL the column `call_turns.search_vector` with a GIN
index, both kept in step by triggers on `call_turns` and `calls`. Either way the database keeps
it in the same transaction as the turns (insert, replace on reanalysis, relabel, a call's rep,
customer or date changed, delete with the call). Migrations 0014 and 0016 create them;
`SEARCH_INDEX_NAMES` tells the schema comparison to leave them alone. A later migration that
rebuilds `calls` or `call_turns` on SQLite (batch mode) drops their triggers: it must make them
again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = [
    "FTS_TABLE",
    "PG_SEARCH_INDEX",
    "SEARCH_INDEX_NAMES",
    "CallTrackerHit",
    "Tracker",
    "managed_by_models",
]

FTS_TABLE = "call_turns_fts"
PG_SEARCH_INDEX = "ix_call_turns_search"
# FTS5 keeps its data in shadow tables named after the index.
_FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")
PG_SEARCH_VECTOR = "search_vector"  # a column of call_turns on PostgreSQL only
SEARCH_INDEX_NAMES = frozenset(
    {FTS_TABLE, PG_SEARCH_INDEX, PG_SEARCH_VECTOR, *(f"{FTS_TABLE}_{s}" for s in _FTS_SHADOWS)}
)


def managed_by_models(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's include_name: the search index is raw DDL, not a model, so comparisons of the
    schema with the models skip it."""
    return name not in SEARCH_INDEX_NAMES


class Tracker(Base):
    """A named set of words and phrases (竞品, 价格, 决策人…) said by one side, or either."""

    __tablename__ = "trackers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    phrases: Mapped[list[str]] = mapped_column(JSON)
    speaker: Mapped[str] = mapped_column(String(16))  # rep / customer / any
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Counting it over every stored call after a save (search.trackers.count_everywhere): the
    # round of the latest save, whether that count is still going, and how far it is.
    count_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    counting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    counted_share: Mapped[float] = mapped_column(Float, default=1.0, server_default="1")


class CallTrackerHit(Base):
    """One turn of a call that says one of a tracker's phrases (a mention)."""

    __tablename__ = "call_tracker_hits"
    __table_args__ = (Index("ix_call_tracker_hits_tracker_call", "tracker_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    turn_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[float | None] = mapped_column(Float)
    phrase: Mapped[str] = mapped_column(String(100))
