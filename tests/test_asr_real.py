"""The real transcriber: bundled Whisper base model on real recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from asr import (
    ChannelLayout,
    ChannelLayoutError,
    NotAudioError,
    Speaker,
    Transcript,
    TranscriptionOptions,
    WhisperTranscriber,
    cer,
    ensure_bundled_model,
    render,
)
from tests.audio_files import (
    CALLS,
    SHORT_SPEECH,
    silence_wav,
    stereo_from_mono,
    text_file,
    write_wav,
)

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> WhisperTranscriber:
    model_dir = ensure_bundled_model(tmp_path_factory.mktemp("models"))
    return WhisperTranscriber(str(model_dir), cpu_threads=2, display_name="whisper-base")


def test_mandarin_comes_out_simplified_with_word_times(transcriber: WhisperTranscriber) -> None:
    progress: list[float] = []
    transcript = transcriber.transcribe(SHORT_SPEECH, ChannelLayout.MONO, progress.append)
    text = "".join(s.text for s in transcript.segments)
    assert cer("广州市房地产中介协会分析", text) < 0.2
    assert transcript.language == "zh" and transcript.model == "whisper-base"
    assert progress[-1] == 1.0 and progress == sorted(progress)
    for segment in transcript.segments:
        assert segment.speaker is Speaker.UNKNOWN and segment.words
        assert "".join(w.text for w in segment.words).strip() == segment.text
        assert (
            segment.start <= segment.words[0].start and segment.words[-1].end <= segment.end + 0.01
        )


def test_stereo_call_puts_each_side_on_its_speaker(transcriber: WhisperTranscriber) -> None:
    transcript = transcriber.transcribe(CALLS / "dev01.stereo.wav", ChannelLayout.REP_LEFT)
    _assert_each_side_on_its_speaker(transcript, CALLS / "dev01.json", most_cer=0.3)


def _assert_each_side_on_its_speaker(transcript: Transcript, script: Path, most_cer: float) -> None:
    turns = json.loads(script.read_text())["turns"]
    said = {
        side: "".join(s.text for s in transcript.segments if s.speaker is side) for side in Speaker
    }
    rep_ref = "".join(t["spoken_text"] for t in turns if t["speaker"] == "rep")
    customer_ref = "".join(t["spoken_text"] for t in turns if t["speaker"] == "customer")
    assert said[Speaker.UNKNOWN] == ""
    assert cer(rep_ref, said[Speaker.REP]) < most_cer < cer(customer_ref, said[Speaker.REP])
    assert (
        cer(customer_ref, said[Speaker.CUSTOMER]) < most_cer < cer(rep_ref, said[Speaker.CUSTOMER])
    )
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts)  # both channels merged in time order


def test_packed_sides_come_back_on_their_speakers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The packed decoding (an option: measured, not the default) puts each side's words back
    on it, in time order, inside the call."""
    model_dir = ensure_bundled_model(tmp_path_factory.mktemp("models"))
    packing = WhisperTranscriber(str(model_dir), cpu_threads=2,
                                 options=TranscriptionOptions(pack_channels=True))  # fmt: skip
    transcript = packing.transcribe(CALLS / "dev02.stereo.wav", ChannelLayout.REP_LEFT)
    _assert_each_side_on_its_speaker(transcript, CALLS / "dev02.json", most_cer=0.35)
    assert transcript.segments[-1].end <= transcript.duration
    for segment in transcript.segments:
        assert segment.words and segment.start == segment.words[0].start


def test_rep_right_swaps_the_speakers(transcriber: WhisperTranscriber, tmp_path: Path) -> None:
    stereo = stereo_from_mono(tmp_path / "right-is-rep.wav", left=SHORT_SPEECH)
    transcript = transcriber.transcribe(stereo, ChannelLayout.REP_RIGHT)
    assert {s.speaker for s in transcript.segments} == {Speaker.CUSTOMER}


def test_silence_gives_no_segments(transcriber: WhisperTranscriber, tmp_path: Path) -> None:
    transcript = transcriber.transcribe(silence_wav(tmp_path / "quiet.wav", 20), ChannelLayout.MONO)
    assert transcript.segments == () and transcript.duration == pytest.approx(20, abs=0.01)


def test_line_hiss_gives_no_segments(transcriber: WhisperTranscriber, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    hiss = write_wav(tmp_path / "hiss.wav", rng.normal(0, 0.002, 16_000 * 30).astype(np.float32))
    transcript = transcriber.transcribe(hiss, ChannelLayout.MONO)
    assert [s.text for s in transcript.segments] == []


def test_silent_customer_channel_gives_rep_only(
    transcriber: WhisperTranscriber, tmp_path: Path
) -> None:
    stereo = stereo_from_mono(tmp_path / "rep-only.wav", left=SHORT_SPEECH)
    transcript = transcriber.transcribe(stereo, ChannelLayout.REP_LEFT)
    assert transcript.segments and {s.speaker for s in transcript.segments} == {Speaker.REP}


def test_mono_as_stereo_and_non_audio_are_refused(
    transcriber: WhisperTranscriber, tmp_path: Path
) -> None:
    with pytest.raises(ChannelLayoutError, match="1 channel"):
        transcriber.transcribe(SHORT_SPEECH, ChannelLayout.REP_LEFT)
    with pytest.raises(NotAudioError):
        transcriber.transcribe(text_file(tmp_path / "notes.wav"), ChannelLayout.MONO)


def test_formats(transcriber: WhisperTranscriber) -> None:
    transcript = transcriber.transcribe(SHORT_SPEECH, ChannelLayout.MONO)
    srt = render(transcript, "srt")
    assert srt.startswith("1\n00:00:00,") and " --> 00:00:0" in srt
    assert render(transcript, "txt").startswith("[00:00.")
    data = json.loads(render(transcript, "json"))
    assert data["language"] == "zh" and data["segments"][0]["words"]
