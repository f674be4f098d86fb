"""Tell the two voices of a mono recording apart from the sound alone.

On a mono call both speakers share one channel, so Whisper's words carry no speaker. The audio
is cut into stretches of speech at pauses (Silero VAD: 0.3 s of silence, stretches of at most
6 s; Whisper's word times are no guide here, as they stretch words over the pauses between
turns), and each stretch is described by the mean and spread of its MFCCs 1-19: the spectral envelope, shaped by the
speaker's vocal tract. Coefficient 0 (loudness) is left out, so the level of the line does not
matter. Two stretches are compared with the symmetric Kullback-Leibler divergence of their
Gaussians, and the stretches of the call are split into two voices by spectral clustering of
those similarities. A stretch's confidence is how much closer it is to its own voice than to
the other. Each word takes the voice of the stretch it falls in.

Pitch is deliberately not a feature: the synthetic test calls pitch the rep's voice down, so
pitch would flatter the test and tells two men or two women apart poorly on real calls. (On
those calls it did not even separate them well: a median split of pitch was right for only
62-90 % of the speech.)

Everything is kept per stretch as sums (frame count, sum and sum of squares per coefficient),
so a long call needs a few hundred bytes per stretch, and the clustering looks at no more than
`_MAX_CLUSTERED` stretches (the rest join the voice they are most similar to).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from asr.types import Segment

__all__ = ["Stretch", "VoiceLabels", "VoiceTracker", "label_voices", "measure_stretch"]

FloatArray = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]
_RATE = 16_000
_FRAME, _HOP, _FFT = 400, 160, 512  # 25 ms frames every 10 ms
_MELS, _CEPS = 40, 20
_LOW_HZ, _HIGH_HZ = 200.0, 3_600.0  # inside the telephone band, so wideband and 8 kHz agree
PAUSE_S = 0.3  # a pause this long may be a change of speaker (what the VAD cuts at)
MAX_STRETCH_S = 6.0  # longer stretches may hold both voices; shorter ones say too little
_MIN_STRETCHES = 4
_VARIANCE_FLOOR = 0.05
_MAX_CLUSTERED = 1_200  # stretches clustered at once: 1 200² similarities ≈ 11 MB
_MIN_SHARE = 0.05  # a "voice" with less of the speech than this is one voice split in two


@dataclass(frozen=True, slots=True)
class Stretch:
    """Sufficient statistics of one stretch's MFCC frames."""

    start: float
    end: float
    frames: int
    total: Float64Array  # sum of each coefficient over the frames
    squares: Float64Array  # sum of its squares


@dataclass(frozen=True, slots=True)
class VoiceLabels:
    voices: tuple[int, ...]  # 0 or 1 per stretch, 0 = whoever speaks first
    confidences: tuple[float, ...]  # 0.5 (could be either) .. 1 (clearly this voice)
    separation: float  # 0..1: how distinct the two voices are (0: only one voice found)


def measure_stretch(audio: FloatArray, start: float, end: float, offset: float) -> Stretch | None:
    """Statistics of `audio` between `start` and `end` (recording seconds; the audio begins at
    `offset`), or None when it is too short to say anything."""
    first = max(int((start - offset) * _RATE), 0)
    last = min(int((end - offset) * _RATE), len(audio))
    if last - first < _FRAME + 4 * _HOP:
        return None
    ceps = _mfcc(audio[first:last]).astype(np.float64)
    return Stretch(start, end, len(ceps), ceps.sum(axis=0), np.square(ceps).sum(axis=0))


def label_voices(stretches: Sequence[Stretch]) -> VoiceLabels | None:
    """Two voices over the stretches of one call (in time order); None when too few."""
    if len(stretches) < _MIN_STRETCHES:
        return None
    means, variances = _standardised(stretches)
    sample = _sample(len(stretches))
    similarity = _similarity(means[sample], variances[sample], means, variances)
    seed_labels = _spectral_split(similarity[:, sample])
    closeness = np.column_stack([similarity[seed_labels == v].mean(axis=0) for v in (0, 1)]).astype(
        np.float64
    )
    voices = closeness.argmax(axis=1)
    durations = np.array([s.end - s.start for s in stretches])
    share = float(durations[voices == 1].sum() / max(durations.sum(), 1e-9))
    if min(share, 1 - share) < _MIN_SHARE:
        return VoiceLabels(tuple(0 for _ in stretches), tuple(1.0 for _ in stretches), 0.0)
    if voices[0] == 1:  # voice 0 is whoever speaks first: labels never depend on cluster order
        voices, closeness = 1 - voices, closeness[:, ::-1]
    confidences = closeness.max(axis=1) / np.maximum(closeness.sum(axis=1), 1e-12)
    return VoiceLabels(
        tuple(int(v) for v in voices),
        tuple(round(float(c), 3) for c in confidences),
        _separation(means, voices),
    )


def _mfcc(audio: FloatArray) -> FloatArray:
    count = 1 + (len(audio) - _FRAME) // _HOP
    index = np.arange(_FRAME)[None, :] + _HOP * np.arange(count)[:, None]
    frames = audio[index] * np.hamming(_FRAME).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, _FFT)) ** 2
    logmel = np.log(power @ _mel_filters().T + 1e-8)
    ceps: FloatArray = (logmel @ _dct().T)[:, 1:_CEPS].astype(np.float32)
    return ceps


