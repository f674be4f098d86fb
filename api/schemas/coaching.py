"""Request and response shapes of comments, scorecards and playlists."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CommentBody",
    "CommentOut",
    "CriterionBody",
    "PlaylistBody",
    "PlaylistItemBody",
    "ScorecardBody",
]


class CommentBody(BaseModel):
    text: str = Field(max_length=5000)
    turn_index: int | None = Field(None, ge=0, description="Pin to a turn of /analysis …")
    at_seconds: float | None = Field(None, ge=0, description="… or to a moment of the audio.")
    parent_id: int | None = Field(None, description="Reply to this comment.")


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
    key: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    weight: int


class ScorecardBody(BaseModel):
    ratings: dict[str, int] = Field(description="criterion key → 0..5")
    note: str | None = Field(None, max_length=5000)


class PlaylistBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)


class PlaylistItemBody(BaseModel):
    call_id: int
    from_turn: int = Field(ge=0)
    to_turn: int = Field(ge=0)
    note: str | None = Field(None, max_length=2000)
