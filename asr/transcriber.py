"""Local transcription with faster-whisper. The only module in Huashu that imports it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from asr.audio import SAMPLE_RATE, ChannelScan, FloatArray, scan_channels, stream_blocks
from asr.chinese import collapse_repeats, is_hallucination, to_simplified
from asr.errors import ChannelLayoutError, ModelError
from asr.packing import pack_speech, unpack_words
from asr.types import (
    AudioLimits,
    ChannelLayout,
    Segment,
    Speaker,
    Transcript,
    TranscriptionOptions,
    Word,
)
from asr.voices import MAX_STRETCH_S, PAUSE_S, VoiceTracker
from asr.windows import Window, pause_windows

__all__ = ["ProgressCallback", "Transcriber", "WhisperTranscriber", "hotword_prompt"]

ProgressCallback = Callable[[float], None]
_TARGET_PEAK = 0.9
_MAX_GAIN = 10.0  # +20 dB
_SILENCE_PEAK = 1e-3  # about -60 dBFS: below this a channel holds no speech worth decoding
_MIX = -1  # plane index meaning "the mean of all planes"
_DROPPED_SPEECH_S = 2.0  # this much speech left without words by a hinted decoding: redo


class Transcriber(Protocol):
    """What the job worker and the CLI need; tests substitute a fake."""

    @property
    def model_name(self) -> str: ...

    def transcribe(
        self,
        path: Path,
        layout: ChannelLayout,
        on_progress: ProgressCallback | None = None,
        *,
        hotwords: Sequence[str] = (),
        limits: AudioLimits | None = None,
    ) -> Transcript: ...


@dataclass(frozen=True, slots=True)
class _ChannelPlan:
    plane: int  # index into the decoded planes, or _MIX
    speaker: Speaker
    peak: float


class WhisperTranscriber:
    """Transcribes files with one lazily loaded faster-whisper model (thread-safe)."""

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        options: TranscriptionOptions | None = None,
        display_name: str | None = None,
    ) -> None:
        self._model_ref = model
        self._device = device
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._options = options or TranscriptionOptions()
        self._display_name = display_name or model
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._display_name

    @property
    def options(self) -> TranscriptionOptions:
        return self._options

    def transcribe(
        self,
        path: Path,
        layout: ChannelLayout,
        on_progress: ProgressCallback | None = None,
        *,
        hotwords: Sequence[str] = (),
        limits: AudioLimits | None = None,
    ) -> Transcript:
        """Transcribe `path` window by window (memory stays flat however long the call).

        `hotwords`: names and terms to bias decoding towards (the call's customer, contact, rep
        and products first, then the team's dictionary); cut to `options.max_hotword_chars`.
        `limits`: checked from the header and again while decoding, before any Whisper work
        (`AudioLimitError`)."""
        scan = scan_channels(path, limits)
        plans = _plan_channels(scan, layout)
        prompt = hotword_prompt(hotwords, self._options.max_hotword_chars)
        segments: list[Segment] = []
        language = self._options.language or "zh"
        voices = self._voice_tracker(layout)
        if self._packs(plans, prompt):
            report = _scaled_progress(on_progress, 0, 1, scan.duration)
            language = self._transcribe_packed(path, plans, limits, segments, report)
            plans = []  # done: both sides at once
        for index, plan in enumerate(plans):
            report = _scaled_progress(on_progress, index, len(plans), scan.duration)
            if plan.peak < _SILENCE_PEAK:
                continue  # nothing worth decoding (and Whisper would hallucinate on it)
            gain = _gain(plan.peak) if self._options.peak_normalize else 1.0
            for window in self._windows(path, plan, limits, gain):
                language = self._transcribe_window(window, plan, prompt, segments, report)
                if voices:
                    voices.add_window(window.audio, window.offset, _speech_stretches(window.audio))
        separation = voices.apply(segments) if voices else None
        if on_progress:
            on_progress(1.0)
        ordered = tuple(sorted(segments, key=lambda s: (s.start, s.end)))
        return Transcript(language, scan.duration, self.model_name, ordered, separation)

    def _packs(self, plans: Sequence[_ChannelPlan], prompt: str | None) -> bool:
        """Both sides decoded as one stream: on stereo calls with two sides that hold sound,
        in sequential decoding with words timed (they are what puts each word back), and
        without a hotword hint (its recovery of dropped speech works side by side)."""
        o = self._options
        return (
            o.pack_channels and o.vad_filter and o.word_timestamps and o.batch_size == 0
            and prompt is None and len(plans) == 2
            and all(p.peak >= _SILENCE_PEAK and p.speaker is not Speaker.UNKNOWN for p in plans)
        )  # fmt: skip

    def _transcribe_packed(
        self,
        path: Path,
        plans: Sequence[_ChannelPlan],
        limits: AudioLimits | None,
        out: list[Segment],
        report: Callable[[float], None],
    ) -> str:
        o = self._options
        gains = [_gain(p.peak) if o.peak_normalize else 1.0 for p in plans]
        blocks = (
            np.stack([_plane(block, p.plane, g) for p, g in zip(plans, gains, strict=True)])
            for block in stream_blocks(path, limits)
        )
        language = o.language or "zh"
        for window in pause_windows(blocks, o.window_s):
            sides = [(p.speaker, window.audio[k], _speech_regions(window.audio[k]))
                     for k, p in enumerate(plans)]  # fmt: skip
            packed = pack_speech(sides)
            if not packed.pieces:
                report(window.end)
                continue
            raw_segments, info = self._decode(packed.audio, None, vad_filter=False)
            for raw in raw_segments:  # lazy: each step decodes the next 30 s of speech
                words = list(_clean_words(raw.words or (), 0.0))
                for speaker, placed in unpack_words(words, packed, window.offset):
                    segment = _segment_of(raw, speaker, placed)
                    if segment is not None:
                        out.append(segment)
                report(window.offset + packed.piece_at(float(raw.end)).end)
            report(window.end)
            language = str(info.language)
        return language

    def _voice_tracker(self, layout: ChannelLayout) -> VoiceTracker | None:
        wanted = self._options.separate_voices and self._options.word_timestamps
        return VoiceTracker() if wanted and layout is ChannelLayout.MONO else None

    def _windows(
        self, path: Path, plan: _ChannelPlan, limits: AudioLimits | None, gain: float
    ) -> Iterator[Window]:
        """The plan's audio, scaled by `gain`, window by window."""
        blocks = (_plane(block, plan.plane, gain) for block in stream_blocks(path, limits))
        return pause_windows(blocks, self._options.window_s)

    def _transcribe_window(
        self,
        window: Window,
        plan: _ChannelPlan,
        prompt: str | None,
        out: list[Segment],
        report: Callable[[float], None],
    ) -> str:
        raw_segments, info = self._decode(window.audio, prompt)
        kept: list[Segment] = []
        for raw in raw_segments:  # lazy: each step decodes the next window or batch
            segment = _clean_segment(raw, plan.speaker, window.offset)
            if segment is not None:
                kept.append(segment)
            report(window.offset + float(raw.end))
        if prompt is not None:
            kept = self._without_hint_where_dropped(window, plan, kept)
        out.extend(kept)
        report(window.end)
        return str(info.language)

    def _without_hint_where_dropped(
        self, window: Window, plan: _ChannelPlan, hinted: list[Segment]
    ) -> list[Segment]:
        """Whisper sometimes answers a hotword hint with the hint itself and stops: 30 s of
        speech came back as "陈主任". Speech that the hinted decoding left without words is
        decoded again without the hint."""
        dropped = _speech_without_words(_speech_stretches(window.audio), hinted, window.offset)
        if sum(end - start for start, end in dropped) < _DROPPED_SPEECH_S:
            return hinted
        raw_segments, _ = self._decode(window.audio, None)
        plain = (_clean_segment(raw, plan.speaker, window.offset) for raw in raw_segments)
        recovered = [
            p for p in plain if p is not None and any(a <= _middle(p) <= b for a, b in dropped)
        ]
        # a recovered segment replaces the hinted ones it overlaps ("陈主任" above)
        kept = [h for h in hinted if not any(_overlap(h, r) for r in recovered)]
        return sorted(kept + recovered, key=lambda s: (s.start, s.end))

    def _decode(
        self, audio: FloatArray, prompt: str | None, *, vad_filter: bool | None = None
    ) -> tuple[Iterable[Any], Any]:
        o = self._options
        common: dict[str, Any] = {
            "language": o.language,
            "beam_size": o.beam_size,
            "word_timestamps": o.word_timestamps,
            "initial_prompt": o.initial_prompt,
            "hotwords": prompt,
            "temperature": list(o.temperatures),
        }
        if o.batch_size > 0:
            from faster_whisper import BatchedInferencePipeline

            # One pipeline per window: it keeps per-call state (last word timestamp).
            pipeline = BatchedInferencePipeline(self._whisper())
            return pipeline.transcribe(  # type: ignore[no-any-return]
                audio, batch_size=o.batch_size, vad_filter=True, **common
            )
        return self._whisper().transcribe(  # type: ignore[no-any-return]
            audio,
            vad_filter=o.vad_filter if vad_filter is None else vad_filter,
            condition_on_previous_text=o.condition_on_previous_text,
            **common,
        )

    def load(self) -> None:
        """Load the model now (the service does this at start, so a bad model stops it there)."""
        self._whisper()

    def _whisper(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        from faster_whisper import WhisperModel  # heavy import, only when a model is needed

        try:
            return WhisperModel(
                self._model_ref,
                device=self._device,
                compute_type=self._compute_type,
                cpu_threads=self._cpu_threads,
            )
        except Exception as exc:  # faster-whisper raises bare RuntimeError/OSError/ValueError
            raise ModelError(f"cannot load Whisper model {self._model_ref!r}: {exc}") from exc


def _speech_stretches(audio: FloatArray) -> list[tuple[float, float]]:
    """Speech between pauses of 0.3 s, at most 6 s at a time (seconds into `audio`): the
    stretches `asr.voices` compares. Silero VAD, as bundled with faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        min_silence_duration_ms=int(PAUSE_S * 1000),
        speech_pad_ms=50,
        max_speech_duration_s=MAX_STRETCH_S,
        min_speech_duration_ms=100,
    )
    found = get_speech_timestamps(audio, options)
    return [(r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE) for r in found]


def _speech_regions(audio: FloatArray) -> list[tuple[int, int]]:
    """Where Silero VAD hears speech (sample ranges), with the settings faster-whisper's own
    `vad_filter` uses, so a packed side keeps what decoding it alone would have kept."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return [(r["start"], r["end"]) for r in get_speech_timestamps(audio, VadOptions())]


def hotword_prompt(hotwords: Sequence[str], max_chars: int) -> str | None:
    """The hotwords as one "，"-separated hint, first come first kept, at most `max_chars`.

    Whisper reads it as text said before the window; a long hint costs decoding time on every
    window and crowds out the model's own context, so the list is cut, not the words."""
    kept: list[str] = []
    used = 0
    for word in dict.fromkeys(w.strip() for w in hotwords):
        if not word or used + len(word) > max_chars:
            continue
        kept.append(word)
        used += len(word) + 1
    return "，".join(kept) or None


def _speech_without_words(
    stretches: list[tuple[float, float]], segments: list[Segment], offset: float
) -> list[tuple[float, float]]:
    """The stretches of speech (window seconds) that no segment overlaps, in recording time."""
    spans = [(s.start, s.end) for s in segments]
    bare = []
    for start, end in stretches:
        a, b = offset + start, offset + end
        if not any(s < b and a < e for s, e in spans):
            bare.append((a, b))
    return bare


def _overlap(a: Segment, b: Segment) -> bool:
    return a.start < b.end and b.start < a.end


def _middle(segment: Segment) -> float:
    return (segment.start + segment.end) / 2


def _plan_channels(scan: ChannelScan, layout: ChannelLayout) -> list[_ChannelPlan]:
    if layout is ChannelLayout.MONO:
        plane = 0 if len(scan.peaks) == 1 else _MIX
        return [_ChannelPlan(plane, Speaker.UNKNOWN, scan.mix_peak)]
    if len(scan.peaks) < 2:
        raise ChannelLayoutError(
            f"channels={layout.value} needs a stereo recording, but this file has 1 channel"
        )
    rep, customer = (0, 1) if layout is ChannelLayout.REP_LEFT else (1, 0)
    return [
        _ChannelPlan(rep, Speaker.REP, scan.peaks[rep]),
        _ChannelPlan(customer, Speaker.CUSTOMER, scan.peaks[customer]),
    ]


def _plane(block: FloatArray, plane: int, gain: float) -> FloatArray:
    mono: FloatArray = block.mean(axis=0, dtype=np.float32) if plane == _MIX else block[plane]
    return mono if gain == 1.0 else (mono * gain).astype(np.float32)


def _scaled_progress(
    on_progress: ProgressCallback | None, index: int, count: int, duration: float
) -> Callable[[float], None]:
    """Seconds done in channel `index` → overall fraction, never going backwards."""
    best = 0.0

    def report(seconds: float) -> None:
        nonlocal best
        fraction = min(max(seconds / max(duration, 1e-6), 0.0), 1.0)
        best = max(best, fraction)
        if on_progress:
            on_progress((index + best) / count)

    return report


def _gain(peak: float) -> float:
    """Scale towards a peak of 0.9. Measured on real/: quiet recordings then need fewer
    temperature fallbacks, which lowered CER and made decoding faster (README, ASR quality).
    The gain is capped so a line with only hiss is not blown up into "speech"."""
    return min(_TARGET_PEAK / peak, _MAX_GAIN)


def _clean_segment(raw: Any, speaker: Speaker, offset: float) -> Segment | None:
    words = tuple(_clean_words(raw.words or (), offset))
    text = "".join(w.text for w in words) if words else _clean_text(raw.text)
    if is_hallucination(text):
        return None
    return Segment(
        start=round(float(raw.start) + offset, 3),
        end=round(float(raw.end) + offset, 3),
        text=text.strip(),
        speaker=speaker,
        words=words,
        avg_logprob=float(raw.avg_logprob),
        no_speech_prob=float(raw.no_speech_prob),
    )


def _segment_of(raw: Any, speaker: Speaker, words: Sequence[Word]) -> Segment | None:
    """One side's run of words of a decoded segment, as a segment of its own."""
    text = "".join(w.text for w in words).strip()
    if not words or not text or is_hallucination(text):
        return None
    return Segment(
        start=words[0].start, end=words[-1].end, text=text, speaker=speaker, words=tuple(words),
        avg_logprob=float(raw.avg_logprob), no_speech_prob=float(raw.no_speech_prob),
    )  # fmt: skip


def _clean_text(text: str) -> str:
    simplified = to_simplified(text.strip())
    return "".join(collapse_repeats(list(simplified)))


def _clean_words(raw_words: Any, offset: float) -> Iterator[Word]:
    words = [
        Word(
            round(float(w.start) + offset, 3),
            round(float(w.end) + offset, 3),
            to_simplified(w.word),
            float(w.probability),
        )
        for w in raw_words
    ]
    kept_texts = collapse_repeats([w.text for w in words])
    yield from _align_kept(words, kept_texts)


def _align_kept(words: list[Word], kept_texts: list[str]) -> Iterator[Word]:
    """Walk both lists; words dropped by the repeat collapse are the ones that do not match."""
    k = 0
    for word in words:
        if k < len(kept_texts) and word.text == kept_texts[k]:
            yield word
            k += 1
