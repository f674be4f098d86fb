"""The one permission model: for every action, which roles may do it and over which scope.

Scopes:
- `all`: every record.
- `team`: the records of the principal's team — the team itself, its reps, and what belongs to a
  rep of the team (calls, customers, opportunities, follow-ups, targets) — plus what the
  principal made themselves (a call they uploaded, a playlist they made).
- `own`: the records of the principal's own rep record, plus what they made themselves.
- `queue`: the calls in the principal's QA queue.

A record that belongs to no team (a call with no rep, a customer with no owner, a playlist with
no team) is in no team's scope: admins reach it, and its author where the record names one.
Calls in a team's playlist are shared with the whole team for reading.

Lists, exports and reports apply `visible(...)` in SQL; single records go through
`require_visible(...)`, whose 403 names only what was refused, never whose it is. Writes are
checked before the change and after it, so nothing can be moved into or out of one's scope.
The CLI and the worker act as `Principal.system(...)`, which may do everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, inspect, or_, select, true
from sqlalchemy.orm import Session

from auth.principal import Principal
from core.errors import Forbidden
from models import (
    Base,
    Call,
    Customer,
    FollowUp,
    Opportunity,
    Playlist,
    PlaylistItem,
    QaQueueItem,
    QaReview,
    Rep,
    Role,
    Target,
    Team,
)
from models.call_scope import CALL, REP, UPLOADER, ScopeColumn

__all__ = [
    "ACTIONS",
    "ANALYZE_TEXT",
    "APPEAL_REVIEWS",
    "CHANGE_PASSWORD",
    "COMMENT_CALLS",
    "CORRECT_LABELS",
    "CURATE_PLAYLISTS",
    "DECIDE_APPEALS",
    "DELETE_CALLS",
    "EDIT_CALLS",
    "EDIT_SCORECARD",
    "EDIT_TRANSCRIPTS",
    "EXPORT_CORRECTIONS",
    "EXPORT_CRM",
    "IMPORT_CRM",
    "MANAGE_USERS",
    "PLAN_QA",
    "READ_CALLS",
    "READ_CUSTOMERS",
    "READ_FOLLOW_UPS",
    "READ_METRICS",
    "READ_OPERATIONS",
    "READ_OPPORTUNITIES",
    "READ_PLAYLISTS",
    "READ_QA_REPORTS",
    "READ_QA_REVIEWS",
    "READ_QA_RULES",
    "READ_REPS",
    "READ_SELF",
    "READ_TARGETS",
    "READ_TEAMS",
    "READ_TRACKERS",
    "READ_VOCABULARY",
    "REANALYZE_CALLS",
    "REVIEW_CALLS",
    "SCORE_CALLS",
    "SEARCH_CALLS",
    "UPLOAD_CALLS",
    "WRITE_CUSTOMERS",
    "WRITE_FOLLOW_UPS",
    "WRITE_OPPORTUNITIES",
    "WRITE_QA_RULES",
    "WRITE_REPS",
    "WRITE_TARGETS",
    "WRITE_TEAMS",
    "WRITE_TRACKERS",
    "WRITE_VOCABULARY",
    "Action",
    "CallReach",
    "ReachPart",
    "Scope",
    "authorize",
    "call_reach",
    "record_name",
    "require_visible",
    "require_visible_after",
    "scope_of",
    "team_scope",
    "visible",
]


class Scope(StrEnum):
    ALL = "all"
    TEAM = "team"
    OWN = "own"
    QUEUE = "queue"


_ALL, _TEAM, _OWN, _QUEUE = Scope.ALL, Scope.TEAM, Scope.OWN, Scope.QUEUE
_A, _M, _R, _Q = Role.ADMIN, Role.MANAGER, Role.REP, Role.QA


@dataclass(frozen=True)
class Action:
    """Something a principal may do: `may` maps each role allowed to do it to its scope."""

    key: str
    summary: str  # "delete calls", as in "the rep role may not delete calls"
    verb: str  # "delete", as in "you may not delete call 12"
    may: Mapping[str, Scope] = field(default_factory=dict)


# fmt: off
READ_CALLS = Action("read_calls", "open calls", "open", {_A: _ALL, _M: _TEAM, _R: _OWN, _Q: _QUEUE})
UPLOAD_CALLS = Action("upload_calls", "upload calls", "upload", {_A: _ALL, _M: _TEAM, _R: _OWN})
DELETE_CALLS = Action("delete_calls", "delete calls", "delete", {_A: _ALL, _M: _TEAM})
# Relinking a call (rep, customer, opportunity), its title and time: who may upload it.
EDIT_CALLS = Action("edit_calls", "change calls", "change", UPLOAD_CALLS.may)
REANALYZE_CALLS = Action("reanalyze_calls", "re-run analyses", "re-analyse", {_A: _ALL, _M: _TEAM})
SEARCH_CALLS = Action("search_calls", "search calls", "search", {_A: _ALL, _M: _TEAM, _R: _OWN, _Q: _QUEUE})
ANALYZE_TEXT = Action("analyze_text", "analyse text", "analyse", {_A: _ALL, _M: _ALL, _R: _ALL, _Q: _ALL})
COMMENT_CALLS = Action("comment_calls", "comment on calls", "comment on", {_A: _ALL, _M: _TEAM, _R: _OWN, _Q: _QUEUE})
CORRECT_LABELS = Action("correct_labels", "correct labels", "correct", {_A: _ALL, _M: _TEAM, _Q: _QUEUE})
# Whoever may correct a turn's labels may correct its words: the same review, the same reach.
EDIT_TRANSCRIPTS = Action("edit_transcripts", "edit transcripts", "edit", CORRECT_LABELS.may)
EXPORT_CORRECTIONS = Action("export_corrections", "export label corrections", "export", {_A: _ALL})
SCORE_CALLS = Action("score_calls", "fill in scorecards", "score", {_A: _ALL, _M: _TEAM})
EDIT_SCORECARD = Action("edit_scorecard", "change the scorecard", "change", {_A: _ALL})
READ_PLAYLISTS = Action("read_playlists", "see playlists", "open", {_A: _ALL, _M: _TEAM, _R: _TEAM})
CURATE_PLAYLISTS = Action("curate_playlists", "change playlists", "change", {_A: _ALL, _M: _TEAM})
READ_TEAMS = Action("read_teams", "see teams", "open", {_A: _ALL, _M: _TEAM, _R: _TEAM})
WRITE_TEAMS = Action("write_teams", "change teams", "change", {_A: _ALL})
READ_REPS = Action("read_reps", "see reps", "open", {_A: _ALL, _M: _TEAM, _R: _TEAM})
WRITE_REPS = Action("write_reps", "change reps", "change", {_A: _ALL, _M: _TEAM})
READ_CUSTOMERS = Action("read_customers", "see customers", "open", {_A: _ALL, _M: _TEAM, _R: _OWN})
WRITE_CUSTOMERS = Action("write_customers", "change customers", "change", {_A: _ALL, _M: _TEAM})
READ_OPPORTUNITIES = Action("read_opportunities", "see opportunities", "open", {_A: _ALL, _M: _TEAM, _R: _OWN})
WRITE_OPPORTUNITIES = Action("write_opportunities", "change opportunities", "change", {_A: _ALL, _M: _TEAM})
READ_FOLLOW_UPS = Action("read_follow_ups", "see follow-ups", "open", {_A: _ALL, _M: _TEAM, _R: _OWN})
WRITE_FOLLOW_UPS = Action("write_follow_ups", "change follow-ups", "change", {_A: _ALL, _M: _TEAM, _R: _OWN})
READ_TARGETS = Action("read_targets", "see targets", "open", {_A: _ALL, _M: _TEAM})
WRITE_TARGETS = Action("write_targets", "change targets", "change", {_A: _ALL, _M: _TEAM})
IMPORT_CRM = Action("import_crm", "import CRM data", "import", {_A: _ALL, _M: _TEAM})
EXPORT_CRM = Action("export_crm", "export CRM data", "export", {_A: _ALL, _M: _TEAM})
READ_METRICS = Action("read_metrics", "see team metrics", "see", {_A: _ALL, _M: _TEAM, _R: _TEAM})
READ_QA_RULES = Action("read_qa_rules", "read QA rules", "read", {_A: _ALL, _M: _ALL, _Q: _ALL})
WRITE_QA_RULES = Action("write_qa_rules", "change QA rules", "change", {_A: _ALL, _Q: _ALL})
PLAN_QA = Action("plan_qa", "create and draw sampling plans", "sample", {_A: _ALL, _M: _TEAM, _Q: _ALL})
REVIEW_CALLS = Action("review_calls", "review calls", "review", {_A: _ALL, _Q: _QUEUE})
READ_QA_REVIEWS = Action("read_qa_reviews", "see QA reviews", "open", {_A: _ALL, _M: _TEAM, _R: _OWN, _Q: _ALL})
APPEAL_REVIEWS = Action("appeal_reviews", "appeal QA reviews", "appeal", {_R: _OWN})
DECIDE_APPEALS = Action("decide_appeals", "decide appeals", "decide", {_A: _ALL, _Q: _ALL})
READ_QA_REPORTS = Action("read_qa_reports", "see QA reports", "see", {_A: _ALL, _M: _TEAM, _Q: _ALL})
READ_TRACKERS = Action("read_trackers", "see trackers", "see", {_A: _ALL, _M: _ALL, _R: _ALL, _Q: _ALL})
WRITE_TRACKERS = Action("write_trackers", "change trackers", "change", {_A: _ALL, _M: _ALL})
READ_VOCABULARY = Action("read_vocabulary", "see the vocabulary", "see", {_A: _ALL, _M: _ALL, _R: _ALL, _Q: _ALL})
WRITE_VOCABULARY = Action("write_vocabulary", "change the vocabulary", "change", {_A: _ALL, _M: _ALL})
READ_OPERATIONS = Action("read_operations", "read the service's metrics", "read", {_A: _ALL})
MANAGE_USERS = Action("manage_users", "manage users and tokens", "change", {_A: _ALL})
READ_SELF = Action("read_self", "see who they are", "see", {_A: _ALL, _M: _ALL, _R: _ALL, _Q: _ALL})
CHANGE_PASSWORD = Action("change_password", "change their own password", "change",
                         {_A: _ALL, _M: _ALL, _R: _ALL, _Q: _ALL})
# fmt: on

ACTIONS: tuple[Action, ...] = (
    READ_CALLS,
    UPLOAD_CALLS,
    DELETE_CALLS,
    EDIT_CALLS,
    REANALYZE_CALLS,
    SEARCH_CALLS,
    ANALYZE_TEXT,
    COMMENT_CALLS,
    CORRECT_LABELS,
    EDIT_TRANSCRIPTS,
    EXPORT_CORRECTIONS,
    SCORE_CALLS,
    EDIT_SCORECARD,
    READ_PLAYLISTS,
    CURATE_PLAYLISTS,
    READ_TEAMS,
    WRITE_TEAMS,
    READ_REPS,
    WRITE_REPS,
    READ_CUSTOMERS,
    WRITE_CUSTOMERS,
    READ_OPPORTUNITIES,
    WRITE_OPPORTUNITIES,
    READ_FOLLOW_UPS,
    WRITE_FOLLOW_UPS,
    READ_TARGETS,
    WRITE_TARGETS,
    IMPORT_CRM,
    EXPORT_CRM,
    READ_METRICS,
    READ_QA_RULES,
    WRITE_QA_RULES,
    PLAN_QA,
    REVIEW_CALLS,
    READ_QA_REVIEWS,
    APPEAL_REVIEWS,
    DECIDE_APPEALS,
    READ_QA_REPORTS,
    READ_TRACKERS,
    WRITE_TRACKERS,
    READ_VOCABULARY,
    WRITE_VOCABULARY,
    READ_OPERATIONS,
    MANAGE_USERS,
    READ_SELF,
    CHANGE_PASSWORD,
)

# Who a record belongs to, per table: the rep it belongs to, the team it belongs to directly,
# the user who made it, or (via) the record of another table it hangs off.
_RECORD_NAMES: dict[type[Base], str] = {
    Call: "call", Rep: "rep", Team: "team", Customer: "customer", Opportunity: "opportunity",
    FollowUp: "follow-up", Target: "target", Playlist: "playlist", QaReview: "review",
}  # fmt: skip


@dataclass(frozen=True)
class _Ownership:
    rep: Any = None
    team: Any = None
    author: Any = None
    via: tuple[Any, type[Base]] | None = None


_OWNERSHIP: dict[type[Base], _Ownership] = {
    Call: _Ownership(rep=Call.rep_id, author=Call.uploaded_by_user_id),
    Rep: _Ownership(rep=Rep.id, team=Rep.team_id),
    Team: _Ownership(team=Team.id),
    Customer: _Ownership(rep=Customer.owner_rep_id),
    Opportunity: _Ownership(rep=Opportunity.owner_rep_id),
    FollowUp: _Ownership(rep=FollowUp.rep_id),
    Target: _Ownership(rep=Target.rep_id, team=Target.team_id),
    Playlist: _Ownership(team=Playlist.team_id, author=Playlist.created_by_user_id),
    QaReview: _Ownership(via=(QaReview.call_id, Call)),
}
_WHERE = {_TEAM: "your team", _OWN: "you", _QUEUE: "your queue", _ALL: "anyone"}


def scope_of(principal: Principal, action: Action) -> Scope | None:
    """The scope `principal` may do `action` over, or None when its role may not do it at all."""
    if principal.is_system:
        return _ALL
    return action.may.get(principal.role)


def authorize(principal: Principal, action: Action) -> Scope:
    """The principal's scope for `action`; 403 when their role may not do it at all."""
    scope = scope_of(principal, action)
    if scope is None:
        raise Forbidden(f"the {principal.role} role may not {action.summary}")
    return scope


