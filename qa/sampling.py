"""QA sampling (抽检): plans that draw calls into a reviewer's queue.

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
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.permissions import PLAN_QA, REVIEW_CALLS, Scope, authorize, visible
from auth.principal import Principal
from core.errors import InvalidInput, NotFound
from models import (
    Call,
    CallAnalysis,
    CallRuleHit,
    CallTurn,
    QaPlan,
    QaQueueItem,
    QaReview,
    Rep,
    User,
    utcnow,
)
from qa.rules import refresh_hits
from qa.schemas import PlanFilters
from sales.periods import Period

__all__ = ["PlanIn", "QueueItem", "create_plan", "draw_plan", "queue", "reviewers"]

METHODS = ("percent", "count", "stratified", "risk")


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


def reviewers(session: Session, author: Principal) -> list[User]:
    """Whom a plan's queue may go to: the active users who review calls (QA staff)."""
    authorize(author, PLAN_QA)
    roles = list(REVIEW_CALLS.may)
    query = select(User).where(User.role.in_(roles), User.active).order_by(User.id)
    return list(session.scalars(query))


def create_plan(session: Session, plan: PlanIn, author: Principal) -> QaPlan:
    authorize(author, PLAN_QA)
    if plan.method not in METHODS:
        raise InvalidInput(f"method is one of {', '.join(METHODS)}", field="method")
    if plan.period_to <= plan.period_from:
        raise InvalidInput("period_to must be after period_from", field="period_to")
    if plan.amount <= 0 or (plan.method == "percent" and plan.amount > 100):
        raise InvalidInput("amount must be positive (and at most 100 for percent)", field="amount")
    reviewer = session.get(User, plan.reviewer_user_id)
    if reviewer is None or reviewer.role not in REVIEW_CALLS.may:
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
    """Draw the plan's calls into its reviewer's queue; an empty population gives an empty queue.
    The population is the calls the drawer may sample: a manager's plan draws from their team."""
    authorize(author, PLAN_QA)
    plan = session.get(QaPlan, plan_id)
    if plan is None:
        raise NotFound(f"sampling plan {plan_id} does not exist")
    population = _population(session, plan, timezone, author)
    drawn = _draw(session, plan, population)
    queued = set(session.scalars(select(QaQueueItem.call_id).where(QaQueueItem.plan_id == plan.id)))
    session.add_all(
        QaQueueItem(plan_id=plan.id, call_id=c, reviewer_user_id=plan.reviewer_user_id)
        for c in drawn
        if c not in queued
    )
    plan.drawn_at = utcnow()
    return drawn


@dataclass(frozen=True, slots=True)
class QueueItem:
    item_id: int
    plan_id: int
    call_id: int
    title: str | None
    rep: str | None
    happened_at: datetime
    duration_s: float


def queue(session: Session, viewer: Principal) -> list[QueueItem]:
    """The viewer's pending reviews (admins see everyone's)."""
    scope = authorize(viewer, REVIEW_CALLS)
    query = (
        select(QaQueueItem, Call)
        .join(Call, Call.id == QaQueueItem.call_id)
        .where(QaQueueItem.status == "pending")
    )
    if scope is Scope.QUEUE:
        query = query.where(QaQueueItem.reviewer_user_id == viewer.user_id)
    rows = session.execute(query.order_by(QaQueueItem.id)).all()
    return [
        QueueItem(
            item_id=item.id,
            plan_id=item.plan_id,
            call_id=call.id,
            title=call.title or call.original_filename,
            rep=call.rep,
            happened_at=call.happened_at,
            duration_s=call.duration_s,
        )
        for item, call in rows
    ]


def _population(session: Session, plan: QaPlan, timezone: str, drawer: Principal) -> list[Call]:
    low, high = Period(plan.period_from, plan.period_to, timezone=timezone).call_bounds()
    query = (
        select(Call)
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .where(Call.happened_at >= low, Call.happened_at < high)
        .where(visible(drawer, PLAN_QA, Call))
    )
    f = _stored_filters(plan)
    if f.team_id is not None:
        query = query.where(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == f.team_id)))
    if f.rep_ids:
        query = query.where(Call.rep_id.in_(f.rep_ids))
    if f.min_duration_s is not None:
        query = query.where(Call.duration_s >= f.min_duration_s)
    if f.max_duration_s is not None:
        query = query.where(Call.duration_s <= f.max_duration_s)
    if plan.exclude_reviewed:
        query = query.where(Call.id.not_in(select(QaReview.call_id)))
    return list(session.scalars(query.order_by(Call.id)))


def _stored_filters(plan: QaPlan) -> PlanFilters:
    """Plans are checked when made; one stored before that check existed is refused by name."""
    try:
        return PlanFilters.model_validate(plan.filters or {})
    except ValidationError as exc:
        raise InvalidInput(
            f"sampling plan {plan.id} has filters that cannot be used ({exc.errors()[0]['msg']}); "
            "make a new plan",
            field="filters",
        ) from None


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
    low_score = summary.score is not None and summary.score < 60  # None: no sales conversation
    return 1.0 + 3 * (hits > 0) + 2 * (declined > 0) + 2 * low_score + 1 * (silence > 10)
