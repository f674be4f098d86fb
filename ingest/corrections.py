"""People correcting the analyser: a turn's SPIN type or commitment outcome (and the outcome's
action and due date), kept with who and when; the review queue of the labels the model was least
sure of; and the corrections' export as training data.

A correction is made on the turn as it reads now, and keeps that text and the turns before it:
the export gives `python -m analysis.train --corrections` exactly what the reviewer saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import COMMITMENTS, QUESTION_TYPES
from auth.permissions import CORRECT_LABELS, EXPORT_CORRECTIONS, READ_CALLS, authorize, visible
from auth.principal import Principal
from core.errors import InvalidInput, NotFound, TranscriptNotReady
from core.paging import Page, PageRequest
from ingest.call_analysis import follow_labels
from ingest.calls import get_call
from ingest.labels_in_effect import KIND_OF_SPEAKER, QUESTION, correction_state, refresh_labels
from models import Call, CallAnalysis, CallTurn, LabelCorrection

__all__ = [
    "MAX_ACTION_CHARS",
    "MAX_NOTE_CHARS",
    "LabelChange",
    "UncertainLabel",
    "correct_turn",
    "export_corrections",
    "list_corrections",
    "uncertain_labels",
]

MAX_ACTION_CHARS = 40  # the column's width; the analyser's actions are 2–6 characters
MAX_NOTE_CHARS = 500
_NEXT_STEP = ("advance", "continuation")  # the outcomes that have an action and a due date


@dataclass(frozen=True, slots=True)
class LabelChange:
    """What a reviewer sends: in `labels`, exactly one of question_type (a rep turn's SPIN type)
    or commitment (a customer turn's outcome), None meaning "no question" / "no outcome"."""

    labels: Mapping[str, str | None]
    commitment_action: str | None = None
    commitment_due: date | None = None
    note: str | None = None


def correct_turn(
    session: Session, call_id: int, index: int, change: LabelChange, principal: Principal
) -> LabelCorrection:
    """Store a correction of turn `index` of the call, and in the same transaction everything
    that rests on its labels: what the reports count, the call's commitment and score, the
    follow-up draft, the commitment objective's judgement (ingest.call_analysis.follow_labels).
    The opportunity's outcome sequence and stalled flag read the labels in effect as they are."""
    authorize(principal, CORRECT_LABELS)
    get_call(session, call_id, principal, CORRECT_LABELS)
    turns = _analysed_turns(session, call_id)
    if not 0 <= index < len(turns):
        raise NotFound(f"call {call_id} has no turn {index} (it has {len(turns)})", field="index")
    turn = turns[index]
    kind = _check(change, turn)
    current = correction_state(session, call_id, turns).active.get(index)
    correction = _new_correction(turns, turn, kind, change, current, principal)
    session.add(correction)
    session.flush()
    refresh_labels(session, call_id)  # the counts, the commitment, the score's label parts
    follow_labels(session, get_call(session, call_id, principal, CORRECT_LABELS))
    return correction


def list_corrections(session: Session, call_id: int, viewer: Principal) -> list[LabelCorrection]:
    """Every correction of the call, oldest first (the history; the latest per turn holds)."""
    get_call(session, call_id, viewer, READ_CALLS)
    query = select(LabelCorrection).where(LabelCorrection.call_id == call_id)
    return list(session.scalars(query.order_by(LabelCorrection.id)))


def export_corrections(session: Session, principal: Principal) -> Iterator[str]:
    """One JSON line per corrected turn (the latest correction of each turn text), in the format
    of analysis/corpus/LABELING.md "Corrections"; stale ones too: they label the text they hold."""
    authorize(principal, EXPORT_CORRECTIONS)
    latest: dict[tuple[int, int, str], LabelCorrection] = {}
    for correction in session.scalars(select(LabelCorrection).order_by(LabelCorrection.id)):
        latest[(correction.call_id, correction.turn_index, correction.turn_text)] = correction
    for correction in latest.values():
        yield json.dumps(_training_line(correction), ensure_ascii=False) + "\n"


def _analysed_turns(session: Session, call_id: int) -> list[CallTurn]:
    if session.get(CallAnalysis, call_id) is None:
        raise TranscriptNotReady(f"call {call_id} has not been analysed yet: nothing to correct")
    query = select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx)
    return list(session.scalars(query))


def _check(change: LabelChange, turn: CallTurn) -> str:
    """The kind of label the change corrects; 422 naming the field for anything that does not fit."""
    if len(change.labels) != 1 or not {"question_type", "commitment"} >= set(change.labels):
        raise InvalidInput("send either question_type or commitment", field="question_type")
    [(name, label)] = change.labels.items()
    kind = "question" if name == "question_type" else "commitment"
    if KIND_OF_SPEAKER.get(turn.speaker) != kind:
        raise InvalidInput(_wrong_speaker(turn, name), field=name)
    _check_values(change, name, label)
    return kind


def _wrong_speaker(turn: CallTurn, name: str) -> str:
    owner = {"question_type": "a rep turn", "commitment": "a customer turn"}[name]
    return f"turn {turn.idx} is spoken by {turn.speaker}: {name} can only be set on {owner}"


def _check_values(change: LabelChange, name: str, label: str | None) -> None:
    allowed = QUESTION_TYPES if name == "question_type" else COMMITMENTS
    if label is not None and label not in allowed:
        raise InvalidInput(
            f"{name} {label!r} is not a label: use one of {', '.join(allowed)} or null", field=name
        )
    for detail in ("commitment_action", "commitment_due"):
        if getattr(change, detail) is not None and (
            name != "commitment" or label not in _NEXT_STEP
        ):
            raise InvalidInput(
                f"{detail} goes only with an advance or a continuation", field=detail
            )
    action = change.commitment_action
    if action is not None and not 0 < len(action.strip()) <= MAX_ACTION_CHARS:
        raise InvalidInput(
            f"commitment_action must be 1 to {MAX_ACTION_CHARS} characters",
            field="commitment_action",
        )
    if change.note is not None and len(change.note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note is over {MAX_NOTE_CHARS} characters", field="note")


def _new_correction(
    turns: Sequence[CallTurn],
    turn: CallTurn,
    kind: str,
    change: LabelChange,
    current: LabelCorrection | None,
    principal: Principal,
) -> LabelCorrection:
    old_label, old_action, old_due = _labels_in_effect(turn, kind, current)
    previous_rep, previous_customer = _previous_texts(turns, turn.idx)
    return LabelCorrection(
        call_id=turn.call_id, turn_index=turn.idx, speaker=turn.speaker, turn_text=turn.text,
        heard_text=turn.heard_text or turn.text, previous_rep_text=previous_rep,
        previous_customer_text=previous_customer,
        turn_count=len(turns), kind=kind, old_label=old_label,
        new_label=next(iter(change.labels.values())),
        old_action=old_action, new_action=_clean(change.commitment_action), old_due=old_due,
        new_due=change.commitment_due, note=_clean(change.note),
        corrected_by_user_id=principal.user_id, corrected_by=principal.name,
    )  # fmt: skip


def _labels_in_effect(
    turn: CallTurn, kind: str, current: LabelCorrection | None
) -> tuple[str | None, str | None, date | None]:
    if kind == "question":
        return (current.new_label if current else turn.question_type), None, None
    if current is None:
        return turn.commitment, turn.commitment_action, turn.commitment_due
    next_step = current.new_label in _NEXT_STEP
    action = (current.new_action or turn.commitment_action) if next_step else None
    due = (current.new_due or turn.commitment_due) if next_step else None
    return current.new_label, action, due


def _previous_texts(turns: Sequence[CallTurn], index: int) -> tuple[str | None, str | None]:
    """The last rep and the last customer turn before `index`: the context the analyser used."""
    last: dict[str, str | None] = {"rep": None, "customer": None}
    for turn in turns[:index]:
        if turn.speaker in last:
            last[turn.speaker] = turn.text
    return last["rep"], last["customer"]


def _clean(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _training_line(c: LabelCorrection) -> dict[str, Any]:
    return {
        "speaker": c.speaker, "text": c.turn_text, "label": c.new_label,
        "previous_rep_text": c.previous_rep_text, "previous_customer_text": c.previous_customer_text,
        "turn_index": c.turn_index, "turn_count": c.turn_count, "call_id": c.call_id,
        "original_label": c.old_label, "corrected_by": c.corrected_by,
        "corrected_at": c.corrected_at.isoformat(), "note": c.note,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class UncertainLabel:
    """A model label less sure than the threshold, on a turn nobody has corrected or confirmed."""

    call_id: int
    call_title: str | None
    rep: str | None
    happened_at: datetime
    turn_index: int
    speaker: str
    kind: str  # question | commitment
    text: str
    previous_text: str | None  # the other speaker's turn before it: what it answers
    label: str | None  # the model's label (None: no question / nothing about next steps)
    probability: float


def uncertain_labels(
    session: Session, viewer: Principal, kind: str, below: float, page: PageRequest
) -> Page[UncertainLabel]:
    """The review queue: model labels of `kind` less sure than `below` on the calls `viewer` may
    correct, least sure first; a turn leaves it once someone corrects or confirms its label (a
    correction to the same label)."""
    authorize(viewer, CORRECT_LABELS)
    speaker = "rep" if kind == QUESTION else "customer"
    probability = (
        CallTurn.question_probability if kind == QUESTION else CallTurn.commitment_probability
    )
    reviewed = select(LabelCorrection.id).where(
        LabelCorrection.call_id == CallTurn.call_id, LabelCorrection.turn_index == CallTurn.idx
    )
    query = (
        select(CallTurn, Call)
        .join(Call, Call.id == CallTurn.call_id)
        .where(CallTurn.speaker == speaker, probability < below, ~reviewed.exists(),
               visible(viewer, CORRECT_LABELS, Call))
    )  # fmt: skip
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(probability, Call.happened_at.desc(), CallTurn.idx)
    rows = session.execute(ordered.limit(page.limit).offset(page.offset)).all()
    items = [_uncertain(session, turn, call, kind) for turn, call in rows]
    return Page(items, total, page.limit, page.offset)


def _uncertain(session: Session, turn: CallTurn, call: Call, kind: str) -> UncertainLabel:
    other = "customer" if turn.speaker == "rep" else "rep"
    previous = session.scalar(
        select(CallTurn.text)
        .where(CallTurn.call_id == call.id, CallTurn.idx < turn.idx, CallTurn.speaker == other)
        .order_by(CallTurn.idx.desc())
        .limit(1)
    )
    label = turn.question_type if kind == QUESTION else turn.commitment
    probability = turn.question_probability if kind == QUESTION else turn.commitment_probability
    return UncertainLabel(
        call_id=call.id, call_title=call.title or call.original_filename, rep=call.rep,
        happened_at=call.happened_at, turn_index=turn.idx, speaker=turn.speaker, kind=kind,
        text=turn.text, previous_text=previous, label=label, probability=probability or 0.0,
    )  # fmt: skip
