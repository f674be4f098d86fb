"""Pipeline and conversion figures for sales leaders, aggregated in SQL.

The call figures count the labels in effect (a person's correction over the model's label);
`min_confidence` leaves out the model's labels below it (sales/label_counts.py).

销售业绩 = 商机数量 × 转化率 × 客单价 / 销售周期: per rep, `opportunities_created × win_rate ×
average_won_amount / mean_sales_cycle_days` is the yuan per day that rep's pipeline produces.
Every rate over an empty denominator is 0, never NaN or an error.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, select, union_all
from sqlalchemy.orm import Session

from auth.permissions import READ_METRICS, require_visible
from auth.principal import Principal
from core.errors import NotFound
from models import Call, CallAnalysis, FollowUp, Opportunity, OpportunityStatus, Rep
from sales.label_counts import SPIN_TYPES, call_label_counts
from sales.periods import Period, day_before, days_between, month_of, safe_ratio, scoped
from sales.stalls import call_outcomes
from sales.traps import StallRule, fell_into_trap

__all__ = [
    "SMALL_SAMPLE",
    "Behaviour",
    "CommitmentRank",
    "Funnel",
    "FunnelStage",
    "FunnelStep",
    "RepMetrics",
    "TrendPoint",
    "WinBand",
    "behaviour_metrics",
    "closed_in_period",
    "commitment_ranking",
    "commitment_trend",
    "funnel_metrics",
    "rep_metrics",
    "wilson_interval",
    "win_band",
]

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")
SMALL_SAMPLE = 10  # fewer analysed calls than this: flagged, and never ranked above real samples
_Z95 = 1.96
_DEFAULT_RULE = StallRule()


@dataclass(frozen=True, slots=True)
class _CallFigures:
    calls: int = 0
    analysed_calls: int = 0
    talk_time_s: float = 0.0
    commitment_rate: float = 0.0
    advances_per_call: float = 0.0
    spin_mix: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SPIN_TYPES, 0.0))
    implication_need_payoff_share: float = 0.0
    mean_score: float = 0.0
    mean_talk_ratio: float = 0.0


@dataclass(frozen=True, slots=True)
class _DealFigures:
    opportunities_created: int = 0
    won: int = 0
    lost: int = 0
    win_rate: float = 0.0
    average_won_amount: float = 0.0
    mean_sales_cycle_days: float = 0.0


@dataclass(frozen=True, slots=True)
class _ObjectiveFigures:
    objectives_judged: int = 0
    objectives_primary_achieved: int = 0
    objectives_achieved: int = 0
    objective_achieved_share: float = 0.0


@dataclass(frozen=True, slots=True)
class RepMetrics:
    """One rep's figures for a period (api/schemas/sales.RepMetricsOut says what each means)."""

    rep_id: int
    rep: str
    team_id: int | None
    calls: int
    analysed_calls: int
    talk_time_s: float
    commitment_rate: float
    advances_per_call: float
    spin_mix: dict[str, float]
    implication_need_payoff_share: float
    mean_score: float
    mean_talk_ratio: float
    opportunities_created: int
    won: int
    lost: int
    win_rate: float
    average_won_amount: float
    mean_sales_cycle_days: float
    pipeline_by_stage: dict[str, float]
    pipeline_value: float
    sales_velocity_per_day: float
    objectives_judged: int
    objectives_primary_achieved: int
    objectives_achieved: int
    objective_achieved_share: float


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: str
    analysed_calls: int
    commitment_rate: float
    mean_talk_ratio: float


@dataclass(frozen=True, slots=True)
class FunnelStage:
    stage: str
    reached: int


@dataclass(frozen=True, slots=True)
class FunnelStep:
    from_stage: str
    to: str
    conversion: float


@dataclass(frozen=True, slots=True)
class Funnel:
    stages: list[FunnelStage]
    steps: list[FunnelStep]
    created: int
    won: int
    lost: int
    overall_conversion: float


@dataclass(frozen=True, slots=True)
class CommitmentRank:
    rep_id: int
    rep: str
    analysed_calls: int
    committed_calls: int
    commitment_rate: float
    confidence_low: float
    confidence_high: float
    small_sample: bool
    rank: int


@dataclass(frozen=True, slots=True)
class WinBand:
    """One band of a behaviour → outcome comparison: its closed deals and the share won."""

    band: str
    opportunities: int
    won: int
    win_rate: float


