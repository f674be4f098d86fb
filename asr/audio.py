"""Decode recordings with PyAV (bundled FFmpeg: wav, mp3, m4a/aac, amr, opus, g729, a-law/µ-law).

Validation means decoding the whole file: a header that looks right proves nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from asr.errors import CorruptAudioError, NotAudioError
from asr.types import AudioInfo

__all__ = ["SAMPLE_RATE", "decode_channels", "probe_audio"]

SAMPLE_RATE = 16_000  # what Whisper expects
_WAV_HEADER_PROBE = 1 << 16
FloatArray = npt.NDArray[np.float32]


def probe_audio(path: Path) -> AudioInfo:
    """Decode the whole file once and describe it; raise an `AudioError` if it is not usable."""
    _check_wav_not_truncated(path)
    with _open(path) as container:
        stream = _first_audio_stream(container)
        channels = stream.codec_context.channels or 1
        codec = stream.codec_context.name
        sample_rate = stream.codec_context.sample_rate or 0
        samples, peak = _scan_frames(container, stream)
        format_name = container.format.name
    if samples == 0 or sample_rate == 0:
        raise CorruptAudioError("the file contains no decodable audio samples")
    return AudioInfo(format_name, codec, channels, sample_rate, samples / sample_rate, peak)


def decode_channels(path: Path, sample_rate: int = SAMPLE_RATE) -> list[FloatArray]:
    """Each channel as float32 mono at `sample_rate`, ready for Whisper."""
    with _open(path) as container:
        stream = _first_audio_stream(container)
        layout = "stereo" if (stream.codec_context.channels or 1) >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        chunks = [_resampled(resampler, frame) for frame in _frames(container, stream)]
        chunks.append(_resampled(resampler, None))  # flush the resampler's tail
    planes = np.concatenate([c for c in chunks if c.size], axis=1) if chunks else None
    if planes is None or planes.size == 0:
        raise CorruptAudioError("the file contains no decodable audio samples")
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


def _frames(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[av.AudioFrame]:
    """Decoded frames one at a time, with FFmpeg's errors turned into ours."""
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        raise CorruptAudioError(f"the audio data is corrupt ({exc.strerror})") from exc


def _scan_frames(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> tuple[int, float]:
    """Count samples and find the peak level, one frame at a time (never the whole file)."""
    samples, peak = 0, 0.0
    for frame in _frames(container, stream):
        samples += frame.samples
        peak = max(peak, _frame_peak(frame))
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
