"""Coaching over HTTP: comments and scorecards on a call, the scorecard's criteria, playlists."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentPrincipal, SessionDep
from api.schemas.coaching import (
    CommentBody,
    CommentOut,
    CriterionBody,
    PlaylistBody,
    PlaylistItemBody,
    PlaylistOut,
    PlaylistSummaryOut,
    ScorecardBody,
    ScorecardOut,
)
from coaching import comments, playlists, scorecards
from core.types import Id

router = APIRouter(prefix="/api/v1", tags=["coaching"])


@router.post("/calls/{call_id}/comments", status_code=status.HTTP_201_CREATED)
def create_comment(
    call_id: Id, body: CommentBody, session: SessionDep, principal: CurrentPrincipal
) -> CommentOut:
    comment = comments.CommentIn(body.text, body.turn_index, body.at_seconds, body.parent_id)
    return CommentOut.model_validate(comments.add_comment(session, call_id, comment, principal))


@router.get("/calls/{call_id}/comments")
def read_comments(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> list[CommentOut]:
    return [
        CommentOut.model_validate(c) for c in comments.list_comments(session, call_id, principal)
    ]


@router.put("/calls/{call_id}/scorecard")
def update_scorecard(
    call_id: Id, body: ScorecardBody, session: SessionDep, principal: CurrentPrincipal
) -> ScorecardOut:
    scorecards.save_scorecard(session, call_id, body.ratings, body.note, principal)
    return ScorecardOut.model_validate(
        scorecards.read_scorecard(session, call_id, principal), from_attributes=True
    )


@router.get("/calls/{call_id}/scorecard")
def read_scorecard(call_id: Id, session: SessionDep, principal: CurrentPrincipal) -> ScorecardOut:
    return ScorecardOut.model_validate(
        scorecards.read_scorecard(session, call_id, principal), from_attributes=True
    )


@router.get("/scorecard/criteria")
def read_criteria(session: SessionDep, principal: CurrentPrincipal) -> list[CriterionBody]:
    rows = scorecards.list_criteria(session, principal)
    return [CriterionBody(key=r.key, name=r.name, weight=r.weight) for r in rows]


@router.put("/scorecard/criteria")
def update_criteria(
    body: list[CriterionBody], session: SessionDep, principal: CurrentPrincipal
) -> list[CriterionBody]:
    rows = scorecards.save_criteria(session, [(c.key, c.name, c.weight) for c in body], principal)
    return [CriterionBody(key=r.key, name=r.name, weight=r.weight) for r in rows]


@router.post("/playlists", status_code=status.HTTP_201_CREATED)
def create_playlist(
    body: PlaylistBody, session: SessionDep, principal: CurrentPrincipal
) -> PlaylistOut:
    playlist = playlists.create_playlist(session, body.name, body.description, principal)
    return PlaylistOut.model_validate(
        playlists.read_playlist(session, playlist.id, principal), from_attributes=True
    )


@router.get("/playlists")
def read_playlists(session: SessionDep, principal: CurrentPrincipal) -> list[PlaylistSummaryOut]:
    return [
        PlaylistSummaryOut(id=p.id, name=p.name, created_by=p.created_by)
        for p in playlists.list_playlists(session, principal)
    ]


@router.get("/playlists/{playlist_id}")
def read_playlist(playlist_id: Id, session: SessionDep, principal: CurrentPrincipal) -> PlaylistOut:
    return PlaylistOut.model_validate(
        playlists.read_playlist(session, playlist_id, principal), from_attributes=True
    )


@router.post("/playlists/{playlist_id}/items", status_code=status.HTTP_201_CREATED)
def create_playlist_item(
    playlist_id: Id, body: PlaylistItemBody, session: SessionDep, principal: CurrentPrincipal
) -> PlaylistOut:
    turns = (body.from_turn, body.to_turn)
    playlists.add_item(session, playlist_id, body.call_id, turns, body.note, principal)
    return PlaylistOut.model_validate(
        playlists.read_playlist(session, playlist_id, principal), from_attributes=True
    )