@dataclass(frozen=True, slots=True)
class Behaviour:
    by_trap: list[WinBand]
    by_advance: list[WinBand]
    by_spin_mix: list[WinBand]
    by_talk_ratio: list[WinBand]


def rep_metrics(
    session: Session, principal: Principal, period: Period, min_confidence: float | None = None
) -> list[RepMetrics]:
    period = scoped(principal, period)
    reps = session.execute(_reps(period)).all()
    figures = _call_figures(period, min_confidence)
    calls = {row.rep_id: row for row in session.execute(figures)}
    opps = {row.owner_rep_id: row for row in session.execute(_opportunity_figures(session, period))}
    pipeline = _pipeline_by_stage(session, period)
    objectives = {row.rep_id: row for row in session.execute(_objective_figures(period))}
    return [
        _rep_row(
            (rep.id, rep.name, rep.team_id),
            _call_part(calls.get(rep.id)),
            _opportunity_part(opps.get(rep.id)),
            _objective_part(objectives.get(rep.id)),
            pipeline[rep.id],
        )
        for rep in reps
    ]


def _objective_figures(period: Period) -> Select[Any]:
    """Per rep: commitment objectives judged on calls of the period (on follow-ups and on
    opportunities; one call may answer one of each), and how many were met."""
    judged = union_all(
        select(FollowUp.rep_id.label("rep_id"), FollowUp.objective_outcome.label("outcome"),
               FollowUp.objective_call_id.label("call_id")).where(FollowUp.objective_outcome.is_not(None)),
        select(Opportunity.owner_rep_id, Opportunity.objective_outcome, Opportunity.objective_call_id)
        .where(Opportunity.objective_outcome.is_not(None)),
    ).subquery()  # fmt: skip
    start, end = period.call_bounds()
    outcome = judged.c.outcome
    return (
        select(
            judged.c.rep_id,
            func.count().label("judged"),
            func.sum(case((outcome == "primary_achieved", 1), else_=0)).label("primary"),
            func.sum(
                case((outcome.in_(("primary_achieved", "minimum_achieved")), 1), else_=0)
            ).label("met"),
        )
        .join(Call, Call.id == judged.c.call_id)
        .where(Call.happened_at >= start, Call.happened_at < end)
        .group_by(judged.c.rep_id)
    )


def _objective_part(row: Any) -> _ObjectiveFigures:
    if row is None:
        return _ObjectiveFigures()
    judged, primary, met = int(row.judged), int(row.primary), int(row.met)
    return _ObjectiveFigures(judged, primary, met, safe_ratio(met, judged))


def _reps(period: Period) -> Select[int, str, int | None]:
    query = select(Rep.id, Rep.name, Rep.team_id).order_by(Rep.id)
    return query.where(Rep.team_id == period.team_id) if period.team_id is not None else query


def _call_figures(period: Period, min_confidence: float | None) -> Select[Any]:
    start, end = period.call_bounds()
    when = Call.happened_at
    counts = call_label_counts(min_confidence)
    return (
        select(
            Call.rep_id,
            func.count(Call.id).label("calls"),
            _total(Call.duration_s).label("talk_time_s"),
            func.count(counts.c.call_id).label("analysed"),  # sales conversations only
            _total(counts.c.committed).label("committed"),
            _total(counts.c.advances).label("advances"),
            *(_total(counts.c[kind]).label(kind) for kind in SPIN_TYPES),
            func.avg(CallAnalysis.score).label("mean_score"),  # AVG skips the null scores
            func.avg(CallAnalysis.talk_ratio).label("mean_talk_ratio"),
        )
        .outerjoin(CallAnalysis, CallAnalysis.call_id == Call.id)
        .outerjoin(counts, counts.c.call_id == Call.id)
        .where(Call.rep_id.is_not(None), when >= start, when < end)
        .group_by(Call.rep_id)
    )


