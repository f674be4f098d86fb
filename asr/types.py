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
    # Mono recordings only: which of the two voices said it (0 = whoever speaks first), told
    # apart acoustically (asr.voices), and how sure that is (0.5 could be either .. 1).
    voice: int | None = None
    voice_confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str
    speaker: Speaker = Speaker.UNKNOWN
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    voice: int | None = None  # the voice of most of its words (mono recordings)
    voice_confidence: float = 0.0


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
class AudioHeader:
    """What a container says about its first audio stream, before any decoding."""

    format_name: str
    codec: str
    channels: int
    sample_rate: int
    declared_duration: float | None  # seconds, when the container announces a length


@dataclass(frozen=True, slots=True)
class AudioLimits:
    """What a caller accepts. The defaults refuse only nonsense (a 1 Hz or 2 GHz sample rate, a
    hundred channels); the service passes its own maximum duration."""

    max_duration_s: float | None = None
    min_sample_rate: int = 4_000
    max_sample_rate: int = 192_000
    max_channels: int = 8


@dataclass(frozen=True, slots=True)
class TranscriptionOptions:
    """Decoding choices for one transcription. Defaults are the measured best on Mandarin
    (README, "Transcription quality and speed"; `bench/asr.py`)."""

    language: str | None = "zh"  # None lets Whisper detect the language
    beam_size: int = 2
    word_timestamps: bool = True
    # 0: sequential 30-s windows over the speech that Silero VAD finds (`vad_filter`), silence
    # never decoded. > 0: faster-whisper's BatchedInferencePipeline, VAD chunks of up to 30 s
    # decoded `batch_size` at a time: as fast, more accurate on short clips, but on a 6-minute
    # call it dropped speech (CER 0.489 vs 0.380), so not the default (README).
    batch_size: int = 0
    vad_filter: bool = True
    initial_prompt: str | None = None
    # Conditioning on the previous window's text is what lets Whisper fall into repetition
    # loops; faster-whisper also drops the prompt after a temperature fallback.
    condition_on_previous_text: bool = False
    peak_normalize: bool = True
    # Whisper's fallback re-decodes a doubtful window by *random sampling* at rising
    # temperatures, so the same call gave different transcripts on two runs. (0.0,) never
    # samples: the same audio and settings always give the same transcript.
    temperatures: tuple[float, ...] = (0.0,)
    window_s: float = 300.0  # audio is decoded and transcribed this much at a time
    separate_voices: bool = True  # mono: label each word with one of two voices (asr.voices)
    max_hotword_chars: int = 120
    # Stereo: both sides' speech packed into one stream and decoded together (asr.packing)
    # rather than each channel on its own. Measured (README): no faster — VAD already keeps
    # each side's windows full of speech — and CER 0.251 against 0.230 on held-out calls, as
    # words at a change of side go to the wrong one. Off; kept for GPU hosts to measure.
    pack_channels: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    duration: float
    model: str
    segments: tuple[Segment, ...] = field(default=())
    # Mono recordings: how distinct the two voices were (0..1; 0 = one voice only), or None
    # when voices were not separated (stereo, too little speech, switched off).
    voice_separation: float | None = None