def visible(principal: Principal, action: Action, model: type[Base]) -> ColumnElement[bool]:
    """A SQL condition on `model`'s table: the rows `principal` may do `action` to."""
    return _condition(authorize(principal, action), principal, model, action)


def require_visible(session: Session, principal: Principal, action: Action, record: Base) -> None:
    """403 unless `principal` may do `action` to `record` (a stored row)."""
    if not _reaches(session, principal, action, record):
        name = record_name(record)
        raise Forbidden(f"you may not {action.verb} {name} {_id(record)}")


def require_visible_after(
    session: Session, principal: Principal, action: Action, record: Base
) -> None:
    """After a create or change (flushed here): 403 when the record left `principal`'s scope."""
    session.flush()
    if not _reaches(session, principal, action, record):
        where = _WHERE[authorize(principal, action)]
        name = record_name(record)
        raise Forbidden(
            f"you may not {action.verb} {name} {_id(record)}: it must belong to {where}"
        )


def team_scope(principal: Principal, team: int | None) -> int | None:
    """The team a report covers: with a team scope only ever the principal's own team."""
    if authorize(principal, READ_METRICS) is _ALL:
        return team
    if team is not None and team != principal.team_id:
        raise Forbidden("you see only the metrics of your own team")
    if principal.team_id is None:
        raise Forbidden("you belong to no team, so there are no team metrics to show")
    return principal.team_id


