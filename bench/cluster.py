"""Cluster throughput: batches of calls through 1 and 2 real workers, or (`--simulate`) through
1, 2, 4 and 8 workers whose transcriber uses no CPU.

    .venv/bin/python bench/cluster.py                 # 8 calls a batch, workers pinned to cores
    .venv/bin/python bench/cluster.py --calls 4       # quicker
    .venv/bin/python bench/cluster.py --simulate      # 1, 2, 4, 8 simulated workers
    .venv/bin/python bench/cluster.py --simulate --workers 1,2 --calls-per-worker 2 --factor 0.02

One local cluster on loopback (tests/cluster.py: PostgreSQL, Redis, an S3 server, one API
process). For each worker count it starts workers up to that count, uploads a batch of distinct
recordings at once (the synthetic sales calls' stereo files, each copy at its own gain so none is
a duplicate; 8 uploading threads) and times from the first upload to the last call done. Per
batch it prints calls per second, the speed-up over one worker, and where the time went, read
from the jobs table: the workers' busy share (Σ job time ÷ workers × wall time), the mean wait
from upload to a worker's claim, and the mean job time.

Real workers (`huashu worker`, one Whisper thread each, pinned to cores 0 and 1 with taskset):
`--calls` calls per batch; goal ×1.8 with two. On a 2-core machine that is all the cores there
are, so this shows the CPU, not the coordination.

`--simulate` (the coordination): the workers are bench/simulated_worker.py — the real Celery
worker, job claims, storage reads, analysis and database writes, with a stand-in transcriber
that waits `--factor` × the audio's length and returns a fixed transcript. `--calls-per-worker`
× the worker count per batch, so every worker has the same work at every size. Goals: 2 workers
≥ ×1.9, 4 ≥ ×3.6, 8 ≥ ×6.5 one worker's throughput.

Exits 1 if a call fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.audio_files import CALLS, read_wav, write_wav
from tests.cluster import Cluster, cluster

SIMULATED_WORKER = Path(__file__).resolve().with_name("simulated_worker.py")
GOALS = {2: 1.9, 4: 3.6, 8: 6.5}
REAL_GOALS = {2: 1.8}


@dataclass(frozen=True)
class Batch:
    workers: int
    calls: int
    seconds: float  # first upload → last call done
    busy_share: float  # Σ job run time ÷ (workers × wall time)
    mean_wait_s: float  # upload accepted → a worker claimed the job
    mean_job_s: float  # claim → done
    connections: int  # PostgreSQL connections open at the end (max_connections is 100)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds


@dataclass(frozen=True)
class Plan:
    """How the workers are started and how many calls each batch gets."""

    counts: list[int]
    calls_for: Callable[[int], int]  # worker count → calls in its batch
    program: list[str] | None  # None: `huashu worker`
    pin: bool  # each worker on its own core
    goals: dict[int, float]


def recordings(folder: Path, count: int, first: int = 0) -> list[Path]:
    """`count` distinct stereo calls: the four synthetic ones, each copy at its own gain
    (numbered from `first`, so a later batch repeats no earlier recording)."""
    sources = sorted(CALLS.glob("dev*.stereo.wav"))
    made = []
    for n in range(first, first + count):
        samples, rate = read_wav(sources[n % len(sources)])
        made.append(write_wav(folder / f"call{n}.wav", samples * (0.5 + 0.001 * n), rate))
    return made


def measure(plan: Plan, folder: Path, env: dict[str, str] | None = None) -> list[Batch]:
    """One cluster; for each worker count, workers up to it, then a timed batch."""
    batches: list[Batch] = []
    made = 0
    with cluster(folder, apis=1, workers=0, env=env) as running:
        for count in plan.counts:
            for number in range(len(running.workers), count):
                cpu = number if plan.pin else None
                running.start_worker(number, cpu=cpu, program=plan.program)
            calls = recordings(folder, plan.calls_for(count), first=made)
            made += len(calls)
            batches.append(_timed_batch(running, count, calls))
            print(_row(batches[-1], batches[0], plan.goals), flush=True)
    return batches


def _timed_batch(running: Cluster, workers: int, calls: list[Path]) -> Batch:
    with running.http() as http, ThreadPoolExecutor(8) as uploads:
        started = time.monotonic()
        ids = list(uploads.map(lambda path: _upload(http, path), calls))
        while not all(_done(http, call_id) for call_id in ids):
            time.sleep(0.2)
        seconds = time.monotonic() - started
    waits, jobs, connections = _job_times(running, ids)
    return Batch(
        workers, len(ids), seconds, sum(jobs) / (workers * seconds),
        statistics.mean(waits), statistics.mean(jobs), connections,
    )  # fmt: skip


def _upload(http: httpx.Client, path: Path) -> int:
    with path.open("rb") as audio:
        response = http.post(
            "/api/v1/calls", data={"channels": "rep-left"},
            files={"audio": (path.name, audio, "audio/wav")},
        )  # fmt: skip
    response.raise_for_status()
    return int(response.json()["id"])


def _done(http: httpx.Client, call_id: int) -> bool:
    status = http.get(f"/api/v1/calls/{call_id}").json()["status"]
    if status == "failed":
        raise SystemExit(f"call {call_id} failed")
    return bool(status == "done")


def _job_times(running: Cluster, call_ids: list[int]) -> tuple[list[float], list[float], int]:
    """Per job: seconds from creation (the upload) to its claim, and from claim to done; and
    how many connections the database has open (every process keeps a pool of its own)."""
    import psycopg

    url = running.env["HUASHU_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT EXTRACT(EPOCH FROM started_at - created_at),"
            " EXTRACT(EPOCH FROM finished_at - started_at) FROM jobs WHERE call_id = ANY(%s)",
            (call_ids,),
        ).fetchall()
        open_now = connection.execute("SELECT count(*) FROM pg_stat_activity").fetchone()
    connections = int(open_now[0]) if open_now else 0
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows], connections


def _row(batch: Batch, one: Batch, goals: dict[int, float]) -> str:
    speedup = batch.per_second / one.per_second
    goal = f"(goal ≥ ×{goals[batch.workers]})" if batch.workers in goals else ""
    return (
        f"{batch.workers:2d} workers {batch.calls:4d} calls {batch.seconds:7.1f} s "
        f"{batch.per_second:6.3f} calls/s  ×{speedup:4.2f} {goal:15} "
        f"busy {batch.busy_share:4.0%}  wait {batch.mean_wait_s:6.1f} s  "
        f"job {batch.mean_job_s:6.2f} s  db connections {batch.connections:3d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8, help="calls per batch (real workers)")
    parser.add_argument("--simulate", action="store_true", help="workers that use no CPU")
    parser.add_argument("--workers", default="1,2,4,8", help="worker counts (--simulate)")
    parser.add_argument("--calls-per-worker", type=int, default=6, help="(--simulate)")
    parser.add_argument(
        "--factor", type=float, default=0.1, help="seconds waited per audio second (--simulate)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="huashu-cluster-bench-"))
    if args.simulate:
        print(f"simulated workers: {args.factor} s per audio second, "
              f"{args.calls_per_worker} calls per worker")  # fmt: skip
        counts = [int(n) for n in args.workers.split(",")]
        per_worker = args.calls_per_worker
        plan = Plan(counts, lambda n: per_worker * n, [str(SIMULATED_WORKER)], False, GOALS)
        env = {"HUASHU_SIMULATED_SECONDS_PER_AUDIO_SECOND": str(args.factor)}
        measure(plan, folder, env)
        return
    print(f"real workers, Whisper 1 thread each, pinned; {args.calls} stereo calls a batch")
    measure(Plan([1, 2], lambda _: args.calls, None, True, REAL_GOALS), folder)


if __name__ == "__main__":
    main()