def _total(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _opportunity_figures(session: Session, period: Period) -> Select[Any]:
    created = Opportunity.created_on.between(period.start, day_before(period.end))
    closed_in = Opportunity.closed_on.between(period.start, day_before(period.end))
    won = and_(Opportunity.status == OpportunityStatus.WON, closed_in)
    lost = and_(Opportunity.status == OpportunityStatus.LOST, closed_in)
    # A deal won the day it was created took a day of work, not none: with a zero-day cycle its
    # velocity would read ¥0 for a rep who just won ¥36 000.
    days = days_between(session, Opportunity.closed_on, Opportunity.created_on)
    cycle = case((days < 1, 1), else_=days)
    return select(
        Opportunity.owner_rep_id,
        func.sum(case((created, 1), else_=0)).label("created"),
        func.sum(case((won, 1), else_=0)).label("won"),
        func.sum(case((lost, 1), else_=0)).label("lost"),
        func.sum(case((won, Opportunity.amount), else_=0)).label("won_amount"),
        func.avg(case((won, cycle), else_=None)).label("mean_cycle_days"),
    ).group_by(Opportunity.owner_rep_id)


def _pipeline_by_stage(session: Session, period: Period) -> dict[int, dict[str, float]]:
    rows = session.execute(
        select(Opportunity.owner_rep_id, Opportunity.stage, func.sum(Opportunity.amount))
        .where(Opportunity.status == OpportunityStatus.OPEN)
        .group_by(Opportunity.owner_rep_id, Opportunity.stage)
    )
    pipeline: dict[int, dict[str, float]] = defaultdict(dict)
    for rep_id, stage, amount in rows:
        pipeline[rep_id][stage] = round(float(amount or 0), 2)
    return pipeline


def _rep_row(
    rep: tuple[int, str, int | None],
    c: _CallFigures,
    o: _DealFigures,
    objectives: _ObjectiveFigures,
    pipeline: dict[str, float],
) -> RepMetrics:
    rep_id, name, team_id = rep
    velocity = safe_ratio(
        o.opportunities_created * o.win_rate * o.average_won_amount, o.mean_sales_cycle_days, 2
    )
    return RepMetrics(
        rep_id=rep_id, rep=name, team_id=team_id,
        calls=c.calls, analysed_calls=c.analysed_calls, talk_time_s=c.talk_time_s,
        commitment_rate=c.commitment_rate, advances_per_call=c.advances_per_call,
        spin_mix=c.spin_mix,
        implication_need_payoff_share=c.implication_need_payoff_share,
        mean_score=c.mean_score, mean_talk_ratio=c.mean_talk_ratio,
        opportunities_created=o.opportunities_created, won=o.won, lost=o.lost,
        win_rate=o.win_rate, average_won_amount=o.average_won_amount,
        mean_sales_cycle_days=o.mean_sales_cycle_days,
        pipeline_by_stage=pipeline, pipeline_value=round(sum(pipeline.values()), 2),
        sales_velocity_per_day=velocity,
        objectives_judged=objectives.objectives_judged,
        objectives_primary_achieved=objectives.objectives_primary_achieved,
        objectives_achieved=objectives.objectives_achieved,
        objective_achieved_share=objectives.objective_achieved_share,
    )  # fmt: skip


def _call_part(row: Any) -> _CallFigures:
    if row is None:
        return _CallFigures()
    analysed = row.analysed
    spin = {k: int(getattr(row, k) or 0) for k in SPIN_TYPES}
    spin_total = sum(spin.values())
    return _CallFigures(
        calls=row.calls,
        analysed_calls=analysed,
        talk_time_s=round(float(row.talk_time_s), 1),
        commitment_rate=safe_ratio(row.committed, analysed),
        advances_per_call=safe_ratio(row.advances, analysed),
        spin_mix={k: safe_ratio(v, spin_total) for k, v in spin.items()},
        implication_need_payoff_share=safe_ratio(
            spin["implication"] + spin["need_payoff"], spin_total
        ),
        mean_score=_rounded(row.mean_score, 1),
        mean_talk_ratio=_rounded(row.mean_talk_ratio, 3),
    )


def _rounded(value: Any, digits: int) -> float:
    """An average over no rows is NULL: 0 then, as every rate over nothing."""
    return round(float(value), digits) if value is not None else 0.0


def _opportunity_part(row: Any) -> _DealFigures:
    if row is None:
        return _DealFigures()
    created, won, lost = int(row.created or 0), int(row.won or 0), int(row.lost or 0)
    return _DealFigures(
        opportunities_created=created,
        won=won,
        lost=lost,
        win_rate=safe_ratio(won, won + lost),
        average_won_amount=safe_ratio(row.won_amount, won, 2),
        mean_sales_cycle_days=_rounded(row.mean_cycle_days, 1),
    )


def commitment_trend(
    session: Session,
    principal: Principal,
    period: Period,
    rep_id: int | None,
    min_confidence: float | None = None,
) -> list[TrendPoint]:
    """Per calendar month (UTC) of the period: analysed calls, commitment rate, mean talk ratio;
    for one rep, or for the whole team / everyone in scope."""
    period = scoped(principal, period)
    if rep_id is not None:
        _require_rep_in_scope(session, principal, rep_id)
    month = month_of(session, Call.happened_at).label("month")
    start, end = period.call_bounds()
    counts = call_label_counts(min_confidence)
    query = (
        select(month, func.count(counts.c.call_id), func.sum(counts.c.committed),
               func.avg(CallAnalysis.talk_ratio))
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .join(counts, counts.c.call_id == Call.id)
        .where(Call.happened_at >= start, Call.happened_at < end)
    )  # fmt: skip
    if rep_id is not None:
        query = query.where(Call.rep_id == rep_id)
    elif period.team_id is not None:
        query = query.where(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == period.team_id)))
    rows = session.execute(query.group_by("month").order_by("month")).all()
    return [TrendPoint(m, n, safe_ratio(c, n), _rounded(t, 3)) for m, n, c, t in rows]


