"""QA reports: the pass rate of reviews by rep, by rule and by month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from auth.permissions import READ_QA_REPORTS, visible
from auth.principal import Principal
from models import Call, QaReview, QaRule, Rep
from sales.periods import Period, month_of

__all__ = ["MonthPassRate", "PassRates", "RepPassRate", "RulePassRate", "pass_rates"]


@dataclass(frozen=True, slots=True, kw_only=True)
class _PassRate:
    reviews: int
    passed: int
    pass_rate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RepPassRate(_PassRate):
    rep: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthPassRate(_PassRate):
    month: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RulePassRate(_PassRate):
    rule_id: int
    rule: str


@dataclass(frozen=True, slots=True)
class PassRates:
    by_rep: list[RepPassRate]
    by_month: list[MonthPassRate]
    by_rule: list[RulePassRate]


def pass_rates(
    session: Session, start: date, end: date, viewer: Principal, timezone: str
) -> PassRates:
    """Pass rate by rep, by rule and by month of the reviews made in [start, end) that the
    viewer may see (a manager: their team's calls)."""
    low, high = Period(start, end, timezone=timezone).call_bounds()
    scope = visible(viewer, READ_QA_REPORTS, QaReview)
    reviewed = and_(scope, QaReview.created_at >= low, QaReview.created_at < high)
    return PassRates(
        _by_rep(session, reviewed), _by_month(session, reviewed), _by_rule(session, reviewed)
    )


def _by_rep(session: Session, reviewed: ColumnElement[bool]) -> list[RepPassRate]:
    rows = session.execute(
        select(Rep.name, func.count(QaReview.id), func.sum(case((QaReview.passed, 1), else_=0)))
        .join(Call, Call.id == QaReview.call_id)
        .join(Rep, Rep.id == Call.rep_id)
        .where(reviewed)
        .group_by(Rep.name)
        .order_by(Rep.name)
    ).all()
    return [RepPassRate(rep=name, **_rate(count, passed)) for name, count, passed in rows]


def _by_month(session: Session, reviewed: ColumnElement[bool]) -> list[MonthPassRate]:
    month = month_of(session, QaReview.created_at).label("month")
    rows = session.execute(
        select(month, func.count(QaReview.id), func.sum(case((QaReview.passed, 1), else_=0)))
        .where(reviewed)
        .group_by("month")
        .order_by("month")
    ).all()
    return [MonthPassRate(month=m, **_rate(count, passed)) for m, count, passed in rows]


def _by_rule(session: Session, reviewed: ColumnElement[bool]) -> list[RulePassRate]:
    per_rule: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for review in session.scalars(select(QaReview).where(reviewed)):
        for result in review.results:  # the per-rule verdicts live in a JSON list
            per_rule[result["rule_id"]][0] += 1
            per_rule[result["rule_id"]][1] += int(result["passed"])
    names = {rule_id: name for rule_id, name in session.execute(select(QaRule.id, QaRule.name))}
    return [
        RulePassRate(rule_id=rule_id, rule=names.get(rule_id, "?"), **_rate(count, passed))
        for rule_id, (count, passed) in sorted(per_rule.items())
    ]


def _rate(reviews: int, passed: int | None) -> dict[str, Any]:
    """`_PassRate`'s fields, for the rows that add theirs."""
    passed = int(passed or 0)
    return {"reviews": reviews, "passed": passed, "pass_rate": round(passed / reviews, 4)}
