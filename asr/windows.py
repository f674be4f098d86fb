"""Cut a stream of audio into windows at pauses, so a long call is transcribed piece by piece.

faster-whisper's `transcribe` takes the whole waveform as an array (and its feature extractor
and VAD make copies of it): a 4-hour call would need gigabytes. We feed it windows of a few
minutes instead, each ending at the quietest moment near its end, so no word is cut in two,
and add each window's offset to the timestamps that come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Window", "pause_windows"]

FloatArray = npt.NDArray[np.float32]
_FRAME_S = 0.05  # loudness is compared over 50 ms frames


@dataclass(frozen=True, slots=True)
class Window:
    offset: float  # seconds from the start of the recording
    audio: FloatArray

    @property
    def end(self) -> float:
        return self.offset + int(self.audio.shape[-1]) / 16_000


def pause_windows(
    blocks: Iterable[FloatArray],
    window_s: float,
    search_s: float = 15.0,
    sample_rate: int = 16_000,
) -> Iterator[Window]:
    """Windows of at most `window_s` seconds from `blocks` (mono, or (sides, samples): all sides
    cut at the same moment, the quietest of them together); each is cut at the quietest 50 ms
    within its last `search_s` seconds. Only one window is held at a time."""
    limit = max(int(window_s * sample_rate), 1)
    search = min(int(search_s * sample_rate), limit)
    pending: list[FloatArray] = []
    pending_samples = offset = 0
    for block in blocks:
        pending.append(block)
        pending_samples += block.shape[-1]
        while pending_samples >= limit:
            buffer = np.concatenate(pending, axis=-1)
            cut = _quietest_cut(buffer[..., :limit], search, sample_rate)
            yield Window(offset / sample_rate, buffer[..., :cut])
            pending, offset = [buffer[..., cut:].copy()], offset + cut
            pending_samples = pending[0].shape[-1]
    if pending_samples:
        yield Window(offset / sample_rate, np.concatenate(pending, axis=-1))


def _quietest_cut(audio: FloatArray, search: int, sample_rate: int) -> int:
    """Sample index in the middle of the quietest frame of the last `search` samples."""
    frame = max(int(_FRAME_S * sample_rate), 1)
    if audio.ndim == 2:
        audio = np.abs(audio).max(axis=0)  # quiet on every side at once
    tail = audio[len(audio) - search :]
    frames = len(tail) // frame
    if frames == 0:
        return len(audio)
    energy = np.square(tail[: frames * frame].reshape(frames, frame)).mean(axis=1)
    quietest = int(np.argmin(energy))
    return len(audio) - search + quietest * frame + frame // 2
