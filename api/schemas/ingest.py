"""Response shapes of the HTTP API (pydantic models read straight from ORM rows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.paging import MOMENT, PageQuery
from api.schemas.vocabulary import VocabularyTermOut
from asr import ChannelLayout
from core.types import Id, SaneDate, SaneDateTime
from ingest.call_analysis import MAX_TURN_CHARS, MAX_TURNS
from ingest.calls import CallFilters, parse_moment
from ingest.corrections import MAX_NOTE_CHARS

__all__ = [
    "AnalysisOut",
    "AnalyzeIn",
    "CallAccepted",
    "CallChangeOut",
    "CallEditIn",
    "CallOut",
    "CallQuery",
    "ConversationOut",
    "CorrectionIn",
    "CorrectionOut",
    "HealthOut",
    "ReviewQueueQuery",
    "SegmentOut",
    "TextEditIn",
    "TextEditOut",
    "TextEditResultOut",
    "TranscriptOut",
    "UncertainLabelOut",
    "WordOut",
]


class CallAccepted(BaseModel):
    id: int
    status: str
    duplicate: bool = Field(
        description="True when this recording was already uploaded; id is that call's."
    )
    same_as: Literal["file", "sound"] | None = Field(
        default=None,
        description="Why it is a duplicate: the same file, or the same conversation recognised "
        "by its sound in another file (format, mono mix). Send keep_both=true to store it anyway.",
    )


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str | None
    rep: str | None
    customer: str | None
    rep_id: int | None
    customer_id: int | None
    opportunity_id: int | None
    occurred_at: datetime | None
    channels: str
    speakers_swapped: bool = False
    status: str
    progress: float
    error: str | None
    duration_s: float
    original_filename: str | None
    audio_format: str
    audio_codec: str
    audio_channels: int
    sample_rate: int
    size_bytes: int
    language: str | None
    asr_model: str | None
    created_at: datetime
    transcribed_at: datetime | None
    commitment_secured: bool | None = Field(None, description="null until analysed")
    score: int | None = Field(None, description="coaching score, null until analysed")


class CallEditIn(BaseModel):
    """Only the fields sent change; null clears a link, the title or the time."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200, examples=["华东客户首次拜访"])
    occurred_at: SaneDateTime | None = Field(None, examples=["2026-11-23T14:30:00+08:00"])
    rep_id: Id | None = None
    customer_id: Id | None = None
    opportunity_id: Id | None = Field(
        None, description="Brings its customer and owner along unless those are sent too."
    )
    channels: ChannelLayout | None = Field(
        None,
        description="Which side is the rep's (rep-left, rep-right; a stereo recording) or mono: "
        "the call is transcribed again. 409 while its job is running.",
    )
    speakers_swapped: bool | None = Field(
        None,
        description="true: rep and customer were told apart the wrong way round (a mono call); "
        "the call is analysed again with them swapped.",
    )


class CallChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    field: Literal[
        "title", "occurred_at", "rep", "customer", "opportunity", "channels", "speakers_swapped"
    ]
    old_value: str | None
    new_value: str | None
    changed_by: str
    changed_at: datetime


def call_out(call: Any) -> CallOut:
    summary = call.analysis
    extra = (
        {"commitment_secured": summary.commitment_secured, "score": summary.score}
        if summary
        else {}
    )
    return CallOut.model_validate(call).model_copy(update=extra)


class CallQuery(PageQuery):
    rep: str | None = Field(None, description="The rep's name as stored on the call.")
    status: str | None = None
    occurred_from: str | None = Field(None, alias="from", description=MOMENT)
    occurred_to: str | None = Field(None, alias="to", description=f"Exclusive. {MOMENT}")
    rep_id: Id | None = None
    customer_id: Id | None = None
    opportunity_id: Id | None = None
    commitment_secured: bool | None = None
    score_min: int | None = Field(None, ge=0, le=100)
    score_max: int | None = Field(None, ge=0, le=100)
    tracker_id: Id | None = Field(None, description="Only calls that mention it.")

    def filters(self, timezone: str) -> CallFilters:
        """The filters, the moments read in `timezone` where they carry no offset."""
        return CallFilters(
            self.rep, self.status, parse_moment(self.occurred_from, timezone, "from"),
            parse_moment(self.occurred_to, timezone, "to"), self.rep_id, self.customer_id,
            self.opportunity_id, self.commitment_secured, self.score_min, self.score_max,
            self.tracker_id,
        )  # fmt: skip


class WordOut(BaseModel):
    start: float
    end: float
    text: str
    probability: float


class SegmentOut(BaseModel):
    start: float
    end: float
    speaker: str
    text: str
    words: list[WordOut]


class TranscriptOut(BaseModel):
    call_id: int
    status: str
    language: str | None
    model: str | None
    duration_s: float
    segments: list[SegmentOut]


class HealthOut(BaseModel):
    status: str
    database: str
    worker: str
    model: str


_PROBABILITY = (
    "The classifier's probability of the model's label (of none when it is null), 0..1; "
    "null where the turn was not labelled or was analysed before probabilities were kept."
)


class QuestionOut(BaseModel):
    text: str
    question_type: str
    probability: float | None = Field(
        None, description="Of the question type, given that the clause asks something."
    )


class ModelLabelsOut(BaseModel):
    """The turn's labels as the analyser gave them, before any correction."""

    question_type: str | None
    commitment: str | None
    commitment_action: str | None
    commitment_due: date | None


class CorrectionOut(BaseModel):
    """A person's correction of one turn's label (old_* are the labels it replaced)."""

    id: int
    turn_index: int
    turn_text: str = Field(description="The turn's text when it was corrected.")
    kind: Literal["question", "commitment"]
    old_label: str | None
    label: str | None = Field(description="The SPIN type or commitment given; null for none.")
    old_commitment_action: str | None
    commitment_action: str | None
    old_commitment_due: date | None
    commitment_due: date | None
    note: str | None
    corrected_by: str
    corrected_at: datetime


