"""Memory benchmark: peak RSS of transcribing long stereo calls, each in a fresh process.

    python bench/memory.py                    # 30 min, 2 h and 4 h calls + two hostile files
    python bench/memory.py --hours 0.5,1      # other lengths
    python bench/memory.py --speech-every 30  # denser speech (slower: more to decode)

Each call is synthesised at bench time in a temp folder (16 kHz stereo WAV, written block by
block): real clips from ../shared/audio/real taking turns left and right, one every
`--speech-every` seconds, with -50 dBFS line noise everywhere in between (so the quiet side is
not digital silence and the VAD has work to do). Peak RSS is the child's VmHWM: everything the
process ever held, model included. The hostile files are those of issue 9: a WAV declaring a
1 Hz sample rate (refused from its header) and a 6-hour silent FLAC (transcribed: no speech).
"""

from __future__ import annotations

import argparse
import csv
import json
import struct
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "audio" / "real"
RATE = 16_000

# Runs in the child: transcribe one file with the bundled model, print what happened as JSON.
_CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from asr import ASRError, AudioLimits, ChannelLayout, WhisperTranscriber, ensure_bundled_model

def peak_rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

model = str(ensure_bundled_model(Path.home() / ".cache" / "huashu-bench"))
transcriber = WhisperTranscriber(model, cpu_threads=int(sys.argv[4]))
transcriber.load()
loaded = peak_rss_mb()
started = time.perf_counter()
try:
    t = transcriber.transcribe(Path(sys.argv[2]), ChannelLayout(sys.argv[3]), limits=AudioLimits())
    outcome = f"{len(t.segments)} segments, {t.duration:.0f} s"
except ASRError as exc:
    outcome = f"refused: {exc}"
print(json.dumps({"loaded_mb": loaded, "peak_mb": peak_rss_mb(), "outcome": outcome,
                  "seconds": time.perf_counter() - started}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--hours", default="0.5,2,4")
    parser.add_argument("--speech-every", type=float, default=60.0, help="seconds between clips")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-hostile", action="store_true")
    args = parser.parse_args()
    print(f"{args.threads} threads; one clip every {args.speech_every:.0f} s per call\n")
    with tempfile.TemporaryDirectory(prefix="huashu-memory-") as tmp:
        for hours in (float(h) for h in args.hours.split(",")):
            path = _long_call(Path(tmp) / f"call-{hours}h.wav", hours, args.speech_every)
            _report(f"stereo call, {hours:g} h", path, "rep-left", hours * 3600, args.threads)
            path.unlink()
        if not args.no_hostile:
            _report("WAV declaring 1 Hz", _one_hertz_wav(Path(tmp)), "mono", 0, args.threads)
            flac = _silent_flac(Path(tmp), hours=6)
            _report("silent FLAC, 6 h", flac, "mono", 6 * 3600, args.threads)


def _report(name: str, path: Path, layout: str, seconds: float, threads: int) -> None:
    size_mb = path.stat().st_size / 2**20
    cmd = [sys.executable, "-c", _CHILD, str(ROOT), str(path), layout, str(threads)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"{name:24s} FAILED: {result.stderr.strip().splitlines()[-1:]}", flush=True)
        return
    r = json.loads(result.stdout.strip().splitlines()[-1])
    rtf = f"RTF {r['seconds'] / seconds:.4f}" if seconds else ""
    print(
        f"{name:24s} file {size_mb:7.0f} MB  model loaded {r['loaded_mb']:5.0f} MB  "
        f"peak RSS {r['peak_mb']:5.0f} MB  {r['seconds']:6.0f} s {rtf}  {r['outcome']}",
        flush=True,
    )


def _clips() -> list[np.ndarray]:
    with (REAL / "manifest.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    clips = []
    for row in rows:
        with wave.open(str(REAL / row["file"]), "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        clips.append(pcm.astype(np.float32) / 32767)
    return clips


def _long_call(path: Path, hours: float, speech_every: float) -> Path:
    """Clips taking turns left/right every `speech_every` s, line noise throughout."""
    rng = np.random.default_rng(11)
    clips = _clips()
    total = int(hours * 3600 * RATE)
    slot = int(speech_every * RATE)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for turn, start in enumerate(range(0, total, slot)):
            block = rng.normal(0, 0.003, (min(slot, total - start), 2)).astype(np.float32)
            clip = clips[turn % len(clips)][: len(block)]
            block[: len(clip), turn % 2] += clip
            out.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def _one_hertz_wav(folder: Path) -> Path:
    """20 KB of PCM whose header says 1 sample per second: 10 000 s."""
    data = np.zeros(10_000, dtype="<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, 1, 2, 2, 16)
    riff = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data))
    path = folder / "one-hertz.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff) + len(data)) + riff + data)
    return path


def _silent_flac(folder: Path, hours: float) -> Path:
    import av

    path = folder / "silent.flac"
    frame_samples = RATE * 10
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        silence = np.zeros((1, frame_samples), dtype=np.int16)
        for index in range(int(hours * 3600 / 10)):
            frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="mono")
            frame.sample_rate, frame.pts = RATE, index * frame_samples
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
