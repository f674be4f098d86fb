"""Decode recordings with PyAV (bundled FFmpeg: wav, mp3, m4a/aac, amr, opus, g729, a-law/µ-law).

Validation means decoding the whole file: a header that looks right proves nothing. But a header
that looks wrong is enough to refuse: `read_header` checks the sample rate, channel count and
declared length against `AudioLimits` before any decoding work, and the streaming decoders check
the decoded length as they go. Nothing here holds a whole recording in memory except
`decode_channels`, which is for short clips.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from asr.errors import AudioLimitError, CorruptAudioError, NotAudioError
from asr.types import AudioHeader, AudioInfo, AudioLimits

__all__ = [
    "SAMPLE_RATE",
    "ChannelScan",
    "check_duration",
    "check_header",
    "decode_channels",
    "probe_audio",
    "read_header",
    "scan_channels",
    "stream_blocks",
]

SAMPLE_RATE = 16_000  # what Whisper expects
_WAV_HEADER_PROBE = 1 << 16
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ChannelScan:
    """One streaming pass over a file at 16 kHz: its length and each plane's peak level."""

    samples: int
    peaks: tuple[float, ...]  # per plane as `stream_blocks` yields them (1 for mono, 2 for more)
    mix_peak: float  # of the mean of the planes: the mono mix of a stereo file

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE


def probe_audio(path: Path, limits: AudioLimits | None = None) -> AudioInfo:
    """Decode the whole file once, one frame at a time, and describe it; raise an `AudioError`
    if it is not usable, or an `AudioLimitError` if it breaks `limits` (from the header, before
    decoding, where the header already says so)."""
    _check_wav_not_truncated(path)
    limits = limits or AudioLimits()
    with _open(path) as container:
        stream = _first_audio_stream(container)
        header = _header(container, stream)
        check_header(header, limits)
        samples, peak = _scan_frames(container, stream, limits)
    if samples == 0:
        raise CorruptAudioError("the file contains no decodable audio samples")
    duration = samples / header.sample_rate
    return AudioInfo(
        header.format_name, header.codec, header.channels, header.sample_rate, duration, peak
    )


def read_header(path: Path, limits: AudioLimits | None = None) -> AudioHeader:
    """What the container says (rate, channels, declared length), checked against `limits`.
    Reads the header only, so a hostile file is refused before any decoding work."""
    _check_wav_not_truncated(path)
    with _open(path) as container:
        header = _header(container, _first_audio_stream(container))
    check_header(header, limits or AudioLimits())
    return header


def check_header(header: AudioHeader, limits: AudioLimits) -> None:
    """Raise `AudioLimitError` naming the first limit the header breaks."""
    if not limits.min_sample_rate <= header.sample_rate <= limits.max_sample_rate:
        raise AudioLimitError(
            "sample_rate",
            f"the sample rate is {header.sample_rate} Hz; accepted: "
            f"{limits.min_sample_rate}-{limits.max_sample_rate} Hz",
        )
    if not 1 <= header.channels <= limits.max_channels:
        raise AudioLimitError(
            "channels",
            f"the file has {header.channels} channels; at most {limits.max_channels} accepted",
        )
    if header.declared_duration is not None:
        check_duration(header.declared_duration, limits, declared=True)


def check_duration(seconds: float, limits: AudioLimits, *, declared: bool = False) -> None:
    """Raise `AudioLimitError` when `seconds` is over the limit's maximum duration."""
    if limits.max_duration_s is not None and seconds > limits.max_duration_s:
        said = "declares" if declared else "holds"
        raise AudioLimitError(
            "duration",
            f"the recording {said} {seconds:.0f} s of audio; at most "
            f"{limits.max_duration_s:.0f} s accepted",
        )


def stream_blocks(
    path: Path, limits: AudioLimits | None = None, sample_rate: int = SAMPLE_RATE
) -> Iterator[FloatArray]:
    """The audio as (planes, samples) float32 blocks at `sample_rate`, one decoded frame at a
    time (a few thousand samples), so memory stays flat whatever the length. Stereo (or more,
    mixed down by FFmpeg) comes out as two planes, mono as one. The header is checked against
    `limits` first, and the decoded length as it grows."""
    limits = limits or AudioLimits()
    with _open(path) as container:
        stream = _first_audio_stream(container)
        check_header(_header(container, stream), limits)
        layout = "stereo" if (stream.codec_context.channels or 1) >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        produced = 0
        for frame in _frames_then_flush(container, stream):
            block = _resampled(resampler, frame)
            if block.size:
                produced += block.shape[1]
                check_duration(produced / sample_rate, limits)
                yield block


