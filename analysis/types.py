"""Value types of the analysis library: frozen dataclasses, nothing tied to a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "COMMITMENTS",
    "QUESTION_TYPES",
    "SPIN_ORDER",
    "Analysis",
    "Commitment",
    "Question",
    "Score",
    "SpeakerGuess",
    "Turn",
    "Utterance",
]

# Most advanced last: a turn with several questions takes the type furthest along this list.
SPIN_ORDER = ("other_question", "situation", "problem", "implication", "need_payoff")
QUESTION_TYPES = SPIN_ORDER
COMMITMENTS = ("advance", "continuation", "decline")


@dataclass(frozen=True, slots=True)
class Utterance:
    """What goes into the analysis: one stretch of speech by one speaker (times may be None)."""

    speaker: str  # "rep" | "customer" | "unknown"
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    question_type: str


@dataclass(frozen=True, slots=True)
class Turn:
    index: int
    speaker: str
    start: float | None
    end: float | None
    text: str
    tokens: tuple[str, ...] = ()
    question_type: str | None = None
    questions: tuple[Question, ...] = ()
    commitment: str | None = None
    commitment_action: str | None = None
    commitment_due: date | None = None
    evidence: tuple[str, ...] = ()  # cue words and top features behind the labels


@dataclass(frozen=True, slots=True)
class Commitment:
    turn_index: int
    action: str
    due: date | None
    time_text: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Score:
    total: int  # 0..100
    reasons: tuple[tuple[str, int, str], ...]  # (criterion, points, explanation)


@dataclass(frozen=True, slots=True)
class SpeakerGuess:
    """How rep/customer were decided: from channels, as given, or guessed on a mono call."""

    method: str  # "channels" | "given" | "heuristic"
    confidence: float  # 0..1
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    turns: tuple[Turn, ...]
    metrics: dict[str, Any]
    commitments: tuple[Commitment, ...]
    score: Score
    speakers: SpeakerGuess
    commitment_secured: bool = field(default=False)
