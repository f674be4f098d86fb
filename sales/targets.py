"""Targets (目标拆解): split a sales target over quarters, months, weeks and working days, and
derive the activity it needs from the owner's own measured rates.

deals needed = remaining target / average deal size; opportunities needed = deals / win rate;
calls with a commitment needed = opportunities / (opportunities per committed call);
calls needed = committed calls / commitment rate. Rates are measured over the 365 days before
the target period starts (or before today, if that is earlier). Working days are Monday to
Friday (public holidays are not known to Huashu).
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from auth.permissions import READ_TARGETS, WRITE_TARGETS
from auth.principal import Principal
from core.paging import given
from crm.records import Resource, get_record
from models import Call, CallAnalysis, Opportunity, OpportunityStatus, Rep, Target, Team
from sales.periods import Period, safe_ratio

__all__ = [
    "TARGETS",
    "Activity",
    "Rates",
    "TargetFilters",
    "TargetPeriod",
    "TargetProgress",
    "TargetSpan",
    "target_progress",
    "working_days",
]

TARGETS = Resource(Target, "target", READ_TARGETS, WRITE_TARGETS, {"team_id": Team, "rep_id": Rep})


@dataclass(frozen=True, slots=True)
class TargetFilters:
    team_id: int | None = None
    rep_id: int | None = None
    year: int | None = None

    def conditions(self) -> list[Any]:
        return given(
            (self.team_id, lambda: Target.team_id == self.team_id),
            (self.rep_id, lambda: Target.rep_id == self.rep_id),
            (self.year, lambda: Target.year == self.year),
        )


@dataclass(frozen=True, slots=True)
class TargetSpan:
    id: int
    team_id: int | None
    rep_id: int | None
    year: int
    quarter: int | None
    amount: float
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Rates:
    """The owner's own rates over the 365 days before the period (exact; rounded on output)."""

    average_deal_size: float
    win_rate: float
    opportunities_per_committed_call: float
    commitment_rate: float

    def rounded(self) -> Rates:
        return Rates(*(round(value, 4) for value in astuple(self)))


@dataclass(frozen=True, slots=True)
class Activity:
    """What `amount` yuan takes at the owner's rates; None where a rate has no history."""

    amount: float
    deals: int | None
    opportunities: int | None
    calls_with_commitment: int | None
    calls: int | None


@dataclass(frozen=True, slots=True)
class TargetPeriod:
    start: date
    end: date
    working_days: int
    target: float
    actual: float
    gap: float
    gap_activity: Activity


@dataclass(frozen=True, slots=True)
class TargetProgress:
    target: TargetSpan
    working_days: int
    per_working_day: float
    actual: float
    attainment: float
    rates: Rates
    needed: Activity
    quarters: list[TargetPeriod]
    months: list[TargetPeriod]
    weeks: list[TargetPeriod]


def working_days(start: date, end: date) -> int:
    """Monday–Friday days in [start, end)."""
    return sum(1 for n in range((end - start).days) if (start + timedelta(days=n)).weekday() < 5)


def target_progress(
    session: Session, target_id: int, principal: Principal, timezone: str, today: date | None = None
) -> TargetProgress:
    target = get_record(session, TARGETS, target_id, principal)
    today = today or date.today()
    start, end = _span(target)
    rep_ids = _owner_reps(session, target)
    rates = _rates(session, rep_ids, min(start, today), timezone)
    actual_total = _won_amount(session, rep_ids, start, end)
    workdays = working_days(start, end)

    def rows(spans: list[tuple[date, date]]) -> list[TargetPeriod]:
        return [_period_row(session, target, rep_ids, a, b, workdays, rates) for a, b in spans]

    return TargetProgress(
        target=TargetSpan(target.id, target.team_id, target.rep_id, target.year, target.quarter,
                          target.amount, start, end),
        working_days=workdays,
        per_working_day=round(target.amount / workdays, 2) if workdays else 0.0,
        actual=round(actual_total, 2),
        attainment=safe_ratio(actual_total, target.amount),
        rates=rates.rounded(),
        needed=_needed(max(target.amount - actual_total, 0.0), rates),
        quarters=rows(_quarters(start, end)),
        months=rows(_months(start, end)),
        weeks=rows(_weeks(start, end)),
    )  # fmt: skip


def _span(target: Target) -> tuple[date, date]:
    if target.quarter is None:
        return date(target.year, 1, 1), date(target.year + 1, 1, 1)
    first = date(target.year, 3 * target.quarter - 2, 1)
    return first, _add_months(first, 3)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _quarters(start: date, end: date) -> list[tuple[date, date]]:
    return [(d, _add_months(d, 3)) for d in _month_starts(start, end) if d.month % 3 == 1]


