"""Render a `Transcript` as JSON, plain text or SubRip (SRT) subtitles."""

from __future__ import annotations

import json
from typing import Any

from asr.types import Segment, Speaker, Transcript, Word

__all__ = ["FORMATS", "render", "transcript_to_dict"]

FORMATS = ("json", "txt", "srt")


def render(transcript: Transcript, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(transcript_to_dict(transcript), ensure_ascii=False, indent=2)
    if fmt == "txt":
        return "\n".join(_text_line(s) for s in transcript.segments)
    if fmt == "srt":
        return "\n".join(_srt_block(i, s) for i, s in enumerate(transcript.segments, 1))
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def transcript_to_dict(transcript: Transcript) -> dict[str, Any]:
    data = {
        "language": transcript.language,
        "model": transcript.model,
        "duration": round(transcript.duration, 3),
        "segments": [_segment_dict(s) for s in transcript.segments],
    }
    if transcript.voice_separation is not None:
        data["voice_separation"] = transcript.voice_separation
    return data


def _segment_dict(segment: Segment) -> dict[str, Any]:
    return {
        "start": segment.start,
        "end": segment.end,
        "speaker": segment.speaker.value,
        "text": segment.text,
        **_voice(segment.voice, segment.voice_confidence),
        "words": [_word_dict(w) for w in segment.words],
    }


def _word_dict(word: Word) -> dict[str, Any]:
    return {
        "start": word.start,
        "end": word.end,
        "text": word.text,
        "probability": round(word.probability, 4),
        **_voice(word.voice, word.voice_confidence),
    }


def _voice(voice: int | None, confidence: float) -> dict[str, Any]:
    return {} if voice is None else {"voice": voice, "voice_confidence": confidence}


def _speaker_prefix(segment: Segment) -> str:
    return "" if segment.speaker is Speaker.UNKNOWN else f"{segment.speaker.value}: "


def _text_line(segment: Segment) -> str:
    span = f"[{_clock(segment.start)} - {_clock(segment.end)}]"
    return f"{span} {_speaker_prefix(segment)}{segment.text}"


def _srt_block(number: int, segment: Segment) -> str:
    times = f"{_srt_time(segment.start)} --> {_srt_time(segment.end)}"
    return f"{number}\n{times}\n{_speaker_prefix(segment)}{segment.text}\n"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def _srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"
