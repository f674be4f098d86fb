"""Request and response shapes of search and trackers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.paging import MOMENT, PageQuery
from core.types import Id
from ingest.calls import parse_moment
from search.schemas import SearchQuery

__all__ = [
    "CallTrackerOut",
    "HighlightPiece",
    "SearchCallsQuery",
    "SearchHitOut",
    "TrackerBandOut",
    "TrackerBody",
    "TrackerFiguresOut",
    "TrackerHitOut",
    "TrackerMonthOut",
    "TrackerOut",
    "TrackerRepOut",
]


class HighlightPiece(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str
    match: bool


class SearchHitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: int
    turn_index: int
    start: float | None
    speaker: str
    text: str
    highlight: list[HighlightPiece] = Field(
        description="The text in pieces; `match` marks the pieces that say what was searched."
    )
    link: str = Field(description="The call page, opened at this turn.")
    call_title: str | None
    rep: str | None
    happened_at: datetime


class SearchCallsQuery(PageQuery):
    limit: int = Field(20, ge=1, le=200, description="Hits per page.")
    q: str = Field(min_length=1, max_length=200, description='Words, "phrases".')
    rep_id: Id | None = None
    team_id: Id | None = None
    customer_id: Id | None = None
    occurred_from: str | None = Field(None, alias="from", description=MOMENT)
    occurred_to: str | None = Field(None, alias="to", description=MOMENT)
    speaker: str | None = Field(None, description="rep or customer")
    label: str | None = Field(None, description="situation … need_payoff, advance …")

    def filters(self, timezone: str) -> SearchQuery:
        """The search, its moments read in `timezone` where they carry no offset."""
        return SearchQuery(
            self.q, self.rep_id, self.team_id, self.customer_id,
            parse_moment(self.occurred_from, timezone, "from"),
            parse_moment(self.occurred_to, timezone, "to"), self.speaker or None, self.label or None,
        )  # fmt: skip


class TrackerBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phrases: list[str] = Field(min_length=1, max_length=100, description="Words and phrases.")
    speaker: str = Field("any", description="rep, customer or any")
    active: bool = True


class TrackerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phrases: list[str]
    speaker: str
    active: bool
    created_at: datetime
    counting: bool = Field(description="Still being counted over the stored calls (after a save).")
    counted_share: float = Field(description="How much of the stored calls is counted (0–1).")


class TrackerHitOut(BaseModel):
    turn_index: int
    start: float | None
    phrase: str


class CallTrackerOut(BaseModel):
    tracker_id: int
    name: str
    speaker: str
    count: int
    hits: list[TrackerHitOut]


class _Figures(BaseModel):
    calls: int
    calls_with_mentions: int
    mentions: int
    mentions_per_call: float
    share_of_calls: float


class TrackerRepOut(_Figures):
    rep_id: int
    rep: str


class TrackerMonthOut(_Figures):
    month: str


class TrackerBandOut(BaseModel):
    band: str = Field(description="with: a call of the opportunity mentions it; without: none")
    opportunities: int
    won: int
    win_rate: float


class TrackerFiguresOut(BaseModel):
    tracker_id: int
    tracker: str
    by_rep: list[TrackerRepOut]
    trend: list[TrackerMonthOut]
    win_rate: list[TrackerBandOut]
