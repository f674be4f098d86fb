"""What the search and tracker services take in and hand back (plain frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "SPEAKER_SIDES",
    "TRACKER_SIDES",
    "CallTracker",
    "Piece",
    "SearchHit",
    "SearchQuery",
    "TrackerIn",
    "TrackerMention",
]

SPEAKER_SIDES = ("rep", "customer")
TRACKER_SIDES = (*SPEAKER_SIDES, "any")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """`q`: words (each must occur) and "quoted phrases" (their words in a row)."""

    q: str
    rep_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    speaker: str | None = None  # rep / customer
    label: str | None = None  # a SPIN question type or a commitment outcome


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a turn's text; `match`: it says what was searched."""

    text: str
    match: bool


@dataclass(frozen=True, slots=True)
class SearchHit:
    call_id: int
    turn_index: int
    start: float | None
    speaker: str
    text: str
    highlight: list[Piece]  # the text cut at the matches
    link: str  # the call page, opened at the turn
    call_title: str | None
    rep: str | None
    happened_at: datetime


@dataclass(frozen=True, slots=True)
class TrackerIn:
    name: str
    phrases: list[str]
    speaker: str = "any"
    active: bool = True


@dataclass(frozen=True, slots=True)
class TrackerMention:
    turn_index: int
    start: float | None
    phrase: str  # the tracker's phrase the turn says


@dataclass(frozen=True, slots=True)
class CallTracker:
    """One active tracker on one call: its mentions (none: count 0)."""

    tracker_id: int
    name: str
    speaker: str
    count: int
    hits: list[TrackerMention]
