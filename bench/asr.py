"""ASR benchmark: Huashu's transcription against plain faster-whisper, same model, same run.

    python bench/asr.py                 # baseline + Huashu's defaults
    python bench/asr.py --variants all  # also each guard switched off / other beam widths
    python bench/asr.py --variants beam1,vad

For every configuration: real-time factor (processing seconds per audio second, lower is
faster), time relative to the baseline, and CER over ../shared/audio/real/ (normalised as in
asr.scoring: punctuation removed, NFKC, simplified, digits spelled out).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr import (
    ChannelLayout,
    TranscriptionOptions,
    WhisperTranscriber,
    character_errors,
    ensure_bundled_model,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "audio" / "real"
DEFAULTS = TranscriptionOptions()
VARIANTS = {
    "beam1": dataclasses.replace(DEFAULTS, beam_size=1),
    "beam2": dataclasses.replace(DEFAULTS, beam_size=2),
    "beam5": dataclasses.replace(DEFAULTS, beam_size=5),
    "no-normalize": dataclasses.replace(DEFAULTS, peak_normalize=False),
    "condition": dataclasses.replace(DEFAULTS, condition_on_previous_text=True),
    "vad": dataclasses.replace(DEFAULTS, vad_filter=True),
    "prompt": dataclasses.replace(DEFAULTS, initial_prompt="以下是普通话的句子，使用简体中文。"),
    "no-words": dataclasses.replace(DEFAULTS, word_timestamps=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--variants", default="", help=f"'all' or some of: {', '.join(VARIANTS)}")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (smoke run)")
    args = parser.parse_args()
    rows = _manifest()[: args.limit or None]
    model_dir = str(ensure_bundled_model(Path.home() / ".cache" / "huashu-bench"))
    audio_seconds = sum(float(r["duration_s"]) for r in rows)
    print(f"{len(rows)} files, {audio_seconds:.0f} s of audio, {args.threads} threads\n")
    baseline = _measure(_plain_faster_whisper(model_dir, args.threads), rows, audio_seconds)
    _print("plain faster-whisper (baseline)", baseline, baseline)
    chosen = (
        list(VARIANTS) if args.variants == "all" else [v for v in args.variants.split(",") if v]
    )
    configs = {"huashu (defaults)": DEFAULTS, **{name: VARIANTS[name] for name in chosen}}
    for name, options in configs.items():
        transcriber = WhisperTranscriber(model_dir, cpu_threads=args.threads, options=options)
        _print(name, _measure(_huashu(transcriber), rows, audio_seconds), baseline)


def _manifest() -> list[dict[str, str]]:
    with (REAL / "manifest.tsv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _plain_faster_whisper(model_dir: str, threads: int) -> Callable[[Path], str]:
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)

    def run(path: Path) -> str:
        segments, _ = model.transcribe(str(path))
        return "".join(s.text for s in segments)

    return run


def _huashu(transcriber: WhisperTranscriber) -> Callable[[Path], str]:
    transcriber.transcribe(
        REAL / _manifest()[0]["file"], ChannelLayout.MONO
    )  # load the model first

    def run(path: Path) -> str:
        return "".join(s.text for s in transcriber.transcribe(path, ChannelLayout.MONO).segments)

    return run


def _measure(
    run: Callable[[Path], str], rows: list[dict[str, str]], audio_s: float
) -> tuple[float, float]:
    run(REAL / rows[0]["file"])  # warm-up, not timed
    errors = length = 0
    started = time.perf_counter()
    for row in rows:
        e, n = character_errors(row["reference_text"], run(REAL / row["file"]))
        errors, length = errors + e, length + n
    return (time.perf_counter() - started) / audio_s, errors / length


def _print(name: str, result: tuple[float, float], baseline: tuple[float, float]) -> None:
    rtf, cer = result
    print(
        f"{name:34s} RTF {rtf:.3f}  time ×{rtf / baseline[0]:.2f}  CER {cer:.3f}  CER ×{cer / baseline[1]:.2f}"
    )


if __name__ == "__main__":
    main()
