"""A call's analysis as the call domain hands it out: typed views of the labels in effect.

Two sources give the same shape: a fresh `analysis.Analysis` (text analysed on request, nothing
stored: the model's labels are the labels) and a stored analysis with people's corrections
(`ingest.call_analysis.read_analysis`). The API's schemas (api/schemas/ingest.py) read these
views attribute by attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from analysis import Analysis, Turn
from models import LabelCorrection

__all__ = [
    "AnalysisView",
    "CommitmentView",
    "ConversationView",
    "CorrectionView",
    "ModelLabels",
    "QuestionView",
    "ScoreReason",
    "ScoreView",
    "SpeakersView",
    "TurnView",
    "analysis_view",
    "correction_view",
    "question_views",
    "score_view",
]


@dataclass(frozen=True, slots=True)
class QuestionView:
    text: str
    question_type: str
    probability: float | None = None  # of the type, given that the clause asks something


@dataclass(frozen=True, slots=True)
class ModelLabels:
    """A turn's labels as the analyser gave them, before any correction."""

    question_type: str | None
    commitment: str | None
    commitment_action: str | None
    commitment_due: date | None


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """A person's correction of one turn's label (old_* are the labels it replaced)."""

    id: int
    turn_index: int
    turn_text: str
    kind: str  # question | commitment
    old_label: str | None
    label: str | None
    old_commitment_action: str | None
    commitment_action: str | None
    old_commitment_due: date | None
    commitment_due: date | None
    note: str | None
    corrected_by: str
    corrected_at: datetime


@dataclass(frozen=True, slots=True)
class TurnView:
    """A turn with the labels in effect (corrected, else the model's) and the model's own."""

    index: int
    speaker: str
    start: float | None
    end: float | None
    text: str
    tokens: list[str]
    question_type: str | None
    question_probability: float | None
    questions: list[QuestionView]
    commitment: str | None
    commitment_probability: float | None
    commitment_action: str | None
    commitment_due: date | None
    evidence: list[str]
    model_labels: ModelLabels
    correction: CorrectionView | None = None


@dataclass(frozen=True, slots=True)
class CommitmentView:
    turn_index: int
    action: str
    due: date | None
    time_text: str | None
    text: str
    probability: float | None  # the classifier's; None where a person marked it
    corrected: bool = False  # a person marked or changed it


@dataclass(frozen=True, slots=True)
class ScoreReason:
    criterion: str
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class ScoreView:
    total: int
    reasons: list[ScoreReason]


@dataclass(frozen=True, slots=True)
class SpeakersView:
    method: str  # channels, given, or heuristic (mono calls)
    confidence: float
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class ConversationView:
    is_sales_call: bool
    confidence: float | None  # None: analysed before the check existed
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class AnalysisView:
    turns: list[TurnView]
    metrics: dict[str, Any]  # analysis.metrics.call_metrics, as stored
    commitments: list[CommitmentView]
    commitment_secured: bool
    score: ScoreView | None  # None: no sales conversation
    speakers: SpeakersView
    conversation: ConversationView
    stale_corrections: list[CorrectionView]  # re-analysis changed their turn's text


def analysis_view(analysis: Analysis) -> AnalysisView:
    """A fresh analysis (nothing stored, no corrections: the model's labels are the labels)."""
    score = analysis.score
    return AnalysisView(
        turns=[_fresh_turn(t) for t in analysis.turns],
        metrics=analysis.metrics,
        commitments=[
            CommitmentView(c.turn_index, c.action, c.due, c.time_text, c.text, c.probability)
            for c in analysis.commitments
        ],
        commitment_secured=analysis.commitment_secured,
        score=None if score is None else ScoreView(score.total, [ScoreReason(*r) for r in score.reasons]),
        speakers=SpeakersView(
            analysis.speakers.method, analysis.speakers.confidence, list(analysis.speakers.reasons)
        ),
        conversation=ConversationView(
            analysis.conversation.is_sales_call,
            analysis.conversation.confidence,
            list(analysis.conversation.reasons),
        ),
        stale_corrections=[],
    )  # fmt: skip


def _fresh_turn(turn: Turn) -> TurnView:
    labels = ModelLabels(
        turn.question_type, turn.commitment, turn.commitment_action, turn.commitment_due
    )
    return TurnView(
        index=turn.index, speaker=turn.speaker, start=turn.start, end=turn.end, text=turn.text,
        tokens=list(turn.tokens), question_type=turn.question_type,
        question_probability=turn.question_probability,
        questions=[QuestionView(q.text, q.question_type, q.probability) for q in turn.questions],
        commitment=turn.commitment, commitment_probability=turn.commitment_probability,
        commitment_action=turn.commitment_action, commitment_due=turn.commitment_due,
        evidence=list(turn.evidence), model_labels=labels,
    )  # fmt: skip


def question_views(stored: Sequence[Mapping[str, Any]]) -> list[QuestionView]:
    """A turn's questions as stored (JSON: text, question_type and, since 0013, probability)."""
    return [QuestionView(q["text"], q["question_type"], q.get("probability")) for q in stored]


def score_view(total: int | None, reasons: Sequence[Mapping[str, Any]]) -> ScoreView | None:
    """A stored score (`analysis.score.score_reasons_json` parts); None when there is none."""
    if total is None:
        return None
    return ScoreView(
        total, [ScoreReason(r["criterion"], int(r["points"]), r["reason"]) for r in reasons]
    )


def correction_view(c: LabelCorrection) -> CorrectionView:
    return CorrectionView(
        id=c.id, turn_index=c.turn_index, turn_text=c.turn_text, kind=c.kind,
        old_label=c.old_label, label=c.new_label, old_commitment_action=c.old_action,
        commitment_action=c.new_action, old_commitment_due=c.old_due, commitment_due=c.new_due,
        note=c.note, corrected_by=c.corrected_by, corrected_at=c.corrected_at,
    )  # fmt: skip