def record_name(record: Base | type[Base]) -> str:
    model = record if isinstance(record, type) else type(record)
    return _RECORD_NAMES.get(model, str(model.__tablename__))


def _reaches(session: Session, principal: Principal, action: Action, record: Base) -> bool:
    model = type(record)
    key = model.__table__.c.id
    condition = visible(principal, action, model)
    return session.scalar(select(key).where(key == _id(record), condition)) is not None


def _id(record: Base) -> Any:
    identity = inspect(record).identity  # set once the row is stored (or flushed)
    return identity[0] if identity else None


def _condition(
    scope: Scope, principal: Principal, model: type[Base], action: Action
) -> ColumnElement[bool]:
    if scope is _ALL:
        return true()
    owner = _OWNERSHIP[model]
    if owner.via is not None:
        column, parent = owner.via
        parent_key = parent.__table__.c.id
        parents = select(parent_key).where(_condition(scope, principal, parent, action))
        condition: ColumnElement[bool] = column.in_(parents)
        return condition
    if model is Call:
        return _reach_condition(_reach(scope, principal, action))
    clauses = _owner_clauses(scope, principal, owner)
    return or_(*clauses) if clauses else false()


def _owner_clauses(scope: Scope, principal: Principal, owner: _Ownership) -> list[Any]:
    """Comparisons with None are left out: `team_id == None` would match every teamless row."""
    clauses: list[Any] = []
    if owner.author is not None and principal.user_id is not None:
        clauses.append(owner.author == principal.user_id)
    if scope is _TEAM and principal.team_id is not None:
        if owner.team is not None:
            clauses.append(owner.team == principal.team_id)
        if owner.rep is not None:
            clauses.append(owner.rep.in_(_team_reps(principal.team_id)))
    if scope is _OWN and principal.rep_id is not None and owner.rep is not None:
        clauses.append(owner.rep == principal.rep_id)
    return clauses


