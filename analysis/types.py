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
    "ConversationCheck",
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
    # The clause classifier's probability of question_type, given that the clause asks something
    # (a clause can be given the turn's type when it is the likeliest to carry it).
    probability: float = 1.0


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
    # How sure the labeller was, 0..1 (None where the turn was not labelled: the other speaker,
    # or a call that is no sales conversation): the turn classifier's probability of the label
    # given (of "none" when the label is None), among the labels the rule cues left open — a
    # question mark rules "none" out. A None question_type the model was unsure of (a bare
    # sentence it thought might ask something) has a low one: worth a review.
    question_probability: float | None = None
    commitment_probability: float | None = None


@dataclass(frozen=True, slots=True)
class Commitment:
    turn_index: int
    action: str
    due: date | None
    time_text: str | None
    text: str
    probability: float | None = None  # the classifier's probability that this is an advance


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
class ConversationCheck:
    """Whether a recording is a two-party sales conversation at all (not a podcast, a lecture,
    an IVR menu, a voicemail or one side only): only then are commitments and a score given."""

    is_sales_call: bool
    confidence: float  # 0..1, of the verdict in is_sales_call
    reasons: tuple[str, ...] = ()


_UNCHECKED = ConversationCheck(True, 0.5, ("not checked",))


@dataclass(frozen=True, slots=True)
class Analysis:
    turns: tuple[Turn, ...]
    metrics: dict[str, Any]
    commitments: tuple[Commitment, ...]
    score: Score | None  # None when the call is no sales conversation (see `conversation`)
    speakers: SpeakerGuess
    commitment_secured: bool = field(default=False)
    conversation: ConversationCheck = field(default=_UNCHECKED)
