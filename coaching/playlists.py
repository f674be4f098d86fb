"""Playlists: a manager collects good moments (a turn range of a call) and shares them with the
team. Everyone in the team may play the moments, even of colleagues' calls: sharing is the point."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import (
    CURATE_PLAYLISTS,
    READ_PLAYLISTS,
    Action,
    authorize,
    require_visible,
    visible,
)
from auth.principal import Principal
from core.errors import InvalidInput, NotFound
from ingest.call_analysis import count_turns
from ingest.calls import get_call
from models import CallTurn, Playlist, PlaylistItem

__all__ = [
    "Moment",
    "MomentTurn",
    "PlaylistView",
    "add_item",
    "create_playlist",
    "list_playlists",
    "read_playlist",
]


def create_playlist(
    session: Session, name: str, description: str | None, author: Principal
) -> Playlist:
    """A playlist of the author's team; without a team it is the author's (and the admins')."""
    authorize(author, CURATE_PLAYLISTS)
    if not name.strip():
        raise InvalidInput("a playlist needs a name", field="name")
    playlist = Playlist(name=name.strip(), description=description, team_id=author.team_id,
                        created_by=author.name, created_by_user_id=author.user_id)  # fmt: skip
    session.add(playlist)
    session.flush()
    return playlist


def add_item(
    session: Session,
    playlist_id: int,
    call_id: int,
    turns: tuple[int, int],
    note: str | None,
    author: Principal,
) -> PlaylistItem:
    playlist = _playlist(session, playlist_id, author, CURATE_PLAYLISTS)
    get_call(session, call_id, author)  # a manager shares only what they may open themselves
    first, last = turns
    count = count_turns(session, call_id)
    if not 0 <= first <= last < count:
        raise InvalidInput(
            f"turns {first}–{last} are not in call {call_id} (it has {count} turns)",
            field="from_turn",
        )
    item = PlaylistItem(
        playlist_id=playlist.id, call_id=call_id, from_turn=first, to_turn=last, note=note
    )
    session.add(item)
    session.flush()
    return item


def list_playlists(session: Session, viewer: Principal) -> list[Playlist]:
    scope = visible(viewer, READ_PLAYLISTS, Playlist)
    return list(session.scalars(select(Playlist).where(scope).order_by(Playlist.id.desc())))


@dataclass(frozen=True, slots=True)
class MomentTurn:
    index: int
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Moment:
    """A stretch of a call's turns kept in a playlist, with where it starts and ends (s)."""

    id: int
    call_id: int
    call_title: str | None  # its title, else its file name
    from_turn: int
    to_turn: int
    note: str | None
    start: float | None
    end: float | None
    turns: list[MomentTurn]


@dataclass(frozen=True, slots=True)
class PlaylistView:
    id: int
    name: str
    description: str | None
    created_by: str
    items: list[Moment]


def read_playlist(session: Session, playlist_id: int, viewer: Principal) -> PlaylistView:
    playlist = _playlist(session, playlist_id, viewer, READ_PLAYLISTS)
    items = session.scalars(
        select(PlaylistItem)
        .where(PlaylistItem.playlist_id == playlist.id)
        .order_by(PlaylistItem.id)
    )
    moments = [_moment(session, i) for i in items]
    return PlaylistView(
        playlist.id, playlist.name, playlist.description, playlist.created_by, moments
    )


def _moment(session: Session, item: PlaylistItem) -> Moment:
    turns = list(session.scalars(
        select(CallTurn).where(CallTurn.call_id == item.call_id, CallTurn.idx.between(item.from_turn, item.to_turn))
        .order_by(CallTurn.idx)
    ))  # fmt: skip
    return Moment(
        id=item.id, call_id=item.call_id, call_title=item.call_title, from_turn=item.from_turn, to_turn=item.to_turn,
        note=item.note, start=turns[0].start if turns else None,
        end=turns[-1].end if turns else None,
        turns=[MomentTurn(t.idx, t.speaker, t.text) for t in turns],
    )  # fmt: skip


def _playlist(session: Session, playlist_id: int, principal: Principal, action: Action) -> Playlist:
    authorize(principal, action)
    playlist = session.get(Playlist, playlist_id)
    if playlist is None:
        raise NotFound(f"playlist {playlist_id} does not exist")
    require_visible(session, principal, action, playlist)
    return playlist
