"""Long audio is transcribed window by window, each window cut at a pause."""

from __future__ import annotations

import numpy as np

from asr.windows import pause_windows

RATE = 16_000


def _speech_with_gaps(gaps_at: list[float], total_s: float) -> np.ndarray:
    """Loud noise ("speech") everywhere except 0.4-s silences starting at `gaps_at`."""
    rng = np.random.default_rng(3)
    audio = rng.normal(0, 0.3, int(total_s * RATE)).astype(np.float32)
    for start in gaps_at:
        audio[int(start * RATE) : int((start + 0.4) * RATE)] = 0.0
    return audio


def _blocks(audio: np.ndarray, size: int = 1024) -> list[np.ndarray]:
    return [audio[i : i + size] for i in range(0, len(audio), size)]


def test_windows_cut_at_pauses_and_lose_nothing() -> None:
    audio = _speech_with_gaps([22.0, 51.3, 80.0], 100.0)
    windows = list(pause_windows(_blocks(audio), window_s=30.0, search_s=10.0))
    assert np.array_equal(np.concatenate([w.audio for w in windows]), audio)
    cuts = [w.offset for w in windows[1:]]
    assert cuts == sorted(cuts) and len(cuts) == 3
    for cut, gap in zip(cuts, [22.0, 51.3, 80.0], strict=True):
        assert gap <= cut <= gap + 0.4  # inside the silence, not in "speech"
    for window in windows:
        assert len(window.audio) <= 30 * RATE
        start = int(window.offset * RATE)
        assert np.array_equal(window.audio, audio[start : start + len(window.audio)])


def test_without_a_pause_the_window_still_ends_by_its_length() -> None:
    audio = _speech_with_gaps([], 65.0)
    windows = list(pause_windows(_blocks(audio), window_s=30.0, search_s=5.0))
    assert len(windows) == 3
    assert all(25 * RATE <= len(w.audio) <= 30 * RATE for w in windows[:-1])
    assert sum(len(w.audio) for w in windows) == len(audio)


def test_short_audio_is_one_window() -> None:
    audio = _speech_with_gaps([], 4.0)
    (window,) = pause_windows(_blocks(audio), window_s=300.0)
    assert window.offset == 0.0 and np.array_equal(window.audio, audio)
