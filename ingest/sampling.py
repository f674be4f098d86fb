"""QA sampling (抽检), reviews and appeals (申诉), and the pass-rate reports.

Methods: `percent` (simple random, amount = percent of the population), `count` (simple random,
amount = number of calls), `stratified` (at least `amount` calls per rep, or all a rep has), and
`risk` (`amount` calls, drawn with weights: 1 + 3 if QA rules were hit + 2 if the customer
declined + 2 if the coaching score is under 60 + 1 if there was a silence over 10 s; weighted
sampling without replacement, Efraimidis–Spirakis). The seed makes a plan draw the same calls
every time. Calls already reviewed are left out when the plan says so.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ingest.access import require_role
from ingest.calls import get_call
from ingest.errors import Conflict, Forbidden, InvalidInput, NotFound
from ingest.metrics import Period, month_of
from ingest.qa import refresh_hits, rule_report
from ingest.tokens import Principal
from models import (
    Call,
    CallAnalysis,
    CallRuleHit,
    CallTurn,
    QaPlan,
    QaQueueItem,
    QaReview,
    QaRule,
    Rep,
    Role,
    User,
    utcnow,
)

__all__ = [
    "PlanIn",
    "appeal_review",
    "create_plan",
    "decide_appeal",
    "draw_plan",
    "list_reviews",
    "pass_rates",
    "queue",
    "review_call",
]

METHODS = ("percent", "count", "stratified", "risk")
PLANNERS = (Role.ADMIN, Role.MANAGER, Role.QA)
REVIEWERS = (Role.ADMIN, Role.QA)
PASS_MARK = 80


@dataclass(frozen=True, slots=True)
class PlanIn:
    name: str
    period_from: date
    period_to: date
    method: str
    amount: float
    seed: int
    reviewer_user_id: int
    filters: dict[str, Any]
    exclude_reviewed: bool = True


def create_plan(session: Session, plan: PlanIn, author: Principal) -> QaPlan:
    require_role(author, PLANNERS, "create sampling plans")
    if plan.method not in METHODS:
        raise InvalidInput(f"method is one of {', '.join(METHODS)}", field="method")
    if plan.period_to <= plan.period_from:
        raise InvalidInput("period_to must be after period_from", field="period_to")
    if plan.amount <= 0 or (plan.method == "percent" and plan.amount > 100):
        raise InvalidInput("amount must be positive (and at most 100 for percent)", field="amount")
    reviewer = session.get(User, plan.reviewer_user_id)
    if reviewer is None or reviewer.role not in REVIEWERS:
        raise InvalidInput(
            f"user {plan.reviewer_user_id} is not a QA reviewer", field="reviewer_user_id"
        )
    row = QaPlan(
        name=plan.name,
        period_from=plan.period_from,
        period_to=plan.period_to,
        filters=plan.filters,
        method=plan.method,
        amount=plan.amount,
        seed=plan.seed,
        reviewer_user_id=plan.reviewer_user_id,
        exclude_reviewed=plan.exclude_reviewed,
    )
    session.add(row)
    session.flush()
    return row


def draw_plan(session: Session, plan_id: int, author: Principal, timezone: str) -> list[int]:
    """Draw the plan's calls into its reviewer's queue; an empty population gives an empty queue."""
    require_role(author, PLANNERS, "draw sampling plans")
    plan = session.get(QaPlan, plan_id)
    if plan is None:
        raise NotFound(f"sampling plan {plan_id} does not exist")
    population = _population(session, plan, timezone)
    drawn = _draw(session, plan, population)
    queued = set(session.scalars(select(QaQueueItem.call_id).where(QaQueueItem.plan_id == plan.id)))
    session.add_all(
        QaQueueItem(plan_id=plan.id, call_id=c, reviewer_user_id=plan.reviewer_user_id)
        for c in drawn
        if c not in queued
    )
    plan.drawn_at = utcnow()
    return drawn


def queue(session: Session, viewer: Principal) -> list[dict[str, Any]]:
    """The viewer's pending reviews (admins see everyone's)."""
    require_role(viewer, REVIEWERS, "have a QA queue")
    query = (
        select(QaQueueItem, Call)
        .join(Call, Call.id == QaQueueItem.call_id)
        .where(QaQueueItem.status == "pending")
    )
    if viewer.role != Role.ADMIN:
        query = query.where(QaQueueItem.reviewer_user_id == viewer.user_id)
    rows = session.execute(query.order_by(QaQueueItem.id)).all()
    return [
        {
            "item_id": item.id,
            "plan_id": item.plan_id,
            "call_id": call.id,
            "title": call.title or call.original_filename,
            "rep": call.rep,
            "happened_at": call.happened_at,
            "duration_s": call.duration_s,
        }
        for item, call in rows
    ]


def review_call(
    session: Session, call_id: int, verdicts: dict[int, bool], note: str | None, reviewer: Principal
) -> QaReview:
    """Pass/fail per active rule; the automatic result stands for rules not given a verdict."""
    require_role(reviewer, REVIEWERS, "review calls")
    get_call(session, call_id, reviewer)
    report = rule_report(session, call_id, reviewer)
    rules = list(session.scalars(select(QaRule).where(QaRule.active).order_by(QaRule.id)))
    unknown = set(verdicts) - {r.id for r in rules}
    if unknown:
        raise InvalidInput(f"no active QA rule {sorted(unknown)[0]}", field="results")
    hit = {h["rule_id"] for h in report["hits"]}
    results = [_result(rule.id, rule.id in hit, verdicts.get(rule.id)) for rule in rules]
    total = max(
        0, 100 - sum(r.points for r, res in zip(rules, results, strict=True) if not res["passed"])
    )
    review = QaReview(
        call_id=call_id,
        reviewer_user_id=reviewer.user_id,
        reviewer_name=reviewer.name,
        results=results,
        total=total,
        passed=total >= PASS_MARK,
        note=(note or "").strip() or None,
    )
    session.add(review)
    _mark_reviewed(session, call_id)
    session.flush()
    return review


def list_reviews(session: Session, viewer: Principal, status: str | None) -> list[QaReview]:
    """QA staff and admins see every review; a rep sees the reviews of their own calls."""
    query = select(QaReview).order_by(QaReview.id.desc())
    if status is not None:
        query = query.where(QaReview.status == status)
    if viewer.role == Role.REP:
        query = query.where(
            QaReview.call_id.in_(select(Call.id).where(Call.rep_id == viewer.rep_id))
        )
    else:
        require_role(viewer, (Role.ADMIN, Role.QA, Role.MANAGER), "see QA reviews")
        if viewer.role == Role.MANAGER:
            team_calls = select(Call.id).where(
                Call.rep_id.in_(select(Rep.id).where(Rep.team_id == viewer.team_id))
            )
            query = query.where(QaReview.call_id.in_(team_calls))
    return list(session.scalars(query.limit(200)))


def appeal_review(session: Session, review_id: int, text: str, rep: Principal) -> QaReview:
    review = _review(session, review_id)
    call = get_call(session, review.call_id, rep)
    if rep.role != Role.REP or call.rep_id != rep.rep_id:
        raise Forbidden("only the rep whose call it is may appeal its review")
    if review.status != "final":
        raise Conflict(f"review {review_id} has already been appealed")
    if not text.strip():
        raise InvalidInput("say why the review is wrong", field="text")
    review.status, review.appeal_text = "appealed", text.strip()
    return review


def decide_appeal(
    session: Session, review_id: int, upheld: bool, note: str | None, decider: Principal
) -> QaReview:
    """A second reviewer, not the first, upholds the review or overturns it (then it passes)."""
    require_role(decider, REVIEWERS, "decide appeals")
    review = _review(session, review_id)
    if review.status != "appealed":
        raise Conflict(f"review {review_id} has no open appeal")
    if decider.user_id is not None and decider.user_id == review.reviewer_user_id:
        raise Forbidden("the appeal goes to a second reviewer, not the one who made the review")
    review.status = "upheld" if upheld else "overturned"
    review.decided_by, review.decision_note = decider.name, (note or "").strip() or None
    if not upheld:
        review.passed = True
    return review


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


def _result(rule_id: int, auto_hit: bool, verdict: bool | None) -> dict[str, Any]:
    passed = (not auto_hit) if verdict is None else verdict
    return {
        "rule_id": rule_id,
        "passed": passed,
        "auto_hit": auto_hit,
        "overridden": verdict is not None and verdict == auto_hit,
    }


def _mark_reviewed(session: Session, call_id: int) -> None:
    for item in session.scalars(
        select(QaQueueItem).where(QaQueueItem.call_id == call_id, QaQueueItem.status == "pending")
    ):
        item.status = "reviewed"


def _review(session: Session, review_id: int) -> QaReview:
    review = session.get(QaReview, review_id)
    if review is None:
        raise NotFound(f"review {review_id} does not exist")
    return review


def _population(session: Session, plan: QaPlan, timezone: str) -> list[Call]:
    low, high = Period(plan.period_from, plan.period_to, timezone=timezone).call_bounds()
    query = (
        select(Call)
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .where(Call.happened_at >= low, Call.happened_at < high)
    )
    f = plan.filters
    if f.get("team_id") is not None:
        query = query.where(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == f["team_id"])))
    if f.get("rep_ids"):
        query = query.where(Call.rep_id.in_(f["rep_ids"]))
    if f.get("min_duration_s") is not None:
        query = query.where(Call.duration_s >= f["min_duration_s"])
    if f.get("max_duration_s") is not None:
        query = query.where(Call.duration_s <= f["max_duration_s"])
    if plan.exclude_reviewed:
        query = query.where(Call.id.not_in(select(QaReview.call_id)))
    return list(session.scalars(query.order_by(Call.id)))


def _draw(session: Session, plan: QaPlan, population: list[Call]) -> list[int]:
    rng = random.Random(plan.seed)
    ids = [c.id for c in population]
    if plan.method == "percent":
        return sorted(rng.sample(ids, round(len(ids) * plan.amount / 100)))
    if plan.method == "count":
        return sorted(rng.sample(ids, min(int(plan.amount), len(ids))))
    if plan.method == "stratified":
        by_rep: dict[int | None, list[int]] = defaultdict(list)
        for call in population:
            by_rep[call.rep_id].append(call.id)
        return sorted(
            c
            for rep in sorted(by_rep, key=str)
            for c in rng.sample(by_rep[rep], min(int(plan.amount), len(by_rep[rep])))
        )
    weights = {c.id: _risk(session, c.id) for c in population}
    keyed = sorted(ids, key=lambda c: rng.random() ** (1 / weights[c]), reverse=True)
    return sorted(keyed[: min(int(plan.amount), len(ids))])


def _risk(session: Session, call_id: int) -> float:
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        return 1.0
    refresh_hits(session, summary)  # a fresh report is reused, not recomputed for every draw
    hits = session.scalar(select(func.count()).where(CallRuleHit.call_id == call_id)) or 0
    declined = (
        session.scalar(
            select(func.count()).where(
                CallTurn.call_id == call_id, CallTurn.commitment == "decline"
            )
        )
        or 0
    )
    silence = (summary.metrics or {}).get("longest_silence_s") or 0.0
    return 1.0 + 3 * (hits > 0) + 2 * (declined > 0) + 2 * (summary.score < 60) + 1 * (silence > 10)
