"""A call's analysis as the call domain hands it out: typed views of the labels in effect.

Two sources give the same shape: a fresh `analysis.Analysis` (text analysed on request, nothing
stored: the model's labels are the labels) and a stored analysis with people's corrections
(`ingest.call_analysis.read_analysis`). The API's schemas (api/schemas/ingest.py) read these
views attribute by attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from analysis import Analysis, Turn
from models import LabelCorrection, TranscriptEdit

__all__ = [
    "AnalysisView",
    "CommitmentView",
    "ConversationView",
    "CorrectionView",
    "DoubtfulView",
    "ModelLabels",
    "QuestionView",
    "ReplacementView",
    "ScoreReason",
    "ScoreView",
    "SpeakersView",
    "TextEditView",
    "TurnView",
    "analysis_view",
    "correction_view",
    "doubtful_views",
    "question_views",
    "replacement_views",
    "score_view",
    "text_edit_view",
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
class ReplacementView:
    """A correction made after decoding, at [start, end) of the turn's text."""

    start: int
    end: int
    heard: str  # what Whisper wrote
    text: str  # what replaced it
    reason: str  # vocabulary | learned | homophone
    kind: str  # the vocabulary term's kind ("" for a homophone)
    similarity: float
    confidence: float  # Whisper's probability of the words it replaced


@dataclass(frozen=True, slots=True)
class DoubtfulView:
    """Words Whisper was unsure of, at [start, end) of the turn's text."""

    start: int
    end: int
    probability: float


@dataclass(frozen=True, slots=True)
class TextEditView:
    """A person's edit of a turn's text."""

    id: int
    turn_index: int
    speaker: str
    heard_text: str  # the turn as Whisper wrote it
    old_text: str  # as it read before this edit
    text: str
    changes: list[tuple[str, str]]  # the words it replaced: (old, new)
    edited_by: str
    edited_at: datetime


@dataclass(frozen=True, slots=True)
class TurnView:
    """A turn with the labels in effect (corrected, else the model's) and the model's own; its
    words as Whisper heard them, what corrected them (the vocabulary, a person) and where
    Whisper was unsure."""

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
    heard_text: str | None = None  # None: the same as `text`, or not known (text analysed)
    replacements: list[ReplacementView] = field(default_factory=list)
    doubtful: list[DoubtfulView] = field(default_factory=list)
    edit: TextEditView | None = None  # the person's edit in effect


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
    stale_edits: list[TextEditView] = field(default_factory=list)  # the same, for text edits


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


def text_edit_view(edit: TranscriptEdit) -> TextEditView:
    return TextEditView(
        id=edit.id, turn_index=edit.turn_index, speaker=edit.speaker, heard_text=edit.heard_text,
        old_text=edit.old_text, text=edit.new_text,
        changes=[(str(old), str(new)) for old, new in edit.changes], edited_by=edit.edited_by,
        edited_at=edit.edited_at,
    )  # fmt: skip


def replacement_views(stored: Sequence[Mapping[str, Any]]) -> list[ReplacementView]:
    """A turn's replacements as stored (ingest.turn_origins)."""
    return [
        ReplacementView(int(r["start"]), int(r["end"]), r["heard"], r["text"], r["reason"],
                        r.get("kind", ""), float(r["similarity"]), float(r["confidence"]))
        for r in stored
    ]  # fmt: skip


def doubtful_views(stored: Sequence[Sequence[float]]) -> list[DoubtfulView]:
    return [DoubtfulView(int(d[0]), int(d[1]), float(d[2])) for d in stored]
