"""QA reviews (质检评审) of sampled calls, and appeals (申诉) decided by a second reviewer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import (
    APPEAL_REVIEWS,
    DECIDE_APPEALS,
    READ_QA_REVIEWS,
    REVIEW_CALLS,
    authorize,
    require_visible,
    visible,
)
from auth.principal import Principal
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ingest.calls import get_call
from models import QaQueueItem, QaReview, QaRule
from qa.rules import rule_report

__all__ = [
    "PASS_MARK",
    "appeal_review",
    "decide_appeal",
    "list_reviews",
    "review_call",
]


PASS_MARK = 80


def review_call(
    session: Session,
    call_id: int,
    verdicts: dict[int, bool],
    note: str | None,
    reviewer: Principal,
    passed: bool | None = None,
) -> QaReview:
    """Pass/fail per active rule; the automatic result stands for rules not given a verdict.
    The review passes at `PASS_MARK` points unless the reviewer gives their own verdict
    (`passed`): rules cannot catch everything a person hears (and a new team has none)."""
    authorize(reviewer, REVIEW_CALLS)
    get_call(session, call_id, reviewer, REVIEW_CALLS)
    report = rule_report(session, call_id, reviewer)
    rules = list(session.scalars(select(QaRule).where(QaRule.active).order_by(QaRule.id)))
    unknown = set(verdicts) - {r.id for r in rules}
    if unknown:
        raise InvalidInput(f"no active QA rule {sorted(unknown)[0]}", field="results")
    hit = {h.rule_id for h in report.hits}
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
        passed=total >= PASS_MARK if passed is None else passed,
        note=(note or "").strip() or None,
    )
    session.add(review)
    _mark_reviewed(session, call_id)
    session.flush()
    return review


def list_reviews(session: Session, viewer: Principal, status: str | None) -> list[QaReview]:
    """QA staff and admins see every review, a manager those of the team's calls, a rep those of
    their own calls."""
    query = select(QaReview).where(visible(viewer, READ_QA_REVIEWS, QaReview))
    if status is not None:
        query = query.where(QaReview.status == status)
    return list(session.scalars(query.order_by(QaReview.id.desc()).limit(200)))


def appeal_review(session: Session, review_id: int, text: str, rep: Principal) -> QaReview:
    authorize(rep, APPEAL_REVIEWS)
    review = _review(session, review_id)
    require_visible(session, rep, APPEAL_REVIEWS, review)  # only the rep whose call it is
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
    authorize(decider, DECIDE_APPEALS)
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
