"""Playlists: a manager collects good moments (a turn range of a call) and shares them with the
team. Everyone in the team may play the moments, even of colleagues' calls: sharing is the point."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import require_role
from auth.principal import Principal
from core.errors import InvalidInput, NotFound
from ingest.analysis import count_turns
from ingest.calls import get_call
from models import CallTurn, Playlist, PlaylistItem, Role

__all__ = ["add_item", "create_playlist", "list_playlists", "read_playlist"]

CURATORS = (Role.ADMIN, Role.MANAGER)


def create_playlist(
    session: Session, name: str, description: str | None, author: Principal
) -> Playlist:
    require_role(author, CURATORS, "create playlists")
    if not name.strip():
        raise InvalidInput("a playlist needs a name", field="name")
    playlist = Playlist(
        name=name.strip(), description=description, team_id=author.team_id, created_by=author.name
    )
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
    require_role(author, CURATORS, "change playlists")
    playlist = _visible(session, playlist_id, author)
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
    query = select(Playlist).order_by(Playlist.id.desc())
    if viewer.role != Role.ADMIN:
        query = query.where(Playlist.team_id == viewer.team_id)
    return list(session.scalars(query))


def read_playlist(session: Session, playlist_id: int, viewer: Principal) -> dict[str, Any]:
    playlist = _visible(session, playlist_id, viewer)
    items = session.scalars(
        select(PlaylistItem)
        .where(PlaylistItem.playlist_id == playlist.id)
        .order_by(PlaylistItem.id)
    )
    return {"id": playlist.id, "name": playlist.name, "description": playlist.description,
            "created_by": playlist.created_by, "items": [_item(session, i) for i in items]}  # fmt: skip


def _item(session: Session, item: PlaylistItem) -> dict[str, Any]:
    turns = list(session.scalars(
        select(CallTurn).where(CallTurn.call_id == item.call_id, CallTurn.idx.between(item.from_turn, item.to_turn))
        .order_by(CallTurn.idx)
    ))  # fmt: skip
    return {"id": item.id, "call_id": item.call_id, "from_turn": item.from_turn, "to_turn": item.to_turn,
            "note": item.note, "start": turns[0].start if turns else None, "end": turns[-1].end if turns else None,
            "turns": [{"index": t.idx, "speaker": t.speaker, "text": t.text} for t in turns]}  # fmt: skip


def _visible(session: Session, playlist_id: int, viewer: Principal) -> Playlist:
    playlist = session.get(Playlist, playlist_id)
    if playlist is None or (viewer.role != Role.ADMIN and playlist.team_id != viewer.team_id):
        raise NotFound(f"playlist {playlist_id} does not exist")
    return playlist
