"""Two voices on one channel, told apart from the sound (asr.voices), without the model."""

from __future__ import annotations

import numpy as np

from asr.voices import label_voices, measure_stretch

RATE = 16_000


def _voice(formants: tuple[float, ...], pitch: float, seconds: float, seed: int) -> np.ndarray:
    """A crude vowel-like sound: a glottal pulse train through resonances at `formants`."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    pulses = np.zeros(n)
    period = RATE / (pitch * rng.uniform(0.95, 1.05))
    pulses[(np.arange(0, n, period)).astype(int)] = 1.0
    spectrum = np.fft.rfft(pulses + rng.normal(0, 0.02, n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = sum(1 / (1 + ((freqs - f) / 80) ** 2) for f in formants)
    sound = np.fft.irfft(spectrum * shape, n)
    return (0.5 * sound / np.abs(sound).max()).astype(np.float32)


def _dialogue(turns: int) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    """Two speakers at the same pitch (so only the spectral envelope can tell them apart)
    taking turns of 1.5-3 s, with 0.5 s pauses."""
    rng = np.random.default_rng(1)
    voices = ((700.0, 1200.0, 2600.0), (450.0, 1900.0, 3000.0))
    audio: list[np.ndarray] = []
    spans: list[tuple[float, float, int]] = []
    at = 0.0
    for turn in range(turns):
        who = turn % 2
        seconds = float(rng.uniform(1.5, 3.0))
        audio += [_voice(voices[who], 140.0, seconds, turn), np.zeros(RATE // 2, np.float32)]
        spans.append((at, at + seconds, who))
        at += seconds + 0.5
    return np.concatenate(audio), spans


def test_two_voices_at_the_same_pitch_are_told_apart() -> None:
    audio, spans = _dialogue(12)
    stretches = [measure_stretch(audio, start, end, 0.0) for start, end, _ in spans]
    labels = label_voices([s for s in stretches if s is not None])
    assert labels is not None
    assert list(labels.voices) == [who for _, _, who in spans]  # voice 0 speaks first
    assert all(0.5 <= c <= 1.0 for c in labels.confidences)
    assert labels.separation > 0.5


def test_labels_do_not_depend_on_where_the_audio_starts() -> None:
    audio, spans = _dialogue(8)
    offset = 120.0  # the same audio as the third window of a long call
    moved = [measure_stretch(audio, s + offset, e + offset, offset) for s, e, _ in spans]
    here = [measure_stretch(audio, s, e, 0.0) for s, e, _ in spans]
    first, second = label_voices([m for m in moved if m]), label_voices([h for h in here if h])
    assert first is not None and second is not None
    assert first.voices == second.voices and first.confidences == second.confidences


def test_too_little_speech_gives_no_voices() -> None:
    audio, spans = _dialogue(3)
    stretches = [measure_stretch(audio, s, e, 0.0) for s, e, _ in spans]
    assert label_voices([s for s in stretches if s is not None]) is None
    assert measure_stretch(audio, 0.0, 0.02, 0.0) is None  # 20 ms: nothing to measure
