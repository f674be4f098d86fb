"""Who may see and do what. One place, used by every service that reads or changes calls.

| role    | calls                                   | CRM records        | metrics, import/export |
|---------|-----------------------------------------|--------------------|------------------------|
| admin   | all                                     | read and write     | yes                    |
| manager | their team's reps' calls                | read and write     | their team             |
| rep     | their own calls (and uploads as self)   | read; own follow-ups| no                     |
| qa      | the calls in their QA queue             | no                 | no                     |

A refusal is 403 and says only what was refused, never whose call it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from auth.principal import Principal
from core.errors import Forbidden
from models import Call, Playlist, PlaylistItem, QaQueueItem, Rep, Role

__all__ = [
    "CRM_READERS",
    "CRM_WRITERS",
    "UPLOADERS",
    "call_visibility",
    "owns_follow_up",
    "require_call_access",
    "require_rep_in_team",
    "require_role",
    "team_scope",
]

UPLOADERS = (Role.ADMIN, Role.MANAGER, Role.REP)
CRM_WRITERS = (Role.ADMIN, Role.MANAGER)
CRM_READERS = (Role.ADMIN, Role.MANAGER, Role.REP)


def require_role(principal: Principal, roles: tuple[str, ...], action: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role} role may not {action}")


def call_visibility(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on `calls` for the calls this caller may see; None means all of them."""
    if principal.role == Role.ADMIN:
        return None
    shared = Call.id.in_(_team_playlist_calls(principal.team_id))
    if principal.role == Role.MANAGER:
        return or_(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == principal.team_id)), shared)
    if principal.role == Role.REP:
        return or_(Call.rep_id == principal.rep_id, shared)
    if principal.role == Role.QA:
        return Call.id.in_(
            select(QaQueueItem.call_id).where(QaQueueItem.reviewer_user_id == principal.user_id)
        )
    return false()


def _team_playlist_calls(team_id: int | None) -> Any:
    """Calls with a moment in one of the team's playlists: shared with the whole team."""
    return (
        select(PlaylistItem.call_id)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .where(Playlist.team_id == team_id)
    )


def require_call_access(session: Session, principal: Principal, call: Call) -> None:
    condition = call_visibility(principal)
    if condition is None:
        return
    visible = session.scalar(select(Call.id).where(Call.id == call.id, condition))
    if visible is None:
        raise Forbidden(f"you may not open call {call.id}")


def team_scope(principal: Principal, team: int | None) -> int | None:
    """The team a report covers: managers and reps only ever see their own team's (reps for
    their dashboard and the team leaderboard)."""
    require_role(principal, (Role.ADMIN, Role.MANAGER, Role.REP), "see team metrics")
    if principal.role in (Role.MANAGER, Role.REP):
        if team is not None and team != principal.team_id:
            raise Forbidden("you see only the metrics of your own team")
        if principal.team_id is None:
            raise Forbidden("you belong to no team, so there are no team metrics to show")
        return principal.team_id
    return team


def require_rep_in_team(session: Session, rep_id: int, team_id: int) -> None:
    if session.scalar(select(Rep.id).where(Rep.id == rep_id, Rep.team_id == team_id)) is None:
        raise Forbidden(f"rep {rep_id} is not in your team")


def owns_follow_up(principal: Principal, values: dict[str, Any]) -> bool:
    return principal.role == Role.REP and values.get("rep_id") == principal.rep_id
