"""Conversation analysis for Mandarin sales calls: jieba segmentation, SPIN question types,
customer commitments, conversation metrics and a coaching score.

A pure library like `asr`: explicit arguments in, frozen dataclasses out; no database,
settings or environment variables.
"""

from analysis.analyzer import Analyzer
from analysis.dates import DueDate, find_due_date
from analysis.segmentation import SALES_DICTIONARY, SalesTokenizer
from analysis.turns import SpeechSegment, TimedWord
from analysis.types import (
    COMMITMENTS,
    QUESTION_TYPES,
    SPIN_ORDER,
    Analysis,
    Commitment,
    Question,
    Score,
    SpeakerGuess,
    Turn,
    Utterance,
)

__all__ = [
    "COMMITMENTS",
    "QUESTION_TYPES",
    "SALES_DICTIONARY",
    "SPIN_ORDER",
    "Analysis",
    "Analyzer",
    "Commitment",
    "DueDate",
    "Question",
    "SalesTokenizer",
    "Score",
    "SpeakerGuess",
    "SpeechSegment",
    "TimedWord",
    "Turn",
    "Utterance",
    "find_due_date",
]
