"""Scorecards: admins set the weighted criteria; managers rate a call against them (0–5 each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auth.permissions import EDIT_SCORECARD, SCORE_CALLS, authorize, scope_of
from auth.principal import Principal
from core.errors import InvalidInput
from ingest.calls import get_call
from models import Scorecard, ScorecardCriterion

__all__ = [
    "ScorecardView",
    "active_criteria",
    "list_criteria",
    "read_scorecard",
    "save_criteria",
    "save_scorecard",
]


MAX_RATING = 5


def save_criteria(
    session: Session, criteria: Sequence[tuple[str | None, str, int]], admin: Principal
) -> list[ScorecardCriterion]:
    """Replace the scorecard's criteria: (key, name, weight) with weights adding up to 100.
    A criterion without a key (a new one, as the page sends it) keeps the key of a criterion
    of the same name, or gets a new one: admins name criteria, keys are for the API."""
    authorize(admin, EDIT_SCORECARD)
    criteria = _with_keys(criteria, {c.name: c.key for c in active_criteria(session)})
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


def _with_keys(
    criteria: Sequence[tuple[str | None, str, int]], known: dict[str, str]
) -> list[tuple[str, str, int]]:
    """Fill in missing keys; a new key is none that was ever in use (old ratings keep theirs)."""
    used = {key for key, _, _ in criteria if key}
    retired = set(known.values())
    result: list[tuple[str, str, int]] = []
    for key, name, weight in criteria:
        if not key:
            key = known.get(name)
            if key is None or key in used:
                key = next(f"c{n}" for n in count(1) if f"c{n}" not in used | retired)
            used.add(key)
        result.append((key, name, weight))
    return result


def list_criteria(session: Session, viewer: Principal) -> list[ScorecardCriterion]:
    """The criteria calls are scored on now (for those who score calls or change them)."""
    if scope_of(viewer, EDIT_SCORECARD) is None:
        authorize(viewer, SCORE_CALLS)
    return active_criteria(session)


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
    authorize(reviewer, SCORE_CALLS)
    get_call(session, call_id, reviewer, SCORE_CALLS)
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


@dataclass(frozen=True, slots=True)
class ScorecardView:
    """The active criteria, and the call's ratings (all None until someone scores it)."""

    criteria: list[ScorecardCriterion]
    ratings: dict[str, int] | None = None
    total: float | None = None
    note: str | None = None
    reviewer: str | None = None
    updated_at: datetime | None = None


def read_scorecard(session: Session, call_id: int, viewer: Principal) -> ScorecardView:
    get_call(session, call_id, viewer)
    card = session.scalar(select(Scorecard).where(Scorecard.call_id == call_id))
    criteria = active_criteria(session)
    if card is None:
        return ScorecardView(criteria)
    return ScorecardView(
        criteria, card.ratings, card.total, card.note, card.reviewer_name, card.updated_at
    )


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