class ReplacementOut(BaseModel):
    """A correction made after decoding: [start, end) of the turn's text replaced `heard`."""

    start: int
    end: int
    heard: str = Field(description="What Whisper wrote.")
    text: str
    reason: Literal["vocabulary", "learned", "homophone"]
    kind: str = Field(description="The vocabulary term's kind; empty for a homophone.")
    similarity: float = Field(description="How alike they sound, 0..1 (tones ignored).")
    confidence: float = Field(description="Whisper's probability of the words it replaced.")


class DoubtfulOut(BaseModel):
    """Words Whisper was unsure of: [start, end) of the turn's text."""

    start: int
    end: int
    probability: float


class TextEditOut(BaseModel):
    """A person's edit of a turn's text."""

    id: int
    turn_index: int
    speaker: str
    heard_text: str = Field(description="The turn as Whisper wrote it (what the edit is kept on).")
    old_text: str = Field(description="The turn's text before this edit.")
    text: str
    changes: list[tuple[str, str]] = Field(description="The words it replaced, [old, new].")
    edited_by: str
    edited_at: datetime


class TurnOut(BaseModel):
    index: int
    speaker: str
    start: float | None
    end: float | None
    text: str
    tokens: list[str]
    question_type: str | None = Field(description="In effect: corrected, else the model's.")
    question_probability: float | None = Field(None, description=_PROBABILITY)
    questions: list[QuestionOut]
    commitment: str | None = Field(description="In effect: corrected, else the model's.")
    commitment_probability: float | None = Field(None, description=_PROBABILITY)
    commitment_action: str | None
    commitment_due: date | None
    evidence: list[str]
    model_labels: ModelLabelsOut
    correction: CorrectionOut | None = Field(
        None, description="The correction in effect on this turn, with its author and time."
    )
    heard_text: str | None = Field(
        None, description="The turn as Whisper wrote it, where corrections changed it."
    )
    replacements: list[ReplacementOut] = Field(
        default_factory=list, description="Corrections made after decoding, in the text."
    )
    doubtful: list[DoubtfulOut] = Field(
        default_factory=list, description="Words Whisper gave a probability under 0.5."
    )
    edit: TextEditOut | None = Field(None, description="The person's edit in effect.")


class CommitmentOut(BaseModel):
    turn_index: int
    action: str
    due: date | None
    time_text: str | None
    text: str
    probability: float | None = Field(
        None, description="The classifier's probability of the advance; null when corrected."
    )
    corrected: bool = Field(False, description="True when a person marked or changed it.")


class ScoreReasonOut(BaseModel):
    criterion: str
    points: int
    reason: str


class ScoreOut(BaseModel):
    total: int
    reasons: list[ScoreReasonOut]


class SpeakersOut(BaseModel):
    method: str = Field(description="channels, given, or heuristic (mono calls)")
    confidence: float
    reasons: list[str]


class ConversationOut(BaseModel):
    is_sales_call: bool = Field(
        description="A two-party sales conversation; if not, no commitments and no score."
    )
    confidence: float | None = Field(description="Of the verdict, 0..1; null: not checked.")
    reasons: list[str]


class AnalysisOut(BaseModel):
    turns: list[TurnOut]
    metrics: dict[str, Any]
    commitments: list[CommitmentOut]
    commitment_secured: bool
    score: ScoreOut | None = Field(description="null when the call is no sales conversation")
    speakers: SpeakersOut
    conversation: ConversationOut
    stale_corrections: list[CorrectionOut] = Field(
        description="Corrections that no longer apply: re-analysis changed their turn's text."
    )
    stale_edits: list[TextEditOut] = Field(
        default_factory=list,
        description="Text edits that no longer apply: the turn no longer reads as Whisper heard "
        "it when they were made (a new transcription).",
    )


class ReviewQueueQuery(PageQuery):
    kind: Literal["commitment", "question"] = Field(
        "commitment", description="Customer turns' outcomes, or rep turns' SPIN types."
    )
    below: float | None = Field(
        None, ge=0, le=1, description="Labels less sure than this (default HUASHU_REVIEW_BELOW)."
    )


class UncertainLabelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: int
    call_title: str | None
    rep: str | None
    happened_at: datetime
    turn_index: int
    speaker: str
    kind: str
    text: str
    previous_text: str | None = Field(description="The other speaker's turn before it.")
    label: str | None = Field(description="The model's label; null: none.")
    probability: float


class CorrectionIn(BaseModel):
    """Send question_type (a rep turn) or commitment (a customer turn); null means none."""

    model_config = ConfigDict(extra="forbid")

    question_type: str | None = Field(None, max_length=20, examples=["situation"])
    commitment: str | None = Field(None, max_length=20, examples=["advance"])
    commitment_action: str | None = Field(None, max_length=40, examples=["演示"])
    commitment_due: SaneDate | None = None
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)


class TextEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TURN_CHARS, examples=["我是孙经理，想跟您约个时间演示一下。"])


class TextEditResultOut(BaseModel):
    edit: TextEditOut
    learned: list[VocabularyTermOut] = Field(
        description="Corrections this edit confirmed on enough calls to be learned."
    )


class TurnIn(BaseModel):
    speaker: Literal["rep", "customer"]
    text: str = Field(max_length=MAX_TURN_CHARS)


class AnalyzeIn(BaseModel):
    turns: list[TurnIn] = Field(max_length=MAX_TURNS)
    call_date: SaneDate | None = Field(
        None, description="Dates like 下周二 are resolved from this day."
    )