def _months(start: date, end: date) -> list[tuple[date, date]]:
    return [(d, _add_months(d, 1)) for d in _month_starts(start, end)]


def _month_starts(start: date, end: date) -> list[date]:
    months, day = [], start
    while day < end:
        months.append(day)
        day = _add_months(day, 1)
    return months


def _weeks(start: date, end: date) -> list[tuple[date, date]]:
    """ISO weeks (Monday to Sunday), cut at the period's edges."""
    monday = start - timedelta(days=start.weekday())
    return [(max(m, start), min(m + timedelta(days=7), end))
            for m in (monday + timedelta(weeks=n) for n in range(((end - monday).days + 6) // 7))]  # fmt: skip


def _owner_reps(session: Session, target: Target) -> list[int]:
    if target.rep_id is not None:
        return [target.rep_id]
    return list(session.scalars(select(Rep.id).where(Rep.team_id == target.team_id)))


def _won_amount(session: Session, rep_ids: list[int], start: date, end: date) -> float:
    total = session.scalar(
        select(func.coalesce(func.sum(Opportunity.amount), 0)).where(
            Opportunity.owner_rep_id.in_(rep_ids),
            Opportunity.status == OpportunityStatus.WON,
            Opportunity.closed_on >= start,
            Opportunity.closed_on < end,
        )
    )
    return float(total or 0)


def _rates(session: Session, rep_ids: list[int], before: date, timezone: str) -> Rates:
    since = before - timedelta(days=365)
    won, lost, won_amount, created = session.execute(
        select(
            func.sum(case((Opportunity.status == OpportunityStatus.WON, 1), else_=0)),
            func.sum(case((Opportunity.status == OpportunityStatus.LOST, 1), else_=0)),
            func.sum(case((Opportunity.status == OpportunityStatus.WON, Opportunity.amount), else_=0)),
            func.count(),
        ).where(Opportunity.owner_rep_id.in_(rep_ids), Opportunity.created_on >= since, Opportunity.created_on < before)
    ).one()  # fmt: skip
    start, end = Period(since, before, timezone=timezone).call_bounds()
    analysed, committed = session.execute(
        select(func.count(CallAnalysis.call_id), func.sum(case((CallAnalysis.commitment_secured, 1), else_=0)))
        .join(Call, Call.id == CallAnalysis.call_id)
        .where(Call.rep_id.in_(rep_ids), Call.happened_at >= start, Call.happened_at < end,
               CallAnalysis.is_sales_call)
    ).one()  # fmt: skip
    won, lost, committed = int(won or 0), int(lost or 0), int(committed or 0)
    # Exact ratios: the activity figures are computed from these, rounding happens on output.
    return Rates(
        average_deal_size=float(won_amount or 0) / won if won else 0.0,
        win_rate=won / (won + lost) if won + lost else 0.0,
        opportunities_per_committed_call=created / committed if committed else 0.0,
        commitment_rate=committed / analysed if analysed else 0.0,
    )


def _needed(amount: float, rates: Rates) -> Activity:
    """Activity for `amount` yuan; None where a rate has no history to divide by."""
    deals = _ceil_div(amount, rates.average_deal_size)
    opportunities = _ceil_div(deals, rates.win_rate)
    committed = _ceil_div(opportunities, rates.opportunities_per_committed_call)
    calls = _ceil_div(committed, rates.commitment_rate)
    return Activity(round(amount, 2), deals, opportunities, committed, calls)


def _ceil_div(value: float | None, rate: float) -> int | None:
    """None stays None down the chain: no history for one rate leaves every figure after it
    without a basis (it read 还需商机 0 next to ¥464 000 still to sell)."""
    if value is None:
        return None
    if value == 0:
        return 0  # nothing left to do needs nothing, whatever the rates
    if rate <= 0:
        return None
    return math.ceil(round(value / rate, 6))


def _period_row(
    session: Session,
    target: Target,
    rep_ids: list[int],
    start: date,
    end: date,
    total_days: int,
    rates: Rates,
) -> TargetPeriod:
    share = target.amount * working_days(start, end) / total_days if total_days else 0.0
    actual = _won_amount(session, rep_ids, start, end)
    gap = max(share - actual, 0.0)
    return TargetPeriod(start, end, working_days(start, end), round(share, 2), round(actual, 2),
                        round(gap, 2), _needed(gap, rates))  # fmt: skip
