"""Cluster throughput: the same batch of calls through one worker, then through two; or, with
`--simulate`, through 1, 2, 4 and 8 workers whose transcriber uses no CPU.

    .venv/bin/python bench/cluster.py                 # 8 calls, workers pinned to cores 0 and 1
    .venv/bin/python bench/cluster.py --calls 4       # quicker
    .venv/bin/python bench/cluster.py --simulate      # 1, 2, 4, 8 simulated workers
    .venv/bin/python bench/cluster.py --simulate --workers 1,2 --calls-per-worker 2 --factor 0.02

What it does: starts a local cluster on loopback (tests/cluster.py: PostgreSQL, Redis, an S3
server, one API process, Celery workers with one Whisper thread each), uploads `--calls`
recordings (the synthetic sales calls' stereo files, made distinct by a tiny gain change so
none is a duplicate), and times from the first upload to the last call done. Then the same with
two workers, each pinned to its own core (taskset), in a fresh cluster. Prints calls per hour
for each and the ratio. The goal is a ratio of at least 1.8.

`--simulate` (the coordination, not the CPU): one cluster (the real API, PostgreSQL, Redis, the
S3 server) whose workers are bench/simulated_worker.py — the real Celery worker, job claims,
storage reads, analysis and database writes, with a stand-in transcriber that waits `--factor`
× the audio's length and returns a fixed transcript. For each worker count it starts workers
up to that count, uploads `--calls-per-worker` × count distinct recordings at once (8 threads),
and times from the first upload to the last call done. Per run it prints calls per second, the
speed-up over one worker, and where the time went, from the jobs table: the workers' busy share
(job run time ÷ workers × wall time), the mean wait from upload to a worker's claim, and the
mean job time (the wait is `--factor` × audio; the rest is storage, analysis and writes).
Goals: 2 workers ≥ ×1.9, 4 ≥ ×3.6, 8 ≥ ×6.5 one worker's throughput. Exits 1 if a call fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.audio_files import CALLS, read_wav, write_wav
from tests.cluster import Cluster, cluster

SIMULATED_WORKER = Path(__file__).resolve().with_name("simulated_worker.py")
GOALS = {2: 1.9, 4: 3.6, 8: 6.5}


def recordings(folder: Path, count: int, first: int = 0) -> list[Path]:
    """`count` distinct stereo calls: the four synthetic ones, each copy a little louder (numbers
    from `first`, so later batches are not duplicates of earlier ones)."""
    sources = sorted(CALLS.glob("dev*.stereo.wav"))
    made = []
    for n in range(first, first + count):
        samples, rate = read_wav(sources[n % len(sources)])
        made.append(write_wav(folder / f"call{n}.wav", samples * (0.5 + 0.001 * n), rate))
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


@dataclass(frozen=True)
class SimulatedRun:
    workers: int
    calls: int
    seconds: float
    busy_share: float  # Σ job run time ÷ (workers × wall time)
    mean_wait_s: float  # upload accepted → a worker claimed the job
    mean_job_s: float  # claim → done

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds


def simulate(counts: list[int], per_worker: int, factor: float, folder: Path) -> list[SimulatedRun]:
    env = {"HUASHU_SIMULATED_SECONDS_PER_AUDIO_SECOND": str(factor)}
    runs, made = [], 0
    with cluster(folder, apis=1, workers=0, env=env) as running:
        for count in counts:
            for number in range(len(running.workers), count):
                running.start_worker(number, program=[str(SIMULATED_WORKER)])
            calls = recordings(folder, per_worker * count, first=made)
            made += len(calls)
            runs.append(_simulated_batch(running, count, calls))
            print(_row(runs[-1], runs[0]), flush=True)
    return runs


def _simulated_batch(running: Cluster, workers: int, calls: list[Path]) -> SimulatedRun:
    with running.http() as http, ThreadPoolExecutor(8) as uploads:
        started = time.monotonic()
        ids = list(uploads.map(lambda path: _upload(http, path), calls))
        while not all(_done(http, call_id) for call_id in ids):
            time.sleep(0.2)
        seconds = time.monotonic() - started
    waits, runs = _job_times(running, ids)
    busy = sum(runs) / (workers * seconds)
    return SimulatedRun(
        workers, len(ids), seconds, busy, statistics.mean(waits), statistics.mean(runs)
    )


def _job_times(running: Cluster, call_ids: list[int]) -> tuple[list[float], list[float]]:
    """Per job: seconds from creation (the upload) to its claim, and from claim to done."""
    import psycopg

    url = running.env["HUASHU_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT EXTRACT(EPOCH FROM started_at - created_at),"
            " EXTRACT(EPOCH FROM finished_at - started_at) FROM jobs WHERE call_id = ANY(%s)",
            (call_ids,),
        ).fetchall()
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


def _row(run: SimulatedRun, one: SimulatedRun) -> str:
    speedup = run.per_second / one.per_second
    goal = f"(goal ≥ ×{GOALS[run.workers]})" if run.workers in GOALS else ""
    return (
        f"{run.workers:2d} workers {run.calls:4d} calls {run.seconds:7.1f} s "
        f"{run.per_second:6.2f} calls/s  ×{speedup:4.2f} {goal:15} busy {run.busy_share:4.0%}  "
        f"wait {run.mean_wait_s:5.1f} s  job {run.mean_job_s:5.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--simulate", action="store_true", help="workers that use no CPU")
    parser.add_argument("--workers", default="1,2,4,8", help="worker counts (--simulate)")
    parser.add_argument("--calls-per-worker", type=int, default=6, help="(--simulate)")
    parser.add_argument(
        "--factor", type=float, default=0.1, help="seconds waited per audio second (--simulate)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="huashu-cluster-bench-"))
    if args.simulate:
        counts = [int(n) for n in args.workers.split(",")]
        print(f"simulated workers: {args.factor} s per audio second, "
              f"{args.calls_per_worker} calls per worker")  # fmt: skip
        simulate(counts, args.calls_per_worker, args.factor, folder)
        return
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
