"""Request and response shapes of comments, scorecards and playlists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core.types import Count, Id, Seconds

__all__ = [
    "CommentBody",
    "CommentOut",
    "CriterionBody",
    "MomentOut",
    "MomentTurnOut",
    "PlaylistBody",
    "PlaylistItemBody",
    "PlaylistOut",
    "PlaylistSummaryOut",
    "ScorecardBody",
    "ScorecardOut",
]


class CommentBody(BaseModel):
    text: str = Field(max_length=5000)
    turn_index: Count | None = Field(None, description="Pin to a turn of /analysis …")
    at_seconds: Seconds | None = Field(None, description="… or to a moment of the audio.")
    parent_id: Id | None = Field(None, description="Reply to this comment.")


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    parent_id: int | None
    author_name: str
    turn_index: int | None
    at_seconds: float | None
    text: str
    created_at: datetime


class CriterionBody(BaseModel):
    key: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="Stable id of the criterion in ratings; leave it out for a new one (a "
        "criterion of the same name keeps its key, otherwise c1, c2…).",
    )
    name: str = Field(min_length=1, max_length=100)
    weight: int = Field(ge=1, le=100)


class ScorecardBody(BaseModel):
    ratings: dict[str, Annotated[int, Field(ge=0, le=5)]] = Field(
        description="criterion key → 0..5", max_length=100
    )
    note: str | None = Field(None, max_length=5000)


class PlaylistBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)


class PlaylistItemBody(BaseModel):
    call_id: Id
    from_turn: Count
    to_turn: Count
    note: str | None = Field(None, max_length=2000)


class ScorecardOut(BaseModel):
    criteria: list[CriterionBody]
    ratings: dict[str, int] | None = Field(description="null until the call is scored")
    total: float | None
    note: str | None
    reviewer: str | None
    updated_at: datetime | None = None


class PlaylistSummaryOut(BaseModel):
    id: int
    name: str
    created_by: str


class MomentTurnOut(BaseModel):
    index: int
    speaker: str
    text: str


class MomentOut(BaseModel):
    id: int
    call_id: int
    call_title: str | None = Field(None, description="The call's title, else its file name.")
    from_turn: int
    to_turn: int
    note: str | None
    start: float | None
    end: float | None
    turns: list[MomentTurnOut]


class PlaylistOut(BaseModel):
    id: int
    name: str
    description: str | None
    created_by: str
    items: list[MomentOut]
