"""Trackers (话题追踪): named lists of words and phrases (竞品, 价格, 决策人…) said by the rep, the
customer or either, counted on every call.

A tracker's phrases compile to the QA rules' keyword expression (`"竞品" or "友商"`) and run on
the same engine (analysis.rules); unlike a QA rule a tracker judges nothing, it counts. A
mention is a turn of the tracker's side that says one of the phrases. Hits are stored per call:
for a new or re-analysed call by the worker (`track_call`), and for every stored call when a
tracker is created or changed (candidate turns found in SQL, then checked by the engine).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, insert, or_, select
from sqlalchemy.orm import Session

from analysis.rules import (
    MAX_EXPRESSION_TERMS,
    Expression,
    RuleSyntaxError,
    parse_expression,
    phrases_expression,
)
from auth.permissions import READ_TRACKERS, REANALYZE_CALLS, WRITE_TRACKERS, authorize
from auth.principal import Principal
from core.errors import Conflict, InvalidInput, NotFound
from ingest.calls import get_call
from models import CallTrackerHit, CallTurn, Tracker
from search.schemas import TRACKER_SIDES, CallTracker, TrackerIn, TrackerMention

__all__ = [
    "MAX_PHRASE_CHARS",
    "call_trackers",
    "create_tracker",
    "delete_tracker",
    "list_trackers",
    "track_call",
    "update_tracker",
]

MAX_PHRASE_CHARS = 100
_BATCH = 5_000  # hit rows written at a time when a tracker is (re)counted over every call


def create_tracker(session: Session, tracker: TrackerIn, editor: Principal) -> Tracker:
    authorize(editor, WRITE_TRACKERS)
    _validate(tracker)
    _require_free_name(session, tracker.name.strip(), None)
    row = Tracker(name=tracker.name.strip(), phrases=_phrases(tracker), speaker=tracker.speaker,
                  active=tracker.active, created_by_user_id=editor.user_id)  # fmt: skip
    session.add(row)
    session.flush()
    _count_everywhere(session, row)
    return row


def update_tracker(
    session: Session, tracker_id: int, tracker: TrackerIn, editor: Principal
) -> Tracker:
    authorize(editor, WRITE_TRACKERS)
    row = _tracker(session, tracker_id)
    _validate(tracker)
    _require_free_name(session, tracker.name.strip(), tracker_id)
    row.name, row.phrases = tracker.name.strip(), _phrases(tracker)
    row.speaker, row.active = tracker.speaker, tracker.active
    session.flush()
    _count_everywhere(session, row)
    return row


def delete_tracker(session: Session, tracker_id: int, editor: Principal) -> None:
    authorize(editor, WRITE_TRACKERS)
    session.delete(_tracker(session, tracker_id))
    session.flush()


def list_trackers(session: Session, viewer: Principal) -> list[Tracker]:
    authorize(viewer, READ_TRACKERS)
    return list(session.scalars(select(Tracker).order_by(Tracker.name)))


def track_call(session: Session, call_id: int, principal: Principal) -> None:
    """Replace the call's hits with those of the active trackers now (the worker's step, after
    the analysis has stored the turns)."""
    authorize(principal, REANALYZE_CALLS)
    session.execute(delete(CallTrackerHit).where(CallTrackerHit.call_id == call_id))
    trackers = list(session.scalars(select(Tracker).where(Tracker.active)))
    if not trackers:
        return
    turns = session.execute(_turns().where(CallTurn.call_id == call_id)).all()
    for tracker in trackers:
        session.add_all(CallTrackerHit(**hit) for hit in _hits(tracker, turns))


def call_trackers(session: Session, call_id: int, viewer: Principal) -> list[CallTracker]:
    """Each active tracker's mentions on one call: count and the turns, trackers without any
    mention included (count 0)."""
    authorize(viewer, READ_TRACKERS)
    get_call(session, call_id, viewer)
    hits = session.scalars(
        select(CallTrackerHit)
        .where(CallTrackerHit.call_id == call_id)
        .order_by(CallTrackerHit.turn_index)
    )
    by_tracker: dict[int, list[TrackerMention]] = defaultdict(list)
    for hit in hits:
        by_tracker[hit.tracker_id].append(TrackerMention(hit.turn_index, hit.start, hit.phrase))
    trackers = session.scalars(select(Tracker).where(Tracker.active).order_by(Tracker.name))
    return [
        CallTracker(t.id, t.name, t.speaker, len(by_tracker[t.id]), by_tracker[t.id])
        for t in trackers
    ]


def _count_everywhere(session: Session, tracker: Tracker) -> None:
    """Count the tracker on every stored call again: turns that might say a phrase are found in
    SQL (LIKE), and the engine decides."""
    session.execute(delete(CallTrackerHit).where(CallTrackerHit.tracker_id == tracker.id))
    if not tracker.active:
        return
    candidates = _turns().where(or_(*(CallTurn.text.contains(p, autoescape=True)
                                      for p in tracker.phrases)))  # fmt: skip
    if tracker.speaker != "any":
        candidates = candidates.where(CallTurn.speaker == tracker.speaker)
    batch: list[dict[str, Any]] = []
    for hit in _hits(tracker, session.execute(candidates)):
        batch.append(hit)
        if len(batch) >= _BATCH:
            session.execute(insert(CallTrackerHit), batch)
            batch = []
    if batch:
        session.execute(insert(CallTrackerHit), batch)


def _turns() -> Select[*tuple[Any, ...]]:
    return select(CallTurn.call_id, CallTurn.idx, CallTurn.start, CallTurn.speaker, CallTurn.text)


def _hits(tracker: Tracker, turns: Iterable[Any]) -> Iterable[dict[str, Any]]:
    said = _expression(tracker.phrases)
    for turn in turns:
        if tracker.speaker not in ("any", turn.speaker) or not said(turn.text):
            continue
        phrase = next(p for p in tracker.phrases if p in turn.text)
        yield {"call_id": turn.call_id, "tracker_id": tracker.id, "turn_index": turn.idx,
               "start": turn.start, "phrase": phrase}  # fmt: skip


def _expression(phrases: list[str]) -> Expression:
    return parse_expression(phrases_expression(phrases))


def _phrases(tracker: TrackerIn) -> list[str]:
    """Trimmed, each once, in the order given."""
    return list(dict.fromkeys(p.strip() for p in tracker.phrases))


def _validate(tracker: TrackerIn) -> None:
    if not tracker.name.strip():
        raise InvalidInput("a tracker needs a name", field="name")
    if tracker.speaker not in TRACKER_SIDES:
        raise InvalidInput(f"speaker is one of {', '.join(TRACKER_SIDES)}", field="speaker")
    if not 0 < len(tracker.phrases) <= MAX_EXPRESSION_TERMS:
        raise InvalidInput(f"give 1 to {MAX_EXPRESSION_TERMS} phrases", field="phrases")
    if any(len(p.strip()) > MAX_PHRASE_CHARS for p in tracker.phrases):
        raise InvalidInput(f"a phrase has at most {MAX_PHRASE_CHARS} characters", field="phrases")
    try:
        _expression(_phrases(tracker))
    except RuleSyntaxError as exc:
        raise InvalidInput(f"the phrases cannot be used: {exc}", field="phrases") from None


def _require_free_name(session: Session, name: str, tracker_id: int | None) -> None:
    taken = session.scalar(select(Tracker.id).where(Tracker.name == name))
    if taken is not None and taken != tracker_id:
        raise Conflict(f"a tracker named {name!r} exists already", field="name")


def _tracker(session: Session, tracker_id: int) -> Tracker:
    row = session.get(Tracker, tracker_id)
    if row is None:
        raise NotFound(f"tracker {tracker_id} does not exist")
    return row
