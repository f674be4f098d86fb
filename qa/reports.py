"""QA reports: the pass rate of reviews by rep, by rule and by month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from auth.permissions import require_role
from auth.principal import Principal
from models import Call, QaReview, QaRule, Rep, Role
from sales.periods import Period, month_of

__all__ = ["pass_rates"]


def pass_rates(
    session: Session, start: date, end: date, viewer: Principal, timezone: str
) -> dict[str, Any]:
    """Pass rate by rep and by rule of the reviews made in [start, end)."""
    require_role(viewer, (Role.ADMIN, Role.MANAGER, Role.QA), "see QA reports")
    low, high = Period(start, end, timezone=timezone).call_bounds()
    by_rep = session.execute(
        select(Rep.name, func.count(QaReview.id), func.sum(case((QaReview.passed, 1), else_=0)))
        .join(Call, Call.id == QaReview.call_id)
        .join(Rep, Rep.id == Call.rep_id)
        .where(QaReview.created_at >= low, QaReview.created_at < high)
        .group_by(Rep.name)
        .order_by(Rep.name)
    ).all()
    reviews = session.scalars(
        select(QaReview).where(QaReview.created_at >= low, QaReview.created_at < high)
    )
    per_rule: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for review in reviews:  # the per-rule verdicts live in a JSON list
        for result in review.results:
            per_rule[result["rule_id"]][0] += 1
            per_rule[result["rule_id"]][1] += int(result["passed"])
    names = {rule_id: name for rule_id, name in session.execute(select(QaRule.id, QaRule.name))}
    month = month_of(session, QaReview.created_at).label("month")
    by_month = session.execute(
        select(month, func.count(QaReview.id), func.sum(case((QaReview.passed, 1), else_=0)))
        .where(QaReview.created_at >= low, QaReview.created_at < high)
        .group_by("month")
        .order_by("month")
    ).all()
    return {
        "by_rep": [
            {"rep": n, "reviews": c, "passed": int(p or 0), "pass_rate": round(int(p or 0) / c, 4)}
            for n, c, p in by_rep
        ],
        "by_month": [
            {
                "month": m,
                "reviews": c,
                "passed": int(p or 0),
                "pass_rate": round(int(p or 0) / c, 4),
            }
            for m, c, p in by_month
        ],
        "by_rule": [
            {
                "rule_id": r,
                "rule": names.get(r, "?"),
                "reviews": c,
                "passed": p,
                "pass_rate": round(p / c, 4),
            }
            for r, (c, p) in sorted(per_rule.items())
        ],
    }
