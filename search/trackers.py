"""Trackers (话题追踪): named lists of words and phrases (竞品, 价格, 决策人…) said by the rep, the
customer or either, counted on every call.

A tracker's phrases compile to the QA rules' keyword expression (`"竞品" or "友商"`) and run on
the same engine (analysis.rules); unlike a QA rule a tracker judges nothing, it counts. A
mention is a turn of the tracker's side that says one of the phrases. Hits are stored per call:
for a new or re-analysed call by the worker (`track_call`), and for every stored call when a
tracker is created or changed (candidate turns found in SQL, then checked by the engine).

Counting a tracker over every stored call (tens of thousands) is not done in the request that
saves it: the save marks the tracker `counting` and, once committed, `count_everywhere` goes
through the calls a batch at a time, each batch its own short write, so other writers never wait
long. A newer save supersedes a count under way (its `count_round` moves on); a count cut off
by a restart is started again (`resume_counts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select
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
from models import Call, CallTrackerHit, CallTurn, SessionFactory, Tracker, on_commit, session_scope
from search.schemas import TRACKER_SIDES, CallTracker, TrackerIn, TrackerMention

__all__ = [
    "MAX_PHRASE_CHARS",
    "StartCount",
    "call_trackers",
    "count_everywhere",
    "create_tracker",
    "delete_tracker",
    "list_trackers",
    "resume_counts",
    "track_call",
    "update_tracker",
]

# Starts counting (tracker id, count round) over every call once the save has committed.
StartCount = Callable[[int, int], None]

MAX_PHRASE_CHARS = 100
_BATCH_CALLS = 500  # calls counted per write transaction when a tracker is counted everywhere


def create_tracker(
    session: Session, tracker: TrackerIn, editor: Principal, start: StartCount | None = None
) -> Tracker:
    authorize(editor, WRITE_TRACKERS)
    _validate(tracker)
    _require_free_name(session, tracker.name.strip(), None)
    row = Tracker(name=tracker.name.strip(), phrases=_phrases(tracker), speaker=tracker.speaker,
                  active=tracker.active, created_by_user_id=editor.user_id, count_round=0)  # fmt: skip
    session.add(row)
    session.flush()
    _count_again(session, row, start)
    return row


def update_tracker(
    session: Session,
    tracker_id: int,
    tracker: TrackerIn,
    editor: Principal,
    start: StartCount | None = None,
) -> Tracker:
    authorize(editor, WRITE_TRACKERS)
    row = _tracker(session, tracker_id)
    _validate(tracker)
    _require_free_name(session, tracker.name.strip(), tracker_id)
    row.name, row.phrases = tracker.name.strip(), _phrases(tracker)
    row.speaker, row.active = tracker.speaker, tracker.active
    session.flush()
    _count_again(session, row, start)
    return row


def _count_again(session: Session, row: Tracker, start: StartCount | None) -> None:
    """Its old mentions go now; the new ones are counted after the commit, batch by batch (or
    here, all at once, when no one runs counts: the CLI, tests of the service alone)."""
    session.execute(delete(CallTrackerHit).where(CallTrackerHit.tracker_id == row.id))
    row.count_round += 1
    row.counting, row.counted_share = row.active, 0.0 if row.active else 1.0
    session.flush()
    if not row.active:
        return
    if start is None:
        _count_calls(session, row, None, None)
        row.counting, row.counted_share = False, 1.0
        return
    tracker_id, count_round = row.id, row.count_round
    on_commit(session, lambda: start(tracker_id, count_round))


def count_everywhere(factory: SessionFactory, tracker_id: int, count_round: int) -> None:
    """Count the tracker on every stored call, one short write per batch of calls; stops when
    the tracker is deleted or saved again meanwhile (the newer save counts)."""
    with session_scope(factory, write=False) as session:
        last = session.scalar(select(func.max(Call.id))) or 0
    for low in range(0, last + 1, _BATCH_CALLS):
        with session_scope(factory) as session:
            row = session.get(Tracker, tracker_id)
            if row is None or row.count_round != count_round:
                return
            high = low + _BATCH_CALLS
            _count_calls(session, row, low, high)
            row.counted_share = round(min(1.0, high / (last + 1)), 3)
            row.counting = high <= last
    if last == 0:
        with session_scope(factory) as session:
            row = session.get(Tracker, tracker_id)
            if row is not None and row.count_round == count_round:
                row.counting, row.counted_share = False, 1.0


def resume_counts(factory: SessionFactory, start: StartCount) -> None:
    """Counts a restart cut off start again (the new calls of the meantime were counted by the
    worker, so counting everything again is right)."""
    with session_scope(factory, write=False) as session:
        unfinished = session.execute(
            select(Tracker.id, Tracker.count_round).where(Tracker.counting)
        ).all()
    for tracker_id, count_round in unfinished:
        start(tracker_id, count_round)


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


def _count_calls(session: Session, tracker: Tracker, low: int | None, high: int | None) -> None:
    """The tracker's mentions on the calls with ids in [low, high) (all calls: None, None),
    replacing those stored: turns that might say a phrase are found in SQL (LIKE), and the
    engine decides."""
    stored = delete(CallTrackerHit).where(CallTrackerHit.tracker_id == tracker.id)
    candidates = _turns().where(or_(*(CallTurn.text.contains(p, autoescape=True)
                                      for p in tracker.phrases)))  # fmt: skip
    if low is not None and high is not None:
        stored = stored.where(CallTrackerHit.call_id >= low, CallTrackerHit.call_id < high)
        candidates = candidates.where(CallTurn.call_id >= low, CallTurn.call_id < high)
    session.execute(stored)
    if tracker.speaker != "any":
        candidates = candidates.where(CallTurn.speaker == tracker.speaker)
    hits = list(_hits(tracker, session.execute(candidates)))
    if hits:
        session.execute(insert(CallTrackerHit), hits)


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
