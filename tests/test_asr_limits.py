"""Bounded audio: hostile headers are refused before decoding, and nothing is held whole."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

import asr.audio
from asr import (
    AudioLimitError,
    AudioLimits,
    ChannelLayout,
    WhisperTranscriber,
    probe_audio,
    read_header,
    scan_channels,
    stream_blocks,
)
from tests.audio_files import CALLS, SHORT_SPEECH, write_wav


def _wav(path: Path, rate: int, frames: int, channels: int = 1) -> Path:
    """A PCM WAV written by hand, so its header can claim any sample rate."""
    data = np.zeros(frames * channels, dtype="<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    riff = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data))
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff) + len(data)) + riff + data)
    return path


@pytest.mark.parametrize("rate", [1, 2**31 - 1])
def test_absurd_sample_rates_are_refused_from_the_header(tmp_path: Path, rate: int) -> None:
    # 10 000 frames at 1 Hz declare 10 000 s: once decoded to 16 kHz that was gigabytes
    path = _wav(tmp_path / "odd.wav", rate, 10_000)
    for check in (read_header, probe_audio, scan_channels):
        with pytest.raises(AudioLimitError, match="sample rate") as caught:
            check(path)
        assert caught.value.limit == "sample_rate"


def test_too_many_channels_are_refused(tmp_path: Path) -> None:
    path = _wav(tmp_path / "many.wav", 16_000, 1_600, channels=12)
    with pytest.raises(AudioLimitError, match="12 channels") as caught:
        read_header(path)
    assert caught.value.limit == "channels"
    assert read_header(path, AudioLimits(max_channels=16)).channels == 12


def test_declared_duration_over_the_maximum_is_refused_before_decoding(tmp_path: Path) -> None:
    call = CALLS / "dev01.stereo.wav"  # 55 s
    with pytest.raises(AudioLimitError, match="declares 55 s") as caught:
        read_header(call, AudioLimits(max_duration_s=30))
    assert caught.value.limit == "duration"
    with pytest.raises(AudioLimitError, match="at most 30 s"):
        next(stream_blocks(call, AudioLimits(max_duration_s=30)))
    assert read_header(call, AudioLimits(max_duration_s=60)).declared_duration == pytest.approx(
        55.15, abs=0.01
    )


def test_decoded_duration_is_checked_when_the_header_says_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asr.audio, "_declared_duration", lambda container, stream: None)
    limits = AudioLimits(max_duration_s=20)
    blocks = stream_blocks(CALLS / "dev01.stereo.wav", limits)
    with pytest.raises(AudioLimitError, match="holds 20 s") as caught:
        for _ in blocks:
            pass
    assert caught.value.limit == "duration"
    with pytest.raises(AudioLimitError, match="holds"):
        probe_audio(CALLS / "dev01.stereo.wav", limits)


def test_stream_comes_in_small_blocks_that_add_up_to_the_file() -> None:
    blocks = list(stream_blocks(CALLS / "dev01.stereo.wav"))
    assert {b.shape[0] for b in blocks} == {2}
    assert max(b.shape[1] for b in blocks) <= 16_000  # never more than a second at a time
    scan = scan_channels(CALLS / "dev01.stereo.wav")
    assert sum(b.shape[1] for b in blocks) == scan.samples
    assert scan.duration == pytest.approx(55.15, abs=0.01)
    left, right = np.concatenate(blocks, axis=1)
    assert scan.peaks == (pytest.approx(abs(left).max()), pytest.approx(abs(right).max()))
    assert scan.mix_peak == pytest.approx(abs((left + right) / 2).max(), rel=1e-5)


def test_resampling_keeps_length_and_limits_accept_ordinary_files(tmp_path: Path) -> None:
    tone = np.sin(np.arange(8_000 * 3) * 0.3).astype(np.float32) * 0.5
    path = write_wav(tmp_path / "phone.wav", tone, rate=8_000)
    scan = scan_channels(path, AudioLimits(max_duration_s=3.5))
    assert scan.duration == pytest.approx(3.0, abs=0.01) and scan.peaks[0] == pytest.approx(
        0.5, abs=0.02
    )
    assert probe_audio(SHORT_SPEECH, AudioLimits(max_duration_s=60)).sample_rate == 16_000


def test_transcriber_refuses_over_long_audio_before_loading_the_model(tmp_path: Path) -> None:
    # a model path that does not exist: any Whisper work would raise ModelError instead
    transcriber = WhisperTranscriber(str(tmp_path / "no-model"))
    with pytest.raises(AudioLimitError, match="declares 55 s"):
        transcriber.transcribe(
            CALLS / "dev01.stereo.wav",
            ChannelLayout.REP_LEFT,
            limits=AudioLimits(max_duration_s=30),
        )
    with pytest.raises(AudioLimitError, match="sample rate"):
        transcriber.transcribe(_wav(tmp_path / "odd.wav", 1, 10_000), ChannelLayout.MONO)
