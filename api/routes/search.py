"""Search and trackers over HTTP: /api/v1/search, /api/v1/trackers, a call's tracker hits and a
tracker's dashboard figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.routes.records import Limit, Offset
from api.routes.sales import PeriodDep
from api.schemas.search import (
    CallTrackerOut,
    SearchPageOut,
    TrackerBody,
    TrackerFiguresOut,
    TrackerOut,
)
from core.types import Id
from ingest.calls import parse_moment
from search import trackers
from search.figures import tracker_figures
from search.schemas import SearchQuery, TrackerIn
from search.service import search_turns

router = APIRouter(prefix="/api/v1", tags=["search"])

_MOMENT = "ISO 8601; without an offset local time; a date alone is that day's midnight."


@router.get("/search")
def search_calls(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=200, description='Words, "phrases".')],
    rep_id: Id | None = None,
    team_id: Id | None = None,
    customer_id: Id | None = None,
    occurred_from: Annotated[str | None, Query(alias="from", description=_MOMENT)] = None,
    occurred_to: Annotated[str | None, Query(alias="to", description=_MOMENT)] = None,
    speaker: Annotated[str | None, Query(description="rep or customer")] = None,
    label: Annotated[str | None, Query(description="situation … need_payoff, advance …")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> SearchPageOut:
    """Turns of the calls you may open that say all the words, best match first."""
    zone = state.settings.timezone
    query = SearchQuery(
        q, rep_id, team_id, customer_id, parse_moment(occurred_from, zone, "from"),
        parse_moment(occurred_to, zone, "to"), speaker or None, label or None,
    )  # fmt: skip
    tokenize = state.analyzer.get().tokens
    page = search_turns(session, query, tokenize, principal, limit=limit, offset=offset)
    return SearchPageOut.model_validate(page)


def _tracker_in(body: TrackerBody) -> TrackerIn:
    return TrackerIn(body.name, body.phrases, body.speaker, body.active)


@router.get("/trackers")
def read_trackers(session: SessionDep, principal: CurrentPrincipal) -> list[TrackerOut]:
    return [TrackerOut.model_validate(t) for t in trackers.list_trackers(session, principal)]


@router.post("/trackers", status_code=status.HTTP_201_CREATED)
def create_tracker(
    body: TrackerBody, session: SessionDep, principal: CurrentPrincipal
) -> TrackerOut:
    """Counted at once on every stored call, then on each call as it is analysed."""
    row = trackers.create_tracker(session, _tracker_in(body), principal)
    return TrackerOut.model_validate(row)


@router.put("/trackers/{tracker_id}")
def update_tracker(
    tracker_id: Id, body: TrackerBody, session: SessionDep, principal: CurrentPrincipal
) -> TrackerOut:
    row = trackers.update_tracker(session, tracker_id, _tracker_in(body), principal)
    return TrackerOut.model_validate(row)


@router.delete("/trackers/{tracker_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tracker(tracker_id: Id, session: SessionDep, principal: CurrentPrincipal) -> None:
    trackers.delete_tracker(session, tracker_id, principal)


@router.get("/calls/{call_id}/trackers")
def read_call_trackers(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> list[CallTrackerOut]:
    """Each active tracker's mentions on the call: how many, and in which turns."""
    found = trackers.call_trackers(session, call_id, principal)
    return [CallTrackerOut.model_validate(t, from_attributes=True) for t in found]


@router.get("/trackers/{tracker_id}/figures")
def read_tracker_figures(
    tracker_id: Id, session: SessionDep, period: PeriodDep, principal: CurrentPrincipal
) -> TrackerFiguresOut:
    """Mentions per call by rep, by month, and the win rate of closed opportunities with vs
    without a mention, over the analysed calls of the period (your team's for managers)."""
    figures = tracker_figures(session, principal, period, tracker_id)
    return TrackerFiguresOut.model_validate(figures, from_attributes=True)
