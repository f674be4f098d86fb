"""Where each turn's words come from: Whisper's words, corrected against the vocabulary.

The analysis builds turns from the corrected words and knows nothing of corrections; this maps
them back. A turn's words are found by time (and side, on stereo calls) among the corrected
segments and located in its text one after another, which gives for each turn:

- `heard_text`: the turn as Whisper wrote it (every replacement undone): the key a person's edit
  and a label correction are made on, stable when the vocabulary changes;
- `replacements`: each correction inside the turn, at its offset in the text, with what Whisper
  wrote and why it was replaced (the review page shows them);
- `doubtful`: the words Whisper gave a low probability, at their offsets (marked on the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis import Utterance
from asr import Segment, Speaker, Word
from asr.correction import CorrectedSegments, Replacement

__all__ = ["DOUBTFUL_BELOW", "TurnOrigin", "TurnOrigins"]

DOUBTFUL_BELOW = 0.5  # Whisper's word probability under which a word is marked doubtful
_EPSILON_S = 0.01


@dataclass(frozen=True, slots=True)
class TurnOrigin:
    heard_text: str
    replacements: list[dict[str, Any]] = field(default_factory=list)
    doubtful: list[list[float]] = field(default_factory=list)  # [start, end, probability]
    edit_id: int | None = None  # the person's edit in effect, when its text replaced these


@dataclass(frozen=True, slots=True)
class _Located:
    start: int  # offset of the word in the turn's text
    word: Word


class TurnOrigins:
    """Built once per analysis from the corrected segments; `origin(turn)` per turn."""

    def __init__(self, corrected: CorrectedSegments) -> None:
        self._segments = corrected.segments
        self._replacements = corrected.replacements

    def origin(self, turn: Utterance) -> TurnOrigin:
        located = _locate(turn.text, self._turn_words(turn))
        inside = [r for r in self._replacements if _in_turn(r, turn)]
        placed = _place(turn.text, located, inside)
        doubtful = [
            [
                float(spot.start),
                float(spot.start + len(spot.word.text)),
                round(spot.word.probability, 3),
            ]
            for spot in located
            if spot.word.probability < DOUBTFUL_BELOW and not _covered(spot, placed)
        ]
        return TurnOrigin(_heard_text(turn.text, placed), placed, doubtful)

    def _turn_words(self, turn: Utterance) -> list[Word]:
        if turn.start is None or turn.end is None:
            return []
        low, high = turn.start - _EPSILON_S, turn.end + _EPSILON_S
        return [
            word
            for segment in self._segments
            if _same_side(segment.speaker, turn.speaker)
            for word in _words_of(segment)
            if low <= (word.start + word.end) / 2 <= high
        ]


def _words_of(segment: Segment) -> Sequence[Word]:
    if segment.words:
        return segment.words
    return (Word(segment.start, segment.end, segment.text, 1.0),)  # no word timings: one "word"


def _same_side(speaker: Speaker, turn_speaker: str) -> bool:
    return speaker is Speaker.UNKNOWN or speaker.value == turn_speaker


def _in_turn(replacement: Replacement, turn: Utterance) -> bool:
    if turn.start is None or turn.end is None:
        return False
    middle = (replacement.start + replacement.end) / 2
    return _same_side(replacement.speaker, turn.speaker) and (
        turn.start - _EPSILON_S <= middle <= turn.end + _EPSILON_S
    )


def _locate(text: str, words: Sequence[Word]) -> list[_Located]:
    """Each word's offset in `text`, searching on from the previous one (words that are not
    found, such as a back-channel merged elsewhere, are skipped)."""
    located, position = [], 0
    for word in sorted(words, key=lambda w: (w.start, w.end)):
        piece = word.text.strip()
        found = text.find(piece, position) if piece else -1
        if found >= 0:
            located.append(_Located(found, word))
            position = found + len(piece)
    return located


def _place(
    text: str, located: Sequence[_Located], inside: Sequence[Replacement]
) -> list[dict[str, Any]]:
    """The replacements at their offsets in `text`: each inside the word the correction made
    (the rebuilt word carries the replacement's times)."""
    placed: list[dict[str, Any]] = []
    taken_until = 0
    for replacement in sorted(inside, key=lambda r: r.start):
        word = next((s for s in located if _made_by(s.word, replacement)), None)
        start = text.find(replacement.text, max(word.start if word else 0, taken_until))
        if start < 0:
            continue
        end = start + len(replacement.text)
        taken_until = end
        placed.append({
            "start": start, "end": end, "heard": replacement.heard, "text": replacement.text,
            "reason": replacement.reason, "kind": replacement.kind,
            "similarity": replacement.similarity, "confidence": replacement.confidence,
        })  # fmt: skip
    return placed


def _made_by(word: Word, replacement: Replacement) -> bool:
    return abs(word.start - replacement.start) < 1e-6 and abs(word.end - replacement.end) < 1e-6


def _covered(spot: _Located, placed: Sequence[dict[str, Any]]) -> bool:
    end = spot.start + len(spot.word.text)
    return any(p["start"] < end and spot.start < p["end"] for p in placed)


def _heard_text(text: str, placed: Sequence[dict[str, Any]]) -> str:
    for replacement in sorted(placed, key=lambda p: p["start"], reverse=True):
        text = text[: replacement["start"]] + replacement["heard"] + text[replacement["end"] :]
    return text
