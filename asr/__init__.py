"""Speech recognition for Mandarin sales calls: decode audio, run local Whisper, clean the text.

A pure library: explicit arguments in, frozen dataclasses out; no database, settings or
environment variables. Nothing outside this package imports faster_whisper.
"""

from asr.audio import (
    SAMPLE_RATE,
    ChannelScan,
    check_duration,
    check_header,
    decode_channels,
    probe_audio,
    read_header,
    scan_channels,
    stream_blocks,
)
from asr.chinese import collapse_repeats, is_hallucination, to_simplified
from asr.errors import (
    ASRError,
    AudioError,
    AudioLimitError,
    ChannelLayoutError,
    CorruptAudioError,
    ModelError,
    NotAudioError,
)
from asr.formats import FORMATS, render, transcript_to_dict
from asr.model_store import BUNDLED_MODEL, ensure_bundled_model, resolve_model
from asr.scoring import cer, character_errors, normalize_for_cer
from asr.transcriber import ProgressCallback, Transcriber, WhisperTranscriber, hotword_prompt
from asr.types import (
    AudioHeader,
    AudioInfo,
    AudioLimits,
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
    "AudioHeader",
    "AudioInfo",
    "AudioLimitError",
    "AudioLimits",
    "ChannelLayout",
    "ChannelLayoutError",
    "ChannelScan",
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
    "check_duration",
    "check_header",
    "collapse_repeats",
    "decode_channels",
    "ensure_bundled_model",
    "hotword_prompt",
    "is_hallucination",
    "normalize_for_cer",
    "probe_audio",
    "read_header",
    "render",
    "resolve_model",
    "scan_channels",
    "stream_blocks",
    "to_simplified",
    "transcript_to_dict",
]