def scan_channels(path: Path, limits: AudioLimits | None = None) -> ChannelScan:
    """Length and per-plane peak at 16 kHz, streamed: what planning a transcription needs."""
    samples, mix_peak = 0, 0.0
    peaks: npt.NDArray[np.float32] | None = None
    for block in stream_blocks(path, limits):
        samples += block.shape[1]
        block_peaks = np.abs(block).max(axis=1)
        peaks = block_peaks if peaks is None else np.maximum(peaks, block_peaks)
        mix_peak = max(mix_peak, float(np.abs(block.mean(axis=0)).max()))
    if peaks is None:
        raise CorruptAudioError("the file contains no decodable audio samples")
    return ChannelScan(samples, tuple(float(p) for p in peaks), mix_peak)


def decode_channels(path: Path, limits: AudioLimits | None = None) -> list[FloatArray]:
    """Each channel as float32 mono at 16 kHz, whole. For short clips (tests, tools):
    transcription streams with `stream_blocks` instead."""
    blocks = list(stream_blocks(path, limits))
    if not blocks:
        raise CorruptAudioError("the file contains no decodable audio samples")
    planes = np.concatenate(blocks, axis=1)
    return [np.ascontiguousarray(plane, dtype=np.float32) for plane in planes]


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise NotAudioError("the file is not a recognised audio format") from exc
    except av.error.FFmpegError as exc:
        raise CorruptAudioError(f"the file cannot be opened as audio ({exc.strerror})") from exc


def _first_audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        raise NotAudioError("the file has no audio stream")
    return container.streams.audio[0]


def _header(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> AudioHeader:
    return AudioHeader(
        format_name=container.format.name,
        codec=stream.codec_context.name,
        channels=stream.codec_context.channels or 1,
        sample_rate=stream.codec_context.sample_rate or 0,
        declared_duration=_declared_duration(container, stream),
    )


def _declared_duration(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> float | None:
    """The length the container announces (stream first, then container), if it says."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


def _frames(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[av.AudioFrame]:
    """Decoded frames one at a time, with FFmpeg's errors turned into ours."""
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        raise CorruptAudioError(f"the audio data is corrupt ({exc.strerror})") from exc


def _frames_then_flush(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[av.AudioFrame | None]:
    yield from _frames(container, stream)
    yield None  # flushes the resampler's tail


def _scan_frames(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    limits: AudioLimits,
) -> tuple[int, float]:
    """Count samples and find the peak level, one frame at a time (never the whole file)."""
    samples, peak = 0, 0.0
    rate = stream.codec_context.sample_rate or 1
    for frame in _frames(container, stream):
        samples += frame.samples
        peak = max(peak, _frame_peak(frame))
        check_duration(samples / rate, limits)
    return samples, peak


def _frame_peak(frame: av.AudioFrame) -> float:
    data: npt.NDArray[Any] = frame.to_ndarray()
    if data.size == 0:
        return 0.0
    if np.issubdtype(data.dtype, np.integer):
        return float(np.abs(data.astype(np.int64)).max()) / float(np.iinfo(data.dtype).max)
    return float(np.abs(data).max())


def _resampled(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> FloatArray:
    out = [f.to_ndarray() for f in resampler.resample(frame)]
    return np.concatenate(out, axis=1) if out else np.zeros((1, 0), dtype=np.float32)


def _check_wav_not_truncated(path: Path) -> None:
    """FFmpeg quietly plays a cut-off WAV to its end; its header says how long it should be."""
    with path.open("rb") as f:
        head = f.read(_WAV_HEADER_PROBE)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    declared = _wav_data_chunk(head)
    if declared is None:
        return
    data_offset, data_size = declared
    actual = path.stat().st_size - data_offset
    # 0 and 0xFFFFFFFF mark a recorder that streamed and never went back to fill in the size.
    if data_size not in (0, 0xFFFFFFFF) and actual < data_size:
        raise CorruptAudioError(
            f"the WAV file is truncated: its header announces {data_size} bytes of audio, "
            f"the file holds {actual}"
        )


def _wav_data_chunk(head: bytes) -> tuple[int, int] | None:
    offset = 12
    while offset + 8 <= len(head):
        chunk_id, size = struct.unpack_from("<4sI", head, offset)
        if chunk_id == b"data":
            return offset + 8, size
        offset += 8 + size + (size & 1)
    return None