def funnel_metrics(
    session: Session,
    principal: Principal,
    period: Period,
    stages: tuple[str, ...],
    rep_id: int | None = None,
) -> Funnel:
    """Opportunities created in the period: how many reached each stage, and stage-to-stage rates,
    of one rep's deals, or of the team's / everyone's in scope. An opportunity has reached every
    stage up to its current one; a won one has reached all."""
    period = scoped(principal, period)
    query = select(Opportunity.stage, Opportunity.status, func.count()).where(
        Opportunity.created_on.between(period.start, day_before(period.end))
    )
    if rep_id is not None:
        _require_rep_in_scope(session, principal, rep_id)
        query = query.where(Opportunity.owner_rep_id == rep_id)
    elif period.team_id is not None:
        query = query.join(Rep, Rep.id == Opportunity.owner_rep_id).where(
            Rep.team_id == period.team_id
        )
    counts = session.execute(query.group_by(Opportunity.stage, Opportunity.status)).all()
    reached = [0] * len(stages)
    for stage, status, count in counts:
        depth = (
            len(stages)
            if status == OpportunityStatus.WON
            else stages.index(stage) + 1
            if stage in stages
            else 1
        )
        for i in range(depth):
            reached[i] += count
    steps = [
        FunnelStep(stages[i], stages[i + 1], safe_ratio(reached[i + 1], reached[i]))
        for i in range(len(stages) - 1)
    ]
    lost = sum(c for _, status, c in counts if status == OpportunityStatus.LOST)
    return Funnel(
        stages=[FunnelStage(s, n) for s, n in zip(stages, reached, strict=True)],
        steps=steps,
        created=reached[0],
        won=reached[-1],
        lost=lost,
        overall_conversion=safe_ratio(reached[-1], reached[0]),
    )


def _require_rep_in_scope(session: Session, principal: Principal, rep_id: int) -> None:
    rep = session.get(Rep, rep_id)
    if rep is None:
        raise NotFound(f"rep {rep_id} does not exist", field="rep_id")
    require_visible(session, principal, READ_METRICS, rep)


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval: honest for small samples, unlike successes / n ± …"""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    centre = (p + _Z95**2 / (2 * n)) / (1 + _Z95**2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / (1 + _Z95**2 / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def commitment_ranking(
    session: Session, principal: Principal, period: Period, min_confidence: float | None = None
) -> list[CommitmentRank]:
    """Reps by commitment rate; ranked on the interval's lower bound, small samples last."""
    unranked = [_unranked(rep) for rep in rep_metrics(session, principal, period, min_confidence)]
    unranked.sort(key=lambda r: (r.small_sample, -r.confidence_low, -r.commitment_rate))
    return [replace(row, rank=rank) for rank, row in enumerate(unranked, 1)]


def _unranked(rep: RepMetrics) -> CommitmentRank:
    n, rate = rep.analysed_calls, rep.commitment_rate
    committed = round(rate * n)
    low, high = wilson_interval(committed, n)
    return CommitmentRank(
        rep_id=rep.rep_id, rep=rep.rep, analysed_calls=n, committed_calls=committed,
        commitment_rate=rate, confidence_low=low, confidence_high=high,
        small_sample=n < SMALL_SAMPLE, rank=0,
    )  # fmt: skip


