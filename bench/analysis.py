"""Analysis benchmark: a 30-minute call's worth of turns, analysed on one core.

    python bench/analysis.py
    python bench/analysis.py --minutes 1 --audio ../shared/audio/calls/dev04.stereo.wav  # smoke

Builds a 30-minute two-speaker call from the labelled corpus (segments with word timings,
as the worker stores them), times `Analyzer.analyze_segments` on it, and compares that with
the time Whisper needs for the same 30 minutes, estimated from transcribing one real sales
call (../shared/audio/calls/dev01.stereo.wav, or `--audio`: a stereo call, rep on the left) in
the same run. Analysis should be well under 1 % of transcription time.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core for the analysis side
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import Analyzer, SpeechSegment, TimedWord
from analysis.examples import load_corpus_examples
from asr import ChannelLayout, WhisperTranscriber, ensure_bundled_model

CALL = Path(__file__).resolve().parents[2] / "shared" / "audio" / "calls" / "dev01.stereo.wav"
CALL_MINUTES = 30


def synthetic_call(minutes: int, seed: int = 1) -> list[SpeechSegment]:
    rng = random.Random(seed)
    rep_lines = [e.text for e in load_corpus_examples("questions")]
    customer_lines = [e.text for e in load_corpus_examples("commitments")]
    segments, t, speaker = [], 0.0, "rep"
    while t < minutes * 60:
        text = rng.choice(rep_lines if speaker == "rep" else customer_lines)
        seconds = len(text) / 4.5  # about 270 characters a minute
        segments.append(SpeechSegment(speaker, t, t + seconds, text, _words(text, t, seconds)))
        t += seconds + rng.uniform(0.3, 1.2)
        speaker = "customer" if speaker == "rep" else "rep"
    return segments


def _words(text: str, start: float, seconds: float) -> tuple[TimedWord, ...]:
    step = seconds / max(len(text), 1)
    return tuple(
        TimedWord(start + i * step, start + (i + 1) * step, ch) for i, ch in enumerate(text)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=CALL_MINUTES, help="the analysed call")
    parser.add_argument("--audio", type=Path, default=CALL, help="the transcribed stereo call")
    args = parser.parse_args()
    minutes, audio = args.minutes, args.audio
    analyzer = Analyzer()
    segments = synthetic_call(minutes)
    analyzer.analyze_segments(
        segments[:20], call_date=date(2026, 11, 23), duration=None, stereo=True
    )  # warm
    started = time.perf_counter()
    result = analyzer.analyze_segments(
        segments, call_date=date(2026, 11, 23), duration=None, stereo=True
    )
    analysis_s = time.perf_counter() - started
    rtf = _transcription_rtf(audio)
    transcription_s = rtf * minutes * 60
    print(
        f"{minutes}-minute call: {len(result.turns)} turns analysed in {analysis_s:.2f} s "
        f"({len(result.turns) / analysis_s:.0f} turns/s, one core)"
    )
    print(
        f"transcribing it takes about {transcription_s:.0f} s (RTF {rtf:.3f}, measured on {audio.name})"
    )
    print(f"analysis / transcription: {analysis_s / transcription_s:.3%}")


def _transcription_rtf(audio: Path) -> float:
    model = ensure_bundled_model(Path.home() / ".cache" / "huashu-bench")
    transcriber = WhisperTranscriber(str(model), cpu_threads=os.cpu_count() or 2)
    transcriber.load()
    started = time.perf_counter()
    transcript = transcriber.transcribe(audio, ChannelLayout.REP_LEFT)
    return (time.perf_counter() - started) / transcript.duration


if __name__ == "__main__":
    main()
