"""Sales reports over HTTP: /api/v1/metrics/* (figures for sales leaders) and /api/v1/targets
(targets and their progress)."""

# No `from __future__ import annotations` here: the record factory needs the real classes.

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import CurrentPrincipal, SessionDep, StateDep, requires
from api.routes.records import Limit, Offset, add_crud_routes, page_of, where
from api.schemas.crm import Page
from api.schemas.sales import TargetOut
from auth.permissions import CRM_READERS, require_rep_in_team, require_role, team_scope
from core.errors import InvalidInput
from crm import records
from models import Role, Target
from sales import metrics as service
from sales.periods import Period
from sales.schemas import TargetIn
from sales.targets import TARGETS, target_progress

router = APIRouter(prefix="/api/v1", tags=["sales"])
# Targets were CRM routes: admins, managers and reps.
_target_users = requires(CRM_READERS, "use CRM records")
targets = APIRouter(prefix="/api/v1", tags=["sales"], dependencies=[_target_users])


def get_period(
    state: StateDep,
    principal: CurrentPrincipal,
    start: Annotated[date, Query(alias="from", description="First day of the period.")],
    end: Annotated[date, Query(alias="to", description="Day after the period (exclusive).")],
    team: Annotated[int | None, Query(description="Only this team's reps.")] = None,
) -> Period:
    if end <= start:
        raise InvalidInput(f"'to' ({end}) must be after 'from' ({start})", field="to")
    return Period(start, end, team_scope(principal, team), state.settings.timezone)


PeriodDep = Annotated[Period, Depends(get_period)]


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


add_crud_routes(targets, "/targets", TARGETS, TargetOut, TargetIn, None, "target")


@targets.get("/targets")
def read_targets(
    session: SessionDep, _p: CurrentPrincipal, team_id: int | None = None, rep_id: int | None = None,
    year: int | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    conditions = where(
        (team_id, lambda: Target.team_id == team_id),
        (rep_id, lambda: Target.rep_id == rep_id),
        (year, lambda: Target.year == year),
    )
    items, total = records.list_records(session, TARGETS, conditions, limit=limit, offset=offset)
    return page_of(items, total, TargetOut, limit, offset)