def behaviour_metrics(
    session: Session,
    principal: Principal,
    period: Period,
    rule: StallRule = _DEFAULT_RULE,
    min_confidence: float | None = None,
) -> Behaviour:
    """Win rate of opportunities closed in the period, by what happened on their calls."""
    period = scoped(principal, period)
    per_opp = _closed_opportunities_with_calls(period, min_confidence).subquery()
    return Behaviour(
        by_trap=_trap_bands(session, period, rule),
        by_advance=_bands(session, per_opp, case(
            (per_opp.c.had_advance > 0, "with advance"), else_="without advance")),
        by_spin_mix=_bands(session, per_opp, case(
            (per_opp.c.deep_share.is_(None), "no questions"),
            (per_opp.c.deep_share < 0.2, "implication+need-payoff < 20%"),
            (per_opp.c.deep_share < 0.4, "implication+need-payoff 20–40%"),
            else_="implication+need-payoff ≥ 40%")),
        by_talk_ratio=_bands(session, per_opp, case(
            (per_opp.c.talk_ratio.is_(None), "unknown"),
            (per_opp.c.talk_ratio < 0.4, "rep talk < 40%"),
            (per_opp.c.talk_ratio < 0.6, "rep talk 40–60%"),
            else_="rep talk ≥ 60%")),
    )  # fmt: skip


def _closed_opportunities_with_calls(period: Period, min_confidence: float | None) -> Select[Any]:
    counts = call_label_counts(min_confidence)
    questions = func.sum(counts.c.questions)
    deep = func.sum(counts.c.implication + counts.c.need_payoff)
    query = (
        select(
            Opportunity.id,
            func.max(case((Opportunity.status == OpportunityStatus.WON, 1), else_=0)).label("won"),
            func.max(counts.c.committed).label("had_advance"),
            case((questions > 0, deep * 1.0 / questions), else_=None).label("deep_share"),
            func.avg(CallAnalysis.talk_ratio).label("talk_ratio"),
        )
        .join(Call, Call.opportunity_id == Opportunity.id)
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .join(counts, counts.c.call_id == Call.id)
        .group_by(Opportunity.id)
    )
    return closed_in_period(query, period)


def closed_in_period(query: _Query, period: Period) -> _Query:
    """`query` over opportunities, kept to those won or lost in `period` (of its team)."""
    query = query.where(
        Opportunity.status.in_((OpportunityStatus.WON, OpportunityStatus.LOST)),
        Opportunity.closed_on.between(period.start, day_before(period.end)),
    )
    if period.team_id is None:
        return query
    return query.join(Rep, Rep.id == Opportunity.owner_rep_id).where(Rep.team_id == period.team_id)


def win_band(band: str, opportunities: int, won: int) -> WinBand:
    return WinBand(band, opportunities, won, safe_ratio(won, opportunities))


def _trap_bands(session: Session, period: Period, rule: StallRule) -> list[WinBand]:
    """Closed deals (with or without calls) that ever stalled, against those that never did."""
    query = select(
        Opportunity.id, Opportunity.status, Opportunity.created_on, Opportunity.closed_on
    )
    deals = session.execute(closed_in_period(query, period)).all()
    outcomes = call_outcomes(session, [d.id for d in deals], period.timezone)
    counts: dict[str, list[int]] = {"fell into the trap": [0, 0], "never stalled": [0, 0]}
    for deal_id, status, created, closed in deals:
        trapped = fell_into_trap(outcomes.get(deal_id, []), created, closed or created, rule)
        band = counts["fell into the trap" if trapped else "never stalled"]
        band[0] += 1
        band[1] += status == OpportunityStatus.WON
    return [win_band(name, n, won) for name, (n, won) in counts.items()]


def _bands(session: Session, per_opp: Any, band: Any) -> list[WinBand]:
    rows = session.execute(
        select(band.label("band"), func.count(), func.sum(per_opp.c.won))
        .select_from(per_opp)
        .group_by("band")
    )
    return [
        win_band(name, n, int(won or 0)) for name, n, won in sorted(rows, key=lambda r: str(r[0]))
    ]
