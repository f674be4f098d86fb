"""Response shapes of the HTTP API (pydantic models read straight from ORM rows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.types import SaneDate
from ingest.analysis import MAX_TURN_CHARS, MAX_TURNS

__all__ = [
    "AnalysisOut",
    "AnalyzeIn",
    "CallAccepted",
    "CallOut",
    "CallPage",
    "HealthOut",
    "SegmentOut",
    "TranscriptOut",
    "WordOut",
]


class CallAccepted(BaseModel):
    id: int
    status: str
    duplicate: bool = Field(
        description="True when this audio was already uploaded; id is that call's."
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


def call_out(call: Any) -> CallOut:
    summary = call.analysis
    extra = (
        {"commitment_secured": summary.commitment_secured, "score": summary.score}
        if summary
        else {}
    )
    return CallOut.model_validate(call).model_copy(update=extra)


class CallPage(BaseModel):
    items: list[CallOut]
    total: int
    limit: int
    offset: int


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


class QuestionOut(BaseModel):
    text: str
    question_type: str


class TurnOut(BaseModel):
    index: int
    speaker: str
    start: float | None
    end: float | None
    text: str
    tokens: list[str]
    question_type: str | None
    questions: list[QuestionOut]
    commitment: str | None
    commitment_action: str | None
    commitment_due: date | None
    evidence: list[str]


class CommitmentOut(BaseModel):
    turn_index: int
    action: str
    due: date | None
    time_text: str | None
    text: str


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


class AnalysisOut(BaseModel):
    turns: list[TurnOut]
    metrics: dict[str, Any]
    commitments: list[CommitmentOut]
    commitment_secured: bool
    score: ScoreOut
    speakers: SpeakersOut


class TurnIn(BaseModel):
    speaker: Literal["rep", "customer"]
    text: str = Field(max_length=MAX_TURN_CHARS)


class AnalyzeIn(BaseModel):
    turns: list[TurnIn] = Field(max_length=MAX_TURNS)
    call_date: SaneDate | None = Field(
        None, description="Dates like 下周二 are resolved from this day."
    )
