"""Coaching: comments on a call (pinned to a turn or a moment, with replies) and scorecards.

Whoever may open a call may comment on it (so reps can answer their manager); scorecards are
filled by admins and managers and read by everyone who may open the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ingest.access import require_role
from ingest.analysis import count_turns
from ingest.calls import get_call
from ingest.errors import InvalidInput, NotFound
from ingest.tokens import Principal
from models import CallComment, Role, Scorecard, ScorecardCriterion

__all__ = [
    "CommentIn",
    "add_comment",
    "list_comments",
    "read_scorecard",
    "save_criteria",
    "save_scorecard",
]

MAX_RATING = 5
REVIEWERS = (Role.ADMIN, Role.MANAGER)


@dataclass(frozen=True, slots=True)
class CommentIn:
    text: str
    turn_index: int | None = None
    at_seconds: float | None = None
    parent_id: int | None = None


def add_comment(
    session: Session, call_id: int, comment: CommentIn, author: Principal
) -> CallComment:
    call = get_call(session, call_id, author)
    text = comment.text.strip()
    if not text:
        raise InvalidInput("the comment is empty", field="text")
    if comment.turn_index is not None and not 0 <= comment.turn_index < count_turns(
        session, call_id
    ):
        raise InvalidInput(
            f"turn {comment.turn_index} does not exist in call {call_id}", field="turn_index"
        )
    if comment.at_seconds is not None and not 0 <= comment.at_seconds <= call.duration_s:
        raise InvalidInput(
            f"at_seconds must be within the call (0–{call.duration_s:.0f} s)", field="at_seconds"
        )
    if comment.parent_id is not None:
        parent = session.get(CallComment, comment.parent_id)
        if parent is None or parent.call_id != call_id:
            raise NotFound(
                f"comment {comment.parent_id} does not exist on call {call_id}", field="parent_id"
            )
    row = CallComment(call_id=call_id, parent_id=comment.parent_id, author_user_id=author.user_id,
                      author_name=author.name, turn_index=comment.turn_index, at_seconds=comment.at_seconds,
                      text=text)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def list_comments(session: Session, call_id: int, viewer: Principal) -> list[CallComment]:
    get_call(session, call_id, viewer)
    query = select(CallComment).where(CallComment.call_id == call_id).order_by(CallComment.id)
    return list(session.scalars(query))


def save_criteria(
    session: Session, criteria: list[tuple[str, str, int]], admin: Principal
) -> list[ScorecardCriterion]:
    """Replace the scorecard's criteria: (key, name, weight) with weights adding up to 100."""
    require_role(admin, (Role.ADMIN,), "change the scorecard")
    keys = [key for key, _, _ in criteria]
    if not criteria or len(set(keys)) != len(keys):
        raise InvalidInput("give at least one criterion, each with its own key", field="criteria")
    total = sum(weight for _, _, weight in criteria)
    if total != 100 or any(weight <= 0 for _, _, weight in criteria):
        raise InvalidInput(
            f"the weights must be positive and add up to 100 (they add up to {total})",
            field="weight",
        )
    session.execute(delete(ScorecardCriterion))
    rows = [
        ScorecardCriterion(key=k, name=n, weight=w, position=i)
        for i, (k, n, w) in enumerate(criteria)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def active_criteria(session: Session) -> list[ScorecardCriterion]:
    query = (
        select(ScorecardCriterion)
        .where(ScorecardCriterion.active)
        .order_by(ScorecardCriterion.position)
    )
    return list(session.scalars(query))


def save_scorecard(
    session: Session, call_id: int, ratings: dict[str, int], note: str | None, reviewer: Principal
) -> Scorecard:
    """Rate each criterion 0–5; the total is the weighted share of the maximum, 0–100."""
    require_role(reviewer, REVIEWERS, "fill in scorecards")
    get_call(session, call_id, reviewer)
    criteria = active_criteria(session)
    _check_ratings(ratings, criteria)
    total = round(sum(c.weight * ratings[c.key] / MAX_RATING for c in criteria), 1)
    card = session.scalar(select(Scorecard).where(Scorecard.call_id == call_id)) or Scorecard(
        call_id=call_id
    )
    card.ratings, card.total, card.note = dict(ratings), total, (note or "").strip() or None
    card.reviewer_user_id, card.reviewer_name = reviewer.user_id, reviewer.name
    session.add(card)
    session.flush()
    return card


def read_scorecard(session: Session, call_id: int, viewer: Principal) -> dict[str, Any]:
    get_call(session, call_id, viewer)
    card = session.scalar(select(Scorecard).where(Scorecard.call_id == call_id))
    criteria = [
        {"key": c.key, "name": c.name, "weight": c.weight} for c in active_criteria(session)
    ]
    if card is None:
        return {
            "criteria": criteria,
            "ratings": None,
            "total": None,
            "note": None,
            "reviewer": None,
        }
    return {"criteria": criteria, "ratings": card.ratings, "total": card.total, "note": card.note,
            "reviewer": card.reviewer_name, "updated_at": card.updated_at}  # fmt: skip


def _check_ratings(ratings: dict[str, int], criteria: list[ScorecardCriterion]) -> None:
    expected = {c.key for c in criteria}
    if set(ratings) != expected:
        missing, extra = expected - set(ratings), set(ratings) - expected
        detail = f"missing: {sorted(missing)}, unknown: {sorted(extra)}"
        raise InvalidInput(f"rate exactly the scorecard's criteria ({detail})", field="ratings")
    bad = [k for k, v in ratings.items() if not 0 <= v <= MAX_RATING]
    if bad:
        raise InvalidInput(
            f"ratings go from 0 to {MAX_RATING}: {bad[0]} is {ratings[bad[0]]}", field="ratings"
        )
