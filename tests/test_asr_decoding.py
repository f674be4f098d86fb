"""Decoding with the real model: the same transcript every time, long audio window by window."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asr import ChannelLayout, TranscriptionOptions, WhisperTranscriber, cer, ensure_bundled_model
from tests.audio_files import CALLS, REAL, SHORT_SPEECH, read_wav, write_wav

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
# A noisy phone line: under the old sampling fallback its windows were re-decoded at random.
NOISY = REAL / "qwen3asr_noise2.wav"
_TRANSCRIBE = """
import sys
from pathlib import Path
from asr import ChannelLayout, WhisperTranscriber, render
transcriber = WhisperTranscriber(sys.argv[1], cpu_threads=2)
print(render(transcriber.transcribe(Path(sys.argv[2]), ChannelLayout.MONO), "json"))
"""


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(ensure_bundled_model(tmp_path_factory.mktemp("models")))


def test_the_same_file_gives_the_same_transcript_in_fresh_processes(model_dir: str) -> None:
    outputs = [
        subprocess.run(
            [sys.executable, "-c", _TRANSCRIBE, model_dir, str(NOISY)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(3)
    ]
    assert json.loads(outputs[0])["segments"]  # something was said
    assert outputs[0] == outputs[1] == outputs[2]


def test_long_audio_is_transcribed_window_by_window_with_true_times(
    model_dir: str, tmp_path: Path
) -> None:
    speech, _ = read_wav(SHORT_SPEECH)  # 4.3 s: 广州市房地产中介协会分析
    rng = np.random.default_rng(5)
    audio = rng.normal(0, 0.0005, 16_000 * 50).astype(np.float32)  # 50 s of line noise
    for start in (1.0, 24.0, 44.0):
        at = int(start * 16_000)
        audio[at : at + len(speech)] += speech
    path = write_wav(tmp_path / "long.wav", audio)
    options = TranscriptionOptions(window_s=20.0)  # three windows, cut in the pauses
    transcriber = WhisperTranscriber(model_dir, cpu_threads=2, options=options)
    transcript = transcriber.transcribe(path, ChannelLayout.MONO)
    assert transcript.duration == pytest.approx(50.0, abs=0.01)
    for start in (1.0, 24.0, 44.0):
        words = [
            w for s in transcript.segments for w in s.words if start - 0.5 < w.start < start + 5
        ]
        assert cer("广州市房地产中介协会分析", "".join(w.text for w in words)) < 0.35
        assert all(w.end < start + 5 for w in words)


def test_mono_call_words_carry_the_two_voices(model_dir: str) -> None:
    turns = json.loads((CALLS / "dev01.json").read_text(encoding="utf-8"))["turns"]
    transcriber = WhisperTranscriber(model_dir, cpu_threads=2)
    transcript = transcriber.transcribe(CALLS / "dev01.mono.wav", ChannelLayout.MONO)
    words = [w for s in transcript.segments for w in s.words]
    assert words and all(w.voice in (0, 1) and 0.5 <= w.voice_confidence <= 1 for w in words)
    assert transcript.voice_separation is not None and transcript.voice_separation > 0.3
    right = total = 0.0
    for word in words:
        middle = (word.start + word.end) / 2
        turn = min(turns, key=lambda t: max(t["start"] - middle, middle - t["end"], 0.0))
        seconds = word.end - word.start
        total += seconds
        right += seconds * ((turn["speaker"] == "rep") == (word.voice == 0))  # the rep opens
    assert right / total > 0.85
    stereo = transcriber.transcribe(CALLS / "dev01.stereo.wav", ChannelLayout.REP_LEFT)
    assert stereo.voice_separation is None
    assert all(w.voice is None for s in stereo.segments for w in s.words)


def test_hotwords_fix_names_and_never_swallow_speech(model_dir: str) -> None:
    turns = json.loads((CALLS / "dev03.json").read_text(encoding="utf-8"))["turns"]
    rep_said = "".join(t["spoken_text"] for t in turns if t["speaker"] == "rep")
    transcriber = WhisperTranscriber(model_dir, cpu_threads=2)
    # the call's contact and product, then other words of the team's dictionary
    hotwords = ["陈主任", "超声设备", "样机", "启航教育", "云帆软件", "布艺沙发"]
    transcript = transcriber.transcribe(
        CALLS / "dev03.stereo.wav", ChannelLayout.REP_LEFT, hotwords=hotwords
    )
    rep = "".join(s.text for s in transcript.segments if s.speaker.value == "rep")
    # Whisper once answered this hint with "陈主任" alone for the rep's whole channel
    assert cer(rep_said, rep) < 0.3
    plain = transcriber.transcribe(CALLS / "dev02.stereo.wav", ChannelLayout.REP_LEFT)
    hinted = transcriber.transcribe(
        CALLS / "dev02.stereo.wav", ChannelLayout.REP_LEFT, hotwords=["云帆软件", "张伟", "王总"]
    )
    assert "云帆软件" not in "".join(s.text for s in plain.segments)  # 赢番软件 without the hint
    assert "云帆软件" in "".join(s.text for s in hinted.segments)
