"""Cluster throughput: the same batch of calls through one worker, then through two.

    .venv/bin/python bench/cluster.py                 # 8 calls, workers pinned to cores 0 and 1
    .venv/bin/python bench/cluster.py --calls 4       # quicker

What it does: starts a local cluster on loopback (tests/cluster.py: PostgreSQL, Redis, an S3
server, one API process, Celery workers with one Whisper thread each), uploads `--calls`
recordings (the synthetic sales calls' stereo files, made distinct by a tiny gain change so
none is a duplicate), and times from the first upload to the last call done. Then the same with
two workers, each pinned to its own core (taskset), in a fresh cluster. Prints calls per hour
for each and the ratio. The goal is a ratio of at least 1.8.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.audio_files import CALLS, read_wav, write_wav
from tests.cluster import cluster


def recordings(folder: Path, count: int) -> list[Path]:
    """`count` distinct stereo calls: the four synthetic ones, each copy a little louder."""
    sources = sorted(CALLS.glob("dev*.stereo.wav"))
    made = []
    for n in range(count):
        samples, rate = read_wav(sources[n % len(sources)])
        made.append(write_wav(folder / f"call{n}.wav", samples * (0.9 + 0.01 * n), rate))
    return made


def run_batch(workers: int, calls: list[Path], folder: Path) -> float:
    """Seconds from the first upload to the last call done, with `workers` pinned workers."""
    with cluster(folder, apis=1, workers=0) as running:
        for number in range(workers):
            running.start_worker(number, cpu=number)
        with running.http() as http:
            started = time.monotonic()
            ids = [_upload(http, path) for path in calls]
            while not all(_done(http, call_id) for call_id in ids):
                time.sleep(1)
            return time.monotonic() - started


def _upload(http: object, path: Path) -> int:
    with path.open("rb") as audio:
        response = http.post(  # type: ignore[attr-defined]
            "/api/v1/calls", data={"channels": "rep-left"},
            files={"audio": (path.name, audio, "audio/wav")},
        )  # fmt: skip
    response.raise_for_status()
    return int(response.json()["id"])


def _done(http: object, call_id: int) -> bool:
    status = http.get(f"/api/v1/calls/{call_id}").json()["status"]  # type: ignore[attr-defined]
    if status == "failed":
        raise SystemExit(f"call {call_id} failed")
    return bool(status == "done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="huashu-cluster-bench-"))
    calls = recordings(folder, args.calls)
    audio_s = sum(len(samples) / rate for samples, rate in map(read_wav, calls))
    one = run_batch(1, calls, folder / "one")
    two = run_batch(2, calls, folder / "two")
    print(f"{args.calls} stereo calls, {audio_s:.0f} s of audio; Whisper 1 thread per worker")
    for label, seconds in (("1 worker (core 0)", one), ("2 workers (cores 0, 1)", two)):
        print(f"{label:24} {seconds:7.1f} s  {3600 * args.calls / seconds:7.1f} calls/hour")
    print(f"throughput ratio: ×{one / two:.2f} (goal ≥ 1.8)")


if __name__ == "__main__":
    main()