@lru_cache(maxsize=1)
def _mel_filters() -> FloatArray:
    def mel(hz: float) -> float:
        return float(2595 * np.log10(1 + hz / 700))

    edges = 700 * (10 ** (np.linspace(mel(_LOW_HZ), mel(_HIGH_HZ), _MELS + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(_FFT, 1 / _RATE)
    filters = np.zeros((_MELS, len(bins)), dtype=np.float32)
    for m in range(_MELS):
        low, mid, high = edges[m : m + 3]
        filters[m] = np.clip(
            np.minimum((bins - low) / (mid - low), (high - bins) / (high - mid)), 0, None
        )
    return filters


@lru_cache(maxsize=1)
def _dct() -> FloatArray:
    n = np.arange(_MELS)
    k = np.arange(_CEPS)[:, None]
    return np.cos(np.pi * k * (2 * n + 1) / (2 * _MELS)).astype(np.float32)


def _standardised(stretches: Sequence[Stretch]) -> tuple[Float64Array, Float64Array]:
    """Per-stretch means and variances, in units of the whole call's spread per coefficient."""
    frames = np.array([s.frames for s in stretches], dtype=np.float64)[:, None]
    totals = np.stack([s.total for s in stretches])
    squares = np.stack([s.squares for s in stretches])
    mean_all = totals.sum(axis=0) / frames.sum()
    spread = np.sqrt(np.maximum(squares.sum(axis=0) / frames.sum() - mean_all**2, 1e-12))
    means = (totals / frames - mean_all) / spread
    variances = np.maximum(squares / frames - (totals / frames) ** 2, 0.0) / spread**2
    return means, variances + _VARIANCE_FLOOR


def _sample(count: int) -> npt.NDArray[np.int64]:
    """At most `_MAX_CLUSTERED` stretches, evenly spread over the call (deterministic)."""
    return np.unique(np.linspace(0, count - 1, min(count, _MAX_CLUSTERED)).astype(np.int64))


def _similarity(
    means_a: Float64Array, vars_a: Float64Array, means_b: Float64Array, vars_b: Float64Array
) -> Float64Array:
    """exp(-KL2 / median) between each stretch of a and each of b (rows: a)."""
    rows = []
    for mean, var in zip(means_a, vars_a, strict=True):  # one row at a time: bounded memory
        ratio = var / vars_b
        spread = np.square(mean - means_b) * (1 / var + 1 / vars_b)
        rows.append(0.5 * np.sum(ratio + 1 / ratio - 2 + spread, axis=1))
    divergence = np.array(rows)
    scale = float(np.median(divergence[divergence > 0])) if np.any(divergence > 0) else 1.0
    similarity: Float64Array = np.exp(-divergence / scale)
    return similarity


def _spectral_split(affinity: Float64Array) -> npt.NDArray[np.int64]:
    from sklearn.cluster import SpectralClustering

    clustering = SpectralClustering(2, affinity="precomputed", random_state=0)
    labels: npt.NDArray[np.int64] = clustering.fit_predict(affinity)
    return labels


def _separation(means: Float64Array, voices: npt.NDArray[np.int64]) -> float:
    """Distance between the two voices' centres against their spread, 0..1."""
    a, b = means[voices == 0], means[voices == 1]
    between = float(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)))
    within = float(np.sqrt((a.var(axis=0).sum() + b.var(axis=0).sum()) / 2))
    return round(between / (between + within), 3) if between + within > 0 else 0.0


class VoiceTracker:
    """Collects stretch statistics window by window during a mono transcription, then labels
    every word with its voice once the whole call has been heard."""

    def __init__(self) -> None:
        self._stretches: list[Stretch] = []

    def add_window(
        self, audio: FloatArray, offset: float, speech: Sequence[tuple[float, float]]
    ) -> None:
        """`speech`: the window's stretches of speech, in seconds from the window's start."""
        for start, end in speech:
            stretch = measure_stretch(audio, offset + start, offset + end, offset)
            if stretch is not None:
                self._stretches.append(stretch)

    def apply(self, segments: list[Segment]) -> float | None:
        """Label the words of `segments` in place; the call's separation, or None."""
        labels = label_voices(self._stretches)
        if labels is None:
            return None
        starts = np.array([s.start for s in self._stretches])
        ends = np.array([s.end for s in self._stretches])
        for index, segment in enumerate(segments):
            segments[index] = _with_voices(segment, starts, ends, labels)
        return labels.separation


def _with_voices(
    segment: Segment, starts: Float64Array, ends: Float64Array, labels: VoiceLabels
) -> Segment:
    words = []
    for word in segment.words:
        k = _nearest(starts, ends, (word.start + word.end) / 2)
        words.append(replace(word, voice=labels.voices[k], voice_confidence=labels.confidences[k]))
    seconds = [0.0, 0.0]
    for word in words:
        seconds[word.voice or 0] += max(word.end - word.start, 1e-3)
    if not words:
        return segment
    voice = int(seconds[1] > seconds[0])
    sure = [w.voice_confidence for w in words if w.voice == voice]
    return replace(
        segment, words=tuple(words), voice=voice, voice_confidence=round(sum(sure) / len(sure), 3)
    )


def _nearest(starts: Float64Array, ends: Float64Array, moment: float) -> int:
    """Index of the stretch holding `moment`, or the closest one."""
    right = int(np.searchsorted(starts, moment, side="right"))
    candidates = [k for k in (right - 1, right) if 0 <= k < len(starts)]
    return min(candidates, key=lambda k: max(starts[k] - moment, moment - ends[k], 0.0))
