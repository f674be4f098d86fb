"""Decoding: the formats call systems export, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from asr import CorruptAudioError, NotAudioError, decode_channels, probe_audio
from tests.audio_files import CALLS, SHORT_SPEECH, encode, png_file, text_file, truncated_copy


@pytest.mark.parametrize(
    ("codec", "fmt", "suffix", "rate"),
    [
        ("mp3", "mp3", "mp3", 16000),
        ("aac", "mp4", "m4a", 16000),
        ("libopus", "ogg", "opus", 16000),
        ("pcm_alaw", "wav", "wav", 8000),
        ("pcm_mulaw", "wav", "wav", 8000),
        ("flac", "flac", "flac", 16000),
    ],
)
def test_common_formats_decode(
    tmp_path: Path, codec: str, fmt: str, suffix: str, rate: int
) -> None:
    path = encode(SHORT_SPEECH, tmp_path / f"speech.{suffix}", codec, fmt, rate=rate)
    info = probe_audio(path)
    assert info.channels == 1 and info.duration == pytest.approx(4.28, abs=0.1)
    (mono,) = decode_channels(path)
    assert len(mono) / 16000 == pytest.approx(4.28, abs=0.1) and 0.05 < abs(mono).max() <= 1.0


def test_stereo_channels_stay_apart() -> None:
    left, right = decode_channels(CALLS / "dev01.stereo.wav")
    assert len(left) == len(right)
    assert probe_audio(CALLS / "dev01.stereo.wav").channels == 2
    # the rep talks first: at 1-3 s the left channel is loud and the right one nearly silent
    assert abs(left[16000:48000]).max() > 10 * abs(right[16000:48000]).max()


def test_refusals(tmp_path: Path) -> None:
    with pytest.raises(NotAudioError):
        probe_audio(text_file(tmp_path / "a.txt"))
    with pytest.raises(NotAudioError, match="no audio stream"):
        probe_audio(png_file(tmp_path / "a.png"))
    with pytest.raises(CorruptAudioError, match="truncated"):
        probe_audio(truncated_copy(SHORT_SPEECH, tmp_path / "cut.wav"))
