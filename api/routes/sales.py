"""Sales reports over HTTP: /api/v1/metrics/* (figures for sales leaders) and /api/v1/targets
(targets and their progress)."""

# No `from __future__ import annotations` here: the record factory needs the real classes.

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.routes.records import add_crud_routes
from api.schemas.paging import Page, page_out
from api.schemas.sales import (
    BehaviourOut,
    CallOutcomeOut,
    CommitmentRankOut,
    FunnelOut,
    RepMetricsOut,
    StalledDealOut,
    TargetOut,
    TargetProgressOut,
    TargetQuery,
    TrendPointOut,
)
from core.errors import InvalidInput
from core.types import Id, SaneDate
from crm import records
from sales import metrics as service
from sales.periods import Period
from sales.schemas import TargetIn
from sales.stalls import opportunity_outcomes, stalled_deals
from sales.targets import TARGETS, target_progress
from sales.traps import StallRule

router = APIRouter(prefix="/api/v1", tags=["sales"])


def get_period(
    state: StateDep,
    start: Annotated[SaneDate, Query(alias="from", description="First day of the period.")],
    end: Annotated[SaneDate, Query(alias="to", description="Day after the period (exclusive).")],
    team: Annotated[int | None, Query(description="Only this team's reps.")] = None,
) -> Period:
    """The period asked for; the services narrow it to the caller's own team where they must."""
    if end <= start:
        raise InvalidInput(f"'to' ({end}) must be after 'from' ({start})", field="to")
    return Period(start, end, team, state.settings.timezone)


PeriodDep = Annotated[Period, Depends(get_period)]
MinConfidence = Annotated[
    float | None,
    Query(
        ge=0,
        le=1,
        description="Leave out the model's labels less sure than this (0–1); corrected labels "
        "always count.",
    ),
]


@router.get("/metrics/reps")
def read_rep_metrics(
    session: SessionDep,
    period: PeriodDep,
    principal: CurrentPrincipal,
    min_confidence: MinConfidence = None,
) -> list[RepMetricsOut]:
    """Per rep: calls, talk time, commitment rate, SPIN mix, score, opportunities, win rate,
    average won amount (客单价), sales cycle, pipeline by stage and the pipeline formula."""
    rows = service.rep_metrics(session, principal, period, min_confidence)
    return [RepMetricsOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/metrics/trend")
def read_trend_metrics(
    session: SessionDep,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rep_id: Id | None = None,
    min_confidence: MinConfidence = None,
) -> list[TrendPointOut]:
    """Commitment rate and talk ratio per month, for one rep (of your team) or the whole team."""
    rows = service.commitment_trend(session, principal, period, rep_id, min_confidence)
    return [TrendPointOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/metrics/funnel")
def read_funnel_metrics(
    session: SessionDep,
    period: PeriodDep,
    state: StateDep,
    principal: CurrentPrincipal,
    rep_id: Id | None = None,
) -> FunnelOut:
    """Stage-to-stage conversion of the opportunities created in the period: those one rep owns
    (of your team), or the whole team's."""
    funnel = service.funnel_metrics(session, principal, period, state.settings.funnel, rep_id)
    return FunnelOut.model_validate(funnel, from_attributes=True)


@router.get("/metrics/commitments")
def read_commitment_metrics(
    session: SessionDep,
    period: PeriodDep,
    principal: CurrentPrincipal,
    min_confidence: MinConfidence = None,
) -> list[CommitmentRankOut]:
    """Reps ranked by commitment rate, with a 95 % interval; small samples flagged and last."""
    rows = service.commitment_ranking(session, principal, period, min_confidence)
    return [CommitmentRankOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/metrics/behaviour")
def read_behaviour_metrics(
    session: SessionDep,
    period: PeriodDep,
    state: StateDep,
    principal: CurrentPrincipal,
    min_confidence: MinConfidence = None,
) -> BehaviourOut:
    """Win rate of opportunities closed in the period, by continuation trap / advance / SPIN mix /
    talk ratio band."""
    figures = service.behaviour_metrics(
        session, principal, period, _stall_rule(state), min_confidence
    )
    return BehaviourOut.model_validate(figures, from_attributes=True)


def _stall_rule(state: StateDep) -> StallRule:
    return StallRule(state.settings.stall_calls, state.settings.stall_days)


@router.get("/stalled-deals")
def read_stalled_deals(
    session: SessionDep, state: StateDep, principal: CurrentPrincipal, rep_id: Id | None = None
) -> list[StalledDealOut]:
    """Open deals caught in the continuation trap (last N calls without an advance, or no advance
    for D days), with the reasons, ordered by rep."""
    today = datetime.now(ZoneInfo(state.settings.timezone)).date()
    rows = stalled_deals(
        session, principal, today, _stall_rule(state), state.settings.timezone, rep_id
    )
    return [StalledDealOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/opportunities/{opportunity_id}/outcomes")
def read_opportunity_outcomes(
    opportunity_id: Id, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> list[CallOutcomeOut]:
    """The outcome of each analysed call linked to the opportunity, oldest first."""
    outcomes = opportunity_outcomes(session, principal, opportunity_id, state.settings.timezone)
    return [CallOutcomeOut.model_validate(o) for o in outcomes]


add_crud_routes(router, "/targets", TARGETS, TargetOut, TargetIn, None, "target")


@router.get("/targets")
def read_targets(
    session: SessionDep, principal: CurrentPrincipal, query: Annotated[TargetQuery, Query()]
) -> Page[TargetOut]:
    found = records.list_records(session, TARGETS, principal, query.filters(), query.page())
    return page_out(found, TargetOut)


@router.get("/targets/{target_id}/progress")
def read_target_progress(
    target_id: Id, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> TargetProgressOut:
    """Target vs actual per quarter, month and week, and the activity the gap needs."""
    progress = target_progress(session, target_id, principal, state.settings.timezone)
    return TargetProgressOut.model_validate(progress, from_attributes=True)