@dataclass(frozen=True, slots=True)
class ReachPart:
    """The calls whose `column` (one of models.call_scope.CALL_SCOPE) is `values`: one id, or
    any id a SELECT gives."""

    column: ScopeColumn
    values: int | Select[Any]


@dataclass(frozen=True, slots=True)
class CallReach:
    """The calls a principal reaches for an action: every call, or those in any of `parts`.
    The parts are columns of the call (models.call_scope), so the same reach is SQL over `calls`
    here and tokens of the search index in search/narrow.py."""

    everything: bool = False
    parts: tuple[ReachPart, ...] = ()


def call_reach(principal: Principal, action: Action) -> CallReach:
    """The calls `principal` may do `action` to, in parts; 403 when their role may not."""
    return _reach(authorize(principal, action), principal, action)


def _reach(scope: Scope, principal: Principal, action: Action) -> CallReach:
    """Who reaches which calls: every call (all); the calls they uploaded; with a team scope the
    calls of their team's reps, with an own scope their own rep's; the calls shared with them
    (their QA queue, their team's playlists for reading)."""
    if scope is _ALL:
        return CallReach(everything=True)
    parts: list[ReachPart] = []
    if principal.user_id is not None:
        parts.append(ReachPart(UPLOADER, principal.user_id))
    if scope is _TEAM and principal.team_id is not None:
        parts.append(ReachPart(REP, _team_reps(principal.team_id)))
    if scope is _OWN and principal.rep_id is not None:
        parts.append(ReachPart(REP, principal.rep_id))
    shared = _shared_calls(scope, principal, action)
    if shared is not None:
        parts.append(ReachPart(CALL, shared))
    return CallReach(parts=tuple(parts))


def _reach_condition(reach: CallReach) -> ColumnElement[bool]:
    if reach.everything:
        return true()
    clauses = []
    for part in reach.parts:
        column = Call.__table__.c[part.column.column]
        values = part.values
        clauses.append(column == values if isinstance(values, int) else column.in_(values))
    return or_(*clauses) if clauses else false()


def _shared_calls(scope: Scope, principal: Principal, action: Action) -> Any:
    """Calls in the principal's QA queue; for reading (and searching), calls in their team's
    playlists. None when neither applies."""
    if scope is _QUEUE and principal.user_id is not None:
        return select(QaQueueItem.call_id).where(QaQueueItem.reviewer_user_id == principal.user_id)
    if action in (READ_CALLS, SEARCH_CALLS, COMMENT_CALLS) and principal.team_id is not None:
        return (
            select(PlaylistItem.call_id)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.team_id == principal.team_id)
        )
    return None


def _team_reps(team_id: int) -> Any:
    return select(Rep.id).where(Rep.team_id == team_id)
