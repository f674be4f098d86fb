"""/api/v1/metrics/*: figures for sales leaders; /api/v1/targets/{id}/progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import CurrentPrincipal, SessionDep, StateDep
from ingest import metrics as service
from ingest.access import require_rep_in_team, require_role, team_scope
from ingest.errors import InvalidInput
from ingest.targets import target_progress
from models import Role

router = APIRouter(prefix="/api/v1", tags=["metrics"])


def get_period(
    state: StateDep,
    principal: CurrentPrincipal,
    start: Annotated[date, Query(alias="from", description="First day of the period.")],
    end: Annotated[date, Query(alias="to", description="Day after the period (exclusive).")],
    team: Annotated[int | None, Query(description="Only this team's reps.")] = None,
) -> service.Period:
    if end <= start:
        raise InvalidInput(f"'to' ({end}) must be after 'from' ({start})", field="to")
    return service.Period(start, end, team_scope(principal, team), state.settings.timezone)


PeriodDep = Annotated[service.Period, Depends(get_period)]


@router.get("/metrics/reps")
def read_rep_metrics(
    session: SessionDep, period: PeriodDep, _p: CurrentPrincipal
) -> list[dict[str, Any]]:
    """Per rep: calls, talk time, commitment rate, SPIN mix, score, opportunities, win rate,
    average won amount (客单价), sales cycle, pipeline by stage and the pipeline formula."""
    return service.rep_metrics(session, period)


@router.get("/metrics/trend")
def read_trend_metrics(
    session: SessionDep, period: PeriodDep, _p: CurrentPrincipal, rep_id: int | None = None
) -> list[dict[str, Any]]:
    """Commitment rate and talk ratio per month, for one rep (of your team) or the whole team."""
    if rep_id is not None and period.team_id is not None:
        require_rep_in_team(session, rep_id, period.team_id)
    return service.commitment_trend(session, period, rep_id)


@router.get("/metrics/funnel")
def read_funnel_metrics(
    session: SessionDep, period: PeriodDep, state: StateDep, _p: CurrentPrincipal
) -> dict[str, Any]:
    """Stage-to-stage conversion of the opportunities created in the period."""
    return service.funnel_metrics(session, period, state.settings.funnel)


@router.get("/metrics/commitments")
def read_commitment_metrics(
    session: SessionDep, period: PeriodDep, _p: CurrentPrincipal
) -> list[dict[str, Any]]:
    """Reps ranked by commitment rate, with a 95 % interval; small samples flagged and last."""
    return service.commitment_ranking(session, period)


@router.get("/metrics/behaviour")
def read_behaviour_metrics(
    session: SessionDep, period: PeriodDep, _p: CurrentPrincipal
) -> dict[str, Any]:
    """Win rate of opportunities closed in the period, by advance / SPIN mix / talk ratio band."""
    return service.behaviour_metrics(session, period)


@router.get("/targets/{target_id}/progress")
def read_target_progress(
    target_id: int, session: SessionDep, state: StateDep, _p: CurrentPrincipal
) -> dict[str, Any]:
    """Target vs actual per quarter, month and week, and the activity the gap needs."""
    require_role(_p, (Role.ADMIN, Role.MANAGER), "see targets")
    return target_progress(session, target_id, state.settings.timezone)
