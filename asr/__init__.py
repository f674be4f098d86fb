"""Speech recognition for Mandarin sales calls: decode audio, run local Whisper, clean the text.

A pure library: explicit arguments in, frozen dataclasses out; no database, settings or
environment variables. Nothing outside this package imports faster_whisper.
"""

from asr.audio import SAMPLE_RATE, decode_channels, probe_audio
from asr.chinese import collapse_repeats, is_hallucination, to_simplified
from asr.errors import (
    ASRError,
    AudioError,
    ChannelLayoutError,
    CorruptAudioError,
    ModelError,
    NotAudioError,
)
from asr.formats import FORMATS, render, transcript_to_dict
from asr.model_store import BUNDLED_MODEL, ensure_bundled_model, resolve_model
from asr.scoring import cer, character_errors, normalize_for_cer
from asr.transcriber import ProgressCallback, Transcriber, WhisperTranscriber
from asr.types import (
    AudioInfo,
    ChannelLayout,
    Segment,
    Speaker,
    Transcript,
    TranscriptionOptions,
    Word,
)

__all__ = [
    "BUNDLED_MODEL",
    "FORMATS",
    "SAMPLE_RATE",
    "ASRError",
    "AudioError",
    "AudioInfo",
    "ChannelLayout",
    "ChannelLayoutError",
    "CorruptAudioError",
    "ModelError",
    "NotAudioError",
    "ProgressCallback",
    "Segment",
    "Speaker",
    "Transcriber",
    "Transcript",
    "TranscriptionOptions",
    "WhisperTranscriber",
    "Word",
    "cer",
    "character_errors",
    "collapse_repeats",
    "decode_channels",
    "ensure_bundled_model",
    "is_hallucination",
    "normalize_for_cer",
    "probe_audio",
    "render",
    "resolve_model",
    "to_simplified",
    "transcript_to_dict",
]
