"""Conversation metrics of one call, from its turns (times in seconds).

Formulas (every one documented in the README, same names):
- talk_ratio: rep speaking time / (rep + customer speaking time).
- longest_rep_monologue_s / longest_customer_story_s: longest stretch one side speaks while the
  other says nothing but back-channels (嗯, 对…).
- interactivity: speaker switches per minute of call.
- patience_s: mean pause between the end of a customer turn and the start of the rep's next turn
  (overlaps count as 0).
- question_rate: rep questions per minute; question_counts: per SPIN type.
- silence_ratio / longest_silence_s: call time in which nobody speaks, and its longest stretch.
- speech_rate_cpm: characters per minute of each side's own speaking time.
- filler_rate: filler words (嗯, 那个, 就是, 然后…) per 100 words, per side.
- interruptions: times a side starts speaking while the other has been talking for ≥ 0.3 s and
  goes on for ≥ 0.3 s more (stereo calls only; mono has no overlaps to see).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Any

from analysis.turns import is_backchannel
from analysis.types import QUESTION_TYPES, Turn

__all__ = ["FILLERS", "call_metrics"]

FILLERS = frozenset(
    {"嗯", "呃", "啊", "那个", "这个", "就是", "然后", "就是说", "那么", "反正", "对吧", "怎么说"}
)
_OVERLAP_S = 0.3
SIDES = ("rep", "customer")


def call_metrics(turns: Sequence[Turn], duration: float | None, stereo: bool) -> dict[str, Any]:
    timed = [t for t in turns if t.start is not None and t.end is not None]
    call_s = duration or max((t.end or 0.0 for t in timed), default=0.0)
    minutes = call_s / 60 if call_s else 0.0
    talk = {side: sum(_length(t) for t in timed if t.speaker == side) for side in SIDES}
    questions = Counter(q.question_type for t in turns if t.speaker == "rep" for q in t.questions)
    silence, longest_silence = _silences(timed, call_s)
    return {
        "duration_s": round(call_s, 2),
        "talk_time_s": {side: round(talk[side], 2) for side in SIDES},
        "talk_ratio": _ratio(talk["rep"], talk["rep"] + talk["customer"]),
        "longest_rep_monologue_s": _longest_stretch(timed, "rep"),
        "longest_customer_story_s": _longest_stretch(timed, "customer"),
        "interactivity": _per_minute(_switches(turns), minutes),
        "patience_s": _patience(timed),
        "question_count": sum(questions.values()),
        "question_rate": _per_minute(sum(questions.values()), minutes),
        "question_counts": {kind: questions.get(kind, 0) for kind in QUESTION_TYPES},
        "silence_ratio": _ratio(silence, call_s),
        "longest_silence_s": round(longest_silence, 2),
        "speech_rate_cpm": {side: _speech_rate(turns, side, talk[side]) for side in SIDES},
        "filler_rate": {side: _filler_rate(turns, side) for side in SIDES},
        "interruptions": _interruptions(timed) if stereo else None,
    }


def _length(turn: Turn) -> float:
    return max((turn.end or 0.0) - (turn.start or 0.0), 0.0)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole > 0 else None


def _per_minute(count: int, minutes: float) -> float | None:
    return round(count / minutes, 2) if minutes > 0 else None


def _longest_stretch(turns: Sequence[Turn], side: str) -> float:
    """Consecutive turns of `side`, bridged over the other side's back-channels."""
    longest, start, end = 0.0, None, None
    for turn in turns:
        if turn.speaker == side:
            start = turn.start if start is None else start
            end = turn.end
            longest = max(longest, (end or 0.0) - (start or 0.0))
        elif not is_backchannel(turn.text):
            start, end = None, None
    return round(longest, 2)


def _switches(turns: Sequence[Turn]) -> int:
    speakers = [t.speaker for t in turns]
    return sum(1 for a, b in itertools.pairwise(speakers) if a != b)


def _patience(turns: Sequence[Turn]) -> float | None:
    pauses = [
        max((b.start or 0.0) - (a.end or 0.0), 0.0)
        for a, b in itertools.pairwise(turns)
        if a.speaker == "customer" and b.speaker == "rep"
    ]
    return round(sum(pauses) / len(pauses), 2) if pauses else None


def _silences(turns: Sequence[Turn], call_s: float) -> tuple[float, float]:
    spans = sorted((t.start or 0.0, t.end or 0.0) for t in turns)
    silent, longest, cursor = 0.0, 0.0, 0.0
    for start, end in spans:
        if start > cursor:
            silent += start - cursor
            longest = max(longest, start - cursor)
        cursor = max(cursor, end)
    if call_s > cursor:
        silent += call_s - cursor
        longest = max(longest, call_s - cursor)
    return silent, longest


def _speech_rate(turns: Sequence[Turn], side: str, talk_s: float) -> float | None:
    characters = sum(len("".join(t.tokens)) for t in turns if t.speaker == side)
    return round(characters / (talk_s / 60), 1) if talk_s > 0 else None


def _filler_rate(turns: Sequence[Turn], side: str) -> float | None:
    words = [w for t in turns if t.speaker == side for w in t.tokens]
    return round(100 * sum(w in FILLERS for w in words) / len(words), 2) if words else None


def _interruptions(turns: Sequence[Turn]) -> dict[str, int]:
    counts = {side: 0 for side in SIDES}
    for turn in turns:
        if turn.speaker not in counts or is_backchannel(turn.text):
            continue
        if any(
            _cuts_in(turn, other)
            for other in turns
            if other.speaker not in (turn.speaker, "unknown")
        ):
            counts[turn.speaker] += 1
    return counts


def _cuts_in(turn: Turn, other: Turn) -> bool:
    start, other_start, other_end = turn.start or 0.0, other.start or 0.0, other.end or 0.0
    return other_start + _OVERLAP_S <= start <= other_end - _OVERLAP_S
