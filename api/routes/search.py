"""Search and trackers over HTTP: /api/v1/search, /api/v1/trackers, a call's tracker hits and a
tracker's dashboard figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.routes.sales import PeriodDep
from api.schemas.paging import Page, page_out
from api.schemas.search import (
    CallTrackerOut,
    SearchCallsQuery,
    SearchHitOut,
    TrackerBody,
    TrackerFiguresOut,
    TrackerOut,
)
from core.types import Id
from search import trackers
from search.figures import tracker_figures
from search.schemas import TrackerIn
from search.service import search_turns

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search")
def search_calls(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    query: Annotated[SearchCallsQuery, Query()],
) -> Page[SearchHitOut]:
    """Turns of the calls you may open that say all the words, best match first."""
    tokenize = state.analyzer.get().tokens
    search = query.filters(state.settings.timezone)
    return page_out(search_turns(session, search, tokenize, principal, query.page()), SearchHitOut)


def _tracker_in(body: TrackerBody) -> TrackerIn:
    return TrackerIn(body.name, body.phrases, body.speaker, body.active)


@router.get("/trackers")
def read_trackers(session: SessionDep, principal: CurrentPrincipal) -> list[TrackerOut]:
    return [TrackerOut.model_validate(t) for t in trackers.list_trackers(session, principal)]


@router.post("/trackers", status_code=status.HTTP_201_CREATED)
def create_tracker(
    body: TrackerBody, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> TrackerOut:
    """Counted on every stored call right after the save, in the background (`counting` and
    `counted_share` say how far), then on each call as it is analysed."""
    row = trackers.create_tracker(session, _tracker_in(body), principal, state.count_tracker)
    return TrackerOut.model_validate(row)


@router.put("/trackers/{tracker_id}")
def update_tracker(
    tracker_id: Id,
    body: TrackerBody,
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
) -> TrackerOut:
    """Counted again on every stored call in the background, as after creating it."""
    row = trackers.update_tracker(
        session, tracker_id, _tracker_in(body), principal, state.count_tracker
    )
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
