"""/api/v1/metrics/*: figures for sales leaders; /api/v1/targets/{id}/progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, SessionDep, StateDep
from ingest import metrics as service
from ingest.errors import InvalidInput
from ingest.targets import target_progress

router = APIRouter(prefix="/api/v1", tags=["metrics"])

From = Annotated[date, Query(alias="from", description="First day of the period.")]
To = Annotated[date, Query(alias="to", description="Day after the period (exclusive).")]


def _period(start: date, end: date, team: int | None, timezone: str) -> service.Period:
    if end <= start:
        raise InvalidInput(f"'to' ({end}) must be after 'from' ({start})", field="to")
    return service.Period(start, end, team, timezone)


@router.get("/metrics/reps")
def read_rep_metrics(
    session: SessionDep,
    state: StateDep,
    _p: CurrentPrincipal,
    start: From,
    end: To,
    team: int | None = None,
) -> list[dict[str, Any]]:
    """Per rep: calls, talk time, commitment rate, SPIN mix, score, opportunities, win rate,
    average won amount (客单价), sales cycle, pipeline by stage and the pipeline formula."""
    return service.rep_metrics(session, _period(start, end, team, state.settings.timezone))


@router.get("/metrics/funnel")
def read_funnel_metrics(
    session: SessionDep,
    state: StateDep,
    _p: CurrentPrincipal,
    start: From,
    end: To,
    team: int | None = None,
) -> dict[str, Any]:
    """Stage-to-stage conversion of the opportunities created in the period."""
    period = _period(start, end, team, state.settings.timezone)
    return service.funnel_metrics(session, period, state.settings.funnel)


@router.get("/metrics/commitments")
def read_commitment_metrics(
    session: SessionDep,
    state: StateDep,
    _p: CurrentPrincipal,
    start: From,
    end: To,
    team: int | None = None,
) -> list[dict[str, Any]]:
    """Reps ranked by commitment rate, with a 95 % interval; small samples flagged and last."""
    return service.commitment_ranking(session, _period(start, end, team, state.settings.timezone))


@router.get("/metrics/behaviour")
def read_behaviour_metrics(
    session: SessionDep,
    state: StateDep,
    _p: CurrentPrincipal,
    start: From,
    end: To,
    team: int | None = None,
) -> dict[str, Any]:
    """Win rate of opportunities closed in the period, by advance / SPIN mix / talk ratio band."""
    return service.behaviour_metrics(session, _period(start, end, team, state.settings.timezone))


@router.get("/targets/{target_id}/progress")
def read_target_progress(
    target_id: int, session: SessionDep, state: StateDep, _p: CurrentPrincipal
) -> dict[str, Any]:
    """Target vs actual per quarter, month and week, and the activity the gap needs."""
    return target_progress(session, target_id, state.settings.timezone)
