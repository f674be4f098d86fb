"""Recognise the same conversation by its sound, whatever the file: another format, a re-encoding,
the mono mix of a stereo recording.

A print keeps, for each 32 ms step of the opening minutes (mixed to mono, 8 kHz), 32 bits saying
whether the energy difference between neighbouring frequency bands (300–3000 Hz) rose or fell
since the step before (Haitsma & Kalker's scheme). The bits survive gain, codecs and the phone
band; two different conversations differ in about half of them, the same one in few. Quiet steps
(pauses, line noise) carry no information and are left out of the comparison.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from asr.audio import stream_blocks
from asr.errors import CorruptAudioError

__all__ = ["PRINT_SECONDS", "SAME_SOUND_BELOW", "SoundPrint", "print_sound", "sound_distance"]

PRINT_SECONDS = 120.0  # the opening that is printed: enough to tell calls apart, quick to decode
SAME_SOUND_BELOW = 0.30  # bit error rate under which two prints are the same sound (measured:
# the same call as mp3, mono mix, trimmed ≤ 0.11, with noise at 20 dB SNR 0.27; others ≥ 0.46)
_RATE = 8_000
_WINDOW = 2_048  # 256 ms: long frames make the bits stable under small shifts
_HOP = 256  # 32 ms
_BAND_EDGES = np.geomspace(300.0, 3_000.0, 34)  # 33 bands → 32 bits per step
_QUIET_BELOW = 1e-2  # of the loud steps' energy (−20 dB): pauses, line noise, breath
_MIN_COMPARED_STEPS = 150  # about 5 s of sound in both before anything is said
_MAX_SHIFT_STEPS = 16  # ±0.5 s of offset between the files (encoder delay, a trimmed start)
_CHUNK = 512  # steps transformed at once
_VERSION = 1
_HEAD = struct.Struct("<BI")  # version, steps

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SoundPrint:
    bits: npt.NDArray[np.uint32]  # one word per step
    loud: npt.NDArray[np.bool_]  # steps with sound worth comparing

    def to_bytes(self) -> bytes:
        head = _HEAD.pack(_VERSION, len(self.bits))
        return head + self.bits.astype("<u4").tobytes() + np.packbits(self.loud).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SoundPrint:
        version, steps = _HEAD.unpack_from(data)
        if version != _VERSION:
            raise ValueError(f"sound print version {version} is not {_VERSION}")
        start = _HEAD.size
        bits = np.frombuffer(data, dtype="<u4", count=steps, offset=start).astype(np.uint32)
        packed = np.frombuffer(data, dtype=np.uint8, offset=start + 4 * steps)
        loud = np.unpackbits(packed, count=steps).astype(bool)
        return cls(bits, loud)


def print_sound(path: Path, seconds: float = PRINT_SECONDS) -> SoundPrint:
    """The print of the file's first `seconds`, its channels mixed to one."""
    signal = _opening_mix(path, int(seconds * _RATE))
    energies = _band_energies(signal)
    if len(energies) < 2:
        return SoundPrint(np.zeros(0, np.uint32), np.zeros(0, bool))
    across = energies[:, :-1] - energies[:, 1:]
    rising = (across[1:] - across[:-1]) > 0  # (steps - 1, 32)
    weights = (1 << np.arange(32, dtype=np.uint64)).astype(np.uint64)
    bits = (rising.astype(np.uint64) @ weights).astype(np.uint32)
    total = energies.sum(axis=1)[1:]
    loud = total > _QUIET_BELOW * float(np.percentile(total, 95)) if total.size else total > 0
    return SoundPrint(bits, np.asarray(loud, dtype=bool))


def sound_distance(a: SoundPrint, b: SoundPrint) -> float | None:
    """The share of differing bits at the best offset (0 = identical, about 0.5 = unrelated),
    or None when the two share too little sound to say."""
    best: float | None = None
    for shift in range(-_MAX_SHIFT_STEPS, _MAX_SHIFT_STEPS + 1):
        rate = _error_rate(a, b, shift)
        if rate is not None and (best is None or rate < best):
            best = rate
    return best


def _error_rate(a: SoundPrint, b: SoundPrint, shift: int) -> float | None:
    """Bit error rate with b moved `shift` steps later against a."""
    a_start, b_start = max(0, -shift), max(0, shift)
    length = min(len(a.bits) - a_start, len(b.bits) - b_start)
    if length <= 0:
        return None
    both_loud = a.loud[a_start : a_start + length] & b.loud[b_start : b_start + length]
    compared = int(both_loud.sum())
    if compared < _MIN_COMPARED_STEPS:
        return None
    differing = a.bits[a_start : a_start + length] ^ b.bits[b_start : b_start + length]
    flipped = np.unpackbits(differing[both_loud].view(np.uint8)).sum()
    return float(flipped) / (32 * compared)


def _opening_mix(path: Path, samples: int) -> FloatArray:
    """The first `samples` of the file at 8 kHz, its planes averaged."""
    blocks: list[FloatArray] = []
    taken = 0
    for block in stream_blocks(path, sample_rate=_RATE):
        mono = block.mean(axis=0, dtype=np.float64)
        blocks.append(mono[: samples - taken])
        taken += len(blocks[-1])
        if taken >= samples:
            break
    if not blocks:
        raise CorruptAudioError("the file contains no decodable audio samples")
    return np.concatenate(blocks)


def _band_energies(signal: FloatArray) -> FloatArray:
    """(steps, 33) energy per band per step, a few hundred steps at a time (flat memory)."""
    bands = _band_matrix()
    if len(signal) < _WINDOW:
        return np.zeros((0, bands.shape[1]))
    frames = np.lib.stride_tricks.sliding_window_view(signal, _WINDOW)[::_HOP]
    window = np.hanning(_WINDOW)
    chunks = [
        (np.abs(np.fft.rfft(frames[i : i + _CHUNK] * window, axis=1)) ** 2) @ bands
        for i in range(0, len(frames), _CHUNK)
    ]
    return np.concatenate(chunks)


def _band_matrix() -> FloatArray:
    """(FFT bins, 33): which band each bin of the spectrum adds to."""
    freqs = np.fft.rfftfreq(_WINDOW, 1.0 / _RATE)
    band_of_bin = np.digitize(freqs, _BAND_EDGES) - 1  # -1 and 33: outside the bands
    bands = np.zeros((len(freqs), len(_BAND_EDGES) - 1))
    inside = (band_of_bin >= 0) & (band_of_bin < bands.shape[1])
    bands[np.nonzero(inside)[0], band_of_bin[inside]] = 1.0
    return bands
