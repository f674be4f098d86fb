"""The labels in effect on a call: the model's, unless a person corrected them.

A correction is keyed by the turn's index and text. The latest correction of a turn wins while
the turn still has the text (and the speaker) it was made on, or the same text as Whisper heard
it (a person's edit or the vocabulary changed only how words are spelled); after a re-analysis
that changed the turn it no longer applies, and is reported as stale instead of silently moved
to other words.

`refresh_labels` rebuilds what the reports count from this (the `call_labels` rows and the
summary's counts), after every analysis and every correction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analysis import QUESTION_TYPES
from analysis.score import score_from_json, score_reasons_json, with_corrected_labels
from ingest.call_views import CommitmentView
from models import CallAnalysis, CallLabel, CallTurn, LabelCorrection

__all__ = [
    "COMMITMENT",
    "KIND_OF_SPEAKER",
    "QUESTION",
    "CorrectionState",
    "correction_state",
    "effective_commitments",
    "refresh_labels",
]

QUESTION, COMMITMENT = "question", "commitment"
KIND_OF_SPEAKER = {"rep": QUESTION, "customer": COMMITMENT}  # who can carry which label
_DEFAULT_ACTION = "下一步"


@dataclass(frozen=True, slots=True)
class CorrectionState:
    """The corrections of one call: the one in effect per turn index, and the stale ones."""

    active: dict[int, LabelCorrection]
    stale: list[LabelCorrection]


def correction_state(session: Session, call_id: int, turns: Sequence[CallTurn]) -> CorrectionState:
    corrections = session.scalars(
        select(LabelCorrection)
        .where(LabelCorrection.call_id == call_id)
        .order_by(LabelCorrection.id)
    )
    return _split_corrections(turns, corrections)


def _split_corrections(
    turns: Sequence[CallTurn], corrections: Iterable[LabelCorrection]
) -> CorrectionState:
    latest: dict[int, LabelCorrection] = {}
    for correction in corrections:  # in id order: a later one replaces an earlier one
        latest[correction.turn_index] = correction
    by_index = {t.idx: t for t in turns}
    active = {i: c for i, c in latest.items() if _applies(c, by_index.get(i))}
    stale = [c for i, c in sorted(latest.items()) if i not in active]
    return CorrectionState(active, stale)


def _applies(correction: LabelCorrection, turn: CallTurn | None) -> bool:
    """The turn still says what the correction was made on: the same words, or the same words
    as Whisper heard them (a person's edit or a vocabulary correction changed only spellings)."""
    if turn is None or KIND_OF_SPEAKER.get(turn.speaker) != correction.kind:
        return False
    heard = turn.heard_text or turn.text
    return correction.turn_text in (turn.text, heard) or correction.heard_text == heard


def refresh_labels(session: Session, call_id: int) -> None:
    """Rebuild the call's countable labels and its summary's counts from turns + corrections."""
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        return
    turns = list(session.scalars(select(CallTurn).where(CallTurn.call_id == call_id)))
    active = correction_state(session, call_id, turns).active
    labels = [label for turn in turns for label in _labels(call_id, turn, active.get(turn.idx))]
    session.execute(delete(CallLabel).where(CallLabel.call_id == call_id))
    session.add_all(labels)
    _set_counts(summary, labels)
    if active:  # without corrections the analyser's score stands as it made it
        _rescore(summary, labels)


def _labels(call_id: int, turn: CallTurn, correction: LabelCorrection | None) -> list[CallLabel]:
    def label(kind: str, value: str, probability: float | None, corrected: bool) -> CallLabel:
        return CallLabel(
            call_id=call_id, turn_index=turn.idx, kind=kind, label=value,
            probability=probability, corrected=corrected,
        )  # fmt: skip

    if correction is not None:  # a person's label counts once, whatever the model found
        return (
            [label(correction.kind, correction.new_label, None, True)]
            if correction.new_label
            else []
        )
    if turn.speaker == "rep":
        return [
            label(QUESTION, q["question_type"], q.get("probability"), False) for q in turn.questions
        ]
    if turn.speaker == "customer" and turn.commitment:
        return [label(COMMITMENT, turn.commitment, turn.commitment_probability, False)]
    return []


def _set_counts(summary: CallAnalysis, labels: Sequence[CallLabel]) -> None:
    questions = Counter(x.label for x in labels if x.kind == QUESTION)
    advances = sum(1 for x in labels if x.kind == COMMITMENT and x.label == "advance")
    summary.question_count = sum(questions[kind] for kind in QUESTION_TYPES)
    summary.situation_count = questions["situation"]
    summary.problem_count = questions["problem"]
    summary.implication_count = questions["implication"]
    summary.need_payoff_count = questions["need_payoff"]
    summary.advance_count = advances
    summary.commitment_secured = advances > 0


def _rescore(summary: CallAnalysis, labels: Sequence[CallLabel]) -> None:
    """The score's commitment and discovery parts from the labels in effect."""
    if summary.score is None:
        return  # no sales conversation, no score
    stored = score_from_json(summary.score, summary.score_reasons)
    outcomes = {x.label for x in labels if x.kind == COMMITMENT}
    questions = Counter(x.label for x in labels if x.kind == QUESTION)
    score = with_corrected_labels(stored, outcomes, questions)
    summary.score = score.total
    summary.score_reasons = score_reasons_json(score)


def effective_commitments(
    model: Sequence[dict[str, Any]], turns: Sequence[CallTurn], active: dict[int, LabelCorrection]
) -> list[CommitmentView]:
    """The call's advances as in effect: the model's (`CallAnalysis.commitments`), less those a
    person relabelled, plus the turns a person marked as advances (with the action and due date
    they gave, else the model's)."""
    kept = [_stored_advance(c) for c in model if c["turn_index"] not in active]
    by_index = {t.idx: t for t in turns}
    added = [
        _corrected_advance(by_index[i], c)
        for i, c in active.items()
        if c.kind == COMMITMENT and c.new_label == "advance"
    ]
    return sorted(kept + added, key=lambda c: c.turn_index)


def _stored_advance(stored: dict[str, Any]) -> CommitmentView:
    due = stored.get("due")
    return CommitmentView(
        turn_index=int(stored["turn_index"]), action=stored["action"],
        due=date.fromisoformat(due) if due else None, time_text=stored.get("time_text"),
        text=stored["text"], probability=stored.get("probability"),
    )  # fmt: skip


def _corrected_advance(turn: CallTurn, correction: LabelCorrection) -> CommitmentView:
    return CommitmentView(
        turn_index=turn.idx,
        action=correction.new_action or turn.commitment_action or _DEFAULT_ACTION,
        due=correction.new_due or turn.commitment_due,
        time_text=None,
        text=turn.text,
        probability=None,
        corrected=True,
    )
