"""The value types that `asr` hands out: plain frozen dataclasses, no library objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ChannelLayout(StrEnum):
    """How speakers are laid out over the channels of a recording."""

    MONO = "mono"  # one mix of everyone (or stereo with the same mix on both sides)
    REP_LEFT = "rep-left"  # call-system stereo: rep on the left channel, customer on the right
    REP_RIGHT = "rep-right"


class Speaker(StrEnum):
    REP = "rep"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str
    speaker: Speaker = Speaker.UNKNOWN
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What decoding a file told us about it."""

    format_name: str
    codec: str
    channels: int
    sample_rate: int
    duration: float
    peak_level: float  # highest absolute sample value, 0..1 (0 means digital silence)


@dataclass(frozen=True, slots=True)
class TranscriptionOptions:
    """Decoding choices for one transcription. Defaults are the measured best on Mandarin."""

    language: str | None = "zh"  # None lets Whisper detect the language
    beam_size: int = 2
    word_timestamps: bool = True
    vad_filter: bool = False
    initial_prompt: str | None = None
    # Conditioning on the previous window's text is what lets Whisper fall into repetition
    # loops; faster-whisper also drops the prompt after a temperature fallback.
    condition_on_previous_text: bool = False
    peak_normalize: bool = True


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    duration: float
    model: str
    segments: tuple[Segment, ...] = field(default=())
