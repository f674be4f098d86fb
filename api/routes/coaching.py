"""Coaching over HTTP: comments and scorecards on a call, and the scorecard's criteria."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentPrincipal, SessionDep
from ingest import coaching as service
from ingest import playlists

router = APIRouter(prefix="/api/v1", tags=["coaching"])


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


@router.post("/calls/{call_id}/comments", status_code=status.HTTP_201_CREATED)
def create_comment(
    call_id: int, body: CommentBody, session: SessionDep, principal: CurrentPrincipal
) -> CommentOut:
    comment = service.CommentIn(body.text, body.turn_index, body.at_seconds, body.parent_id)
    return CommentOut.model_validate(service.add_comment(session, call_id, comment, principal))


@router.get("/calls/{call_id}/comments")
def read_comments(
    call_id: int, session: SessionDep, principal: CurrentPrincipal
) -> list[CommentOut]:
    return [
        CommentOut.model_validate(c) for c in service.list_comments(session, call_id, principal)
    ]


@router.put("/calls/{call_id}/scorecard")
def update_scorecard(
    call_id: int, body: ScorecardBody, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    service.save_scorecard(session, call_id, body.ratings, body.note, principal)
    return service.read_scorecard(session, call_id, principal)


@router.get("/calls/{call_id}/scorecard")
def read_scorecard(
    call_id: int, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    return service.read_scorecard(session, call_id, principal)


@router.put("/scorecard/criteria")
def update_criteria(
    body: list[CriterionBody], session: SessionDep, principal: CurrentPrincipal
) -> list[CriterionBody]:
    rows = service.save_criteria(session, [(c.key, c.name, c.weight) for c in body], principal)
    return [CriterionBody(key=r.key, name=r.name, weight=r.weight) for r in rows]


class PlaylistBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)


class PlaylistItemBody(BaseModel):
    call_id: int
    from_turn: int = Field(ge=0)
    to_turn: int = Field(ge=0)
    note: str | None = Field(None, max_length=2000)


@router.post("/playlists", status_code=status.HTTP_201_CREATED)
def create_playlist(
    body: PlaylistBody, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    playlist = playlists.create_playlist(session, body.name, body.description, principal)
    return playlists.read_playlist(session, playlist.id, principal)


@router.get("/playlists")
def read_playlists(session: SessionDep, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [
        {"id": p.id, "name": p.name, "created_by": p.created_by}
        for p in playlists.list_playlists(session, principal)
    ]


@router.get("/playlists/{playlist_id}")
def read_playlist(
    playlist_id: int, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    return playlists.read_playlist(session, playlist_id, principal)


@router.post("/playlists/{playlist_id}/items", status_code=status.HTTP_201_CREATED)
def create_playlist_item(
    playlist_id: int, body: PlaylistItemBody, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    turns = (body.from_turn, body.to_turn)
    playlists.add_item(session, playlist_id, body.call_id, turns, body.note, principal)
    return playlists.read_playlist(session, playlist_id, principal)
