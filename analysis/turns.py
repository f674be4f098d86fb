"""From ASR segments to speaker turns.

Whisper's segments end wherever its 30-second windows and timestamp tokens say, not where the
speaker changes; on a stereo call one rep segment can even span the customer's reply on the
other channel. So segments are first cut into utterances at pauses between words (and wherever
the other speaker starts talking inside a pause), then consecutive utterances of one speaker are
merged into turns. Short back-channels (嗯, 对, 好的…) stay turns of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.types import Utterance

__all__ = [
    "BACKCHANNELS",
    "SpeechSegment",
    "TimedWord",
    "VoicedUtterance",
    "build_turns",
    "is_backchannel",
    "split_utterances",
    "voiced_utterances",
]

PAUSE_SPLIT_S = 0.6  # a pause this long inside a segment may hide the other speaker's turn
MERGE_GAP_S = 1.5  # consecutive utterances of one speaker closer than this are one turn
BACKCHANNELS = frozenset(
    [
        "嗯",
        "嗯嗯",
        "嗯嗯嗯",
        "哦",
        "噢",
        "喔",
        "啊",
        "对",
        "对对",
        "对对对",
        "是",
        "是的",
        "是是",
        "好",
        "好的",
        "好好",
        "行",
        "可以",
        "没错",
        "明白",
        "了解",
        "收到",
        "哈哈",
        "呃",
        "ok",
    ]
)
_STRIP = " ，。？！、,.?!~…"


@dataclass(frozen=True, slots=True)
class TimedWord:
    start: float
    end: float
    text: str
    # Mono calls: which of two voices said it (asr tells them apart acoustically) and how sure.
    voice: int | None = None
    voice_confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    speaker: str
    start: float
    end: float
    text: str
    words: tuple[TimedWord, ...] = field(default=())


def is_backchannel(text: str) -> bool:
    core = text.strip(_STRIP).lower().replace(" ", "")
    return core in BACKCHANNELS or (0 < len(core) <= 2 and core.strip("嗯啊哦对是好") == "")


@dataclass(frozen=True, slots=True)
class VoicedUtterance:
    """An utterance of a mono call with the voice that said most of it (None: not known)."""

    utterance: Utterance
    voice: int | None
    voice_confidence: float
    seconds: float  # of speech (the words' durations)


def split_utterances(segments: Sequence[SpeechSegment]) -> list[Utterance]:
    """Cut segments at pauses between words, where another speaker starts in the pause, and
    where the voice changes (mono calls whose words carry voices)."""
    return [v.utterance for v in voiced_utterances(segments)]


def voiced_utterances(segments: Sequence[SpeechSegment]) -> list[VoicedUtterance]:
    """`split_utterances`, keeping each utterance's voice (see `TimedWord.voice`)."""
    others_starts = sorted((s.start, s.speaker) for s in segments)
    pieces: list[VoicedUtterance] = []
    for segment in segments:
        pieces.extend(_cut_segment(segment, others_starts))
    return sorted(pieces, key=lambda v: (v.utterance.start or 0.0, v.utterance.end or 0.0))


def build_turns(utterances: Sequence[Utterance]) -> list[Utterance]:
    """Merge consecutive utterances of one speaker; back-channels are never merged."""
    turns: list[Utterance] = []
    for utterance in utterances:
        if not utterance.text.strip():
            continue
        previous = turns[-1] if turns else None
        if previous is not None and _mergeable(previous, utterance):
            turns[-1] = _joined(previous, utterance)
        else:
            turns.append(utterance)
    return turns


def _cut_segment(segment: SpeechSegment, starts: list[tuple[float, str]]) -> list[VoicedUtterance]:
    if not segment.words:
        whole = Utterance(segment.speaker, segment.text.strip(), segment.start, segment.end)
        return [VoicedUtterance(whole, None, 0.0, segment.end - segment.start)]
    groups: list[list[TimedWord]] = [[segment.words[0]]]
    for previous, word in zip(segment.words, segment.words[1:], strict=False):
        if _breaks_between(previous, word, segment.speaker, starts):
            groups.append([])
        groups[-1].append(word)
    return [_voiced(segment.speaker, g) for g in groups]


def _voiced(speaker: str, words: list[TimedWord]) -> VoicedUtterance:
    text = "".join(w.text for w in words).strip()
    utterance = Utterance(speaker, text, words[0].start, words[-1].end)
    seconds = [0.0, 0.0]
    for word in words:
        if word.voice is not None:
            seconds[word.voice] += max(word.end - word.start, 1e-3)
    total = sum(max(w.end - w.start, 1e-3) for w in words)
    if not any(seconds):
        return VoicedUtterance(utterance, None, 0.0, total)
    voice = int(seconds[1] > seconds[0])
    sure = [w.voice_confidence for w in words if w.voice == voice]
    return VoicedUtterance(utterance, voice, sum(sure) / len(sure), total)


def _breaks_between(
    previous: TimedWord, word: TimedWord, speaker: str, starts: list[tuple[float, str]]
) -> bool:
    gap = word.start - previous.end
    if gap >= PAUSE_SPLIT_S:
        return True
    if previous.voice is not None and word.voice is not None and previous.voice != word.voice:
        return True  # the other voice took over without a pause
    return any(previous.end <= t < word.start and who != speaker for t, who in starts)


def _mergeable(previous: Utterance, current: Utterance) -> bool:
    if previous.speaker != current.speaker:
        return False
    if is_backchannel(previous.text) or is_backchannel(current.text):
        return False
    if previous.end is None or current.start is None:
        return True
    return current.start - previous.end < MERGE_GAP_S


def _joined(first: Utterance, second: Utterance) -> Utterance:
    separator = "" if _ends_with_punctuation(first.text) else "，"
    return Utterance(first.speaker, first.text + separator + second.text, first.start, second.end)


def _ends_with_punctuation(text: str) -> bool:
    return bool(text) and text[-1] in "，。？！、,.?!"
