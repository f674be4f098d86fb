"""Dashboard figures of one tracker over a period, aggregated in SQL: mentions per call by rep,
the monthly trend, and the win rate of closed opportunities whose calls mention it vs not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from auth.permissions import READ_TRACKERS, authorize
from auth.principal import Principal
from core.errors import NotFound
from models import Call, CallAnalysis, CallTrackerHit, Opportunity, OpportunityStatus, Rep, Tracker
from sales.metrics import WinBand, closed_in_period, win_band
from sales.periods import Period, month_of, safe_ratio, scoped

__all__ = ["MentionFigures", "RepMentions", "TrackerFigures", "TrendMentions", "tracker_figures"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MentionFigures:
    calls: int
    calls_with_mentions: int
    mentions: int
    mentions_per_call: float
    share_of_calls: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RepMentions(MentionFigures):
    rep_id: int
    rep: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendMentions(MentionFigures):
    month: str


@dataclass(frozen=True, slots=True)
class TrackerFigures:
    tracker_id: int
    tracker: str
    by_rep: list[RepMentions]
    trend: list[TrendMentions]
    win_rate: list[WinBand]  # closed deals whose calls said it ("with") or not ("without")


def tracker_figures(
    session: Session, principal: Principal, period: Period, tracker_id: int
) -> TrackerFigures:
    """Analysed calls of the period in the viewer's scope (their team for managers and reps)."""
    period = scoped(principal, period)
    authorize(principal, READ_TRACKERS)
    tracker = session.get(Tracker, tracker_id)
    if tracker is None:
        raise NotFound(f"tracker {tracker_id} does not exist")
    mentions = (
        select(CallTrackerHit.call_id, func.count().label("n"))
        .where(CallTrackerHit.tracker_id == tracker_id)
        .group_by(CallTrackerHit.call_id)
        .subquery()
    )
    return TrackerFigures(
        tracker_id=tracker.id,
        tracker=tracker.name,
        by_rep=_by_rep(session, period, mentions),
        trend=_trend(session, period, mentions),
        win_rate=_win_rate(session, period, mentions),
    )


def _counts(mentions: Any) -> tuple[Any, ...]:
    return (
        func.count(Call.id).label("calls"),
        func.count(mentions.c.call_id).label("with_mentions"),
        func.coalesce(func.sum(mentions.c.n), 0).label("mentions"),
    )


def _calls(period: Period, mentions: Any, *columns: Any) -> Select[Any]:
    start, end = period.call_bounds()
    query = (
        select(*columns, *_counts(mentions))
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .outerjoin(mentions, mentions.c.call_id == Call.id)
        .where(Call.happened_at >= start, Call.happened_at < end)
    )
    if period.team_id is not None:
        query = query.where(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == period.team_id)))
    return query


def _figures(row: Any) -> dict[str, Any]:
    """MentionFigures' fields, for the rows that add theirs."""
    return {"calls": row.calls, "calls_with_mentions": row.with_mentions,
            "mentions": int(row.mentions), "mentions_per_call": safe_ratio(row.mentions, row.calls, 2),
            "share_of_calls": safe_ratio(row.with_mentions, row.calls)}  # fmt: skip


def _by_rep(session: Session, period: Period, mentions: Any) -> list[RepMentions]:
    query = _calls(period, mentions, Rep.id, Rep.name).join(Rep, Rep.id == Call.rep_id)
    rows = session.execute(query.group_by(Rep.id, Rep.name).order_by(Rep.id)).all()
    return [RepMentions(rep_id=r.id, rep=r.name, **_figures(r)) for r in rows]


def _trend(session: Session, period: Period, mentions: Any) -> list[TrendMentions]:
    month = month_of(session, Call.happened_at).label("month")
    rows = session.execute(_calls(period, mentions, month).group_by("month").order_by("month"))
    return [TrendMentions(month=r.month, **_figures(r)) for r in rows]


def _win_rate(session: Session, period: Period, mentions: Any) -> list[WinBand]:
    """Opportunities closed in the period that have calls: won share, with the tracker said on
    any of their calls vs on none."""
    per_opp = (
        select(
            Opportunity.id,
            func.max(case((Opportunity.status == OpportunityStatus.WON, 1), else_=0)).label("won"),
            func.max(case((mentions.c.call_id.is_not(None), 1), else_=0)).label("mentioned"),
        )
        .join(Call, Call.opportunity_id == Opportunity.id)
        .outerjoin(mentions, mentions.c.call_id == Call.id)
        .group_by(Opportunity.id)
    )
    table = closed_in_period(per_opp, period).subquery()
    counted = {
        flag: (n, int(won or 0))
        for flag, n, won in session.execute(
            select(table.c.mentioned, func.count(), func.sum(table.c.won)).group_by(
                table.c.mentioned
            )
        )
    }
    return [
        win_band(band, *counted.get(flag, (0, 0))) for band, flag in (("with", 1), ("without", 0))
    ]
