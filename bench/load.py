"""Load benchmark: many concurrent clients against a real `huashu serve` on loopback.

    .venv/bin/python bench/load.py                     # 100 clients for 60 s
    .venv/bin/python bench/load.py --clients 20 --seconds 15    # quick look
    .venv/bin/python bench/load.py --cluster           # against the local cluster

What it does:
1. Prepares a fresh data folder: the demo seed (`huashu seed`), and one API token per client,
   all idle (the case that used to turn every first read into a write).
2. Starts `huashu serve` on a free loopback port (the real process: SQLite, worker, model).
3. Runs `--clients` threads for `--seconds`. Each loops over a mix, with its own token: mostly
   reads (calls list, one call, rep metrics, who am I), now and then an upload of a short
   generated recording (different audio each time, so none is a duplicate), and one client
   imports a CSV of `--csv-rows` customers (60 000 by default) again 15 s after each import
   ends, and one writer posts a comment every second and saves a tracker every fifth time (a
   save that counted every call in the request held the write lock for seconds).
4. Prints the requests made, the count of each status class, accepted uploads per second, the
   CSV imports and their rows, p50/p95 of the reads and p95 of the writes made during the
   imports (goal: under 5 s). The baseline in the same run is GET
   /health from one client before the load starts.

With `--cluster` the same load runs against the local cluster (tests/cluster.py: PostgreSQL,
Redis, SeaweedFS, two API processes taking the clients in turn, two Celery workers), and at the
end every accepted upload must reach `done` (or `failed` with a reason) within 10 minutes.

Exits 1 if any response was a 5xx (or a request failed to connect), or (cluster) an accepted
call never finished, else 0.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auth.principal import Principal
from auth.tokens import create_token
from huashu.runtime import open_services
from huashu.seed import seed_demo
from huashu.settings import Settings
from models import session_scope

ROOT = Path(__file__).resolve().parents[1]
BENCH = Principal.system("bench")
ADMIN = "bench-admin-token-0123456789abcdef0123456789"


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    read_ms: list[float] = field(default_factory=list)
    uploads: int = 0
    call_ids: list[int] = field(default_factory=list)
    imported_rows: int = 0
    imports: int = 0
    write_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, read_ms: float | None = None, *, call_id: int | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if call_id is not None:
                self.uploads += 1
                self.call_ids.append(call_id)
            if read_ms is not None:
                self.read_ms.append(read_ms)


def prepare(folder: Path, clients: int, database_url: str | None = None) -> list[str]:
    settings = Settings(data_dir=folder, admin_token=ADMIN, database_url=database_url,
                        _env_file=None)  # fmt: skip
    services = open_services(settings)
    with session_scope(services.session_factory) as session:
        seed_demo(session, 2026, services.settings.funnel)
        tokens = [create_token(session, f"client {n}", "admin", BENCH)[1] for n in range(clients)]
    services.engine.dispose()
    return tokens


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The server runs this checkout's code, whichever checkout the virtual environment holds.
    env = {**os.environ, "HUASHU_DATA_DIR": str(folder), "HUASHU_ADMIN_TOKEN": ADMIN,
           "HUASHU_MODEL_CACHE_DIR": str(Path("data/models").resolve()), "PYTHONPATH": str(ROOT)}  # fmt: skip
    log = (folder / "server.log").open("wb")  # read it when something fails
    server = subprocess.Popen([sys.executable, "-m", "huashu.cli", "serve", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start within 5 minutes")


def recording(rng: random.Random) -> bytes:
    """Two seconds of tones and noise, different every time."""
    t = np.arange(32_000) / 16_000
    signal = 0.3 * np.sin(2 * np.pi * rng.uniform(150, 600) * t)
    signal += 0.05 * np.random.default_rng(rng.randrange(2**32)).standard_normal(t.size)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def client_loop(base: str, token: str, until: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    reads = ["/api/v1/calls?limit=20", "/api/v1/calls/1", "/api/v1/me",
             "/api/v1/metrics/reps?from=2026-01-01&to=2026-04-01"]  # fmt: skip
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        while time.monotonic() < until:
            try:
                if rng.random() < 0.05:
                    files = {"audio": ("load.wav", recording(rng), "audio/wav")}
                    response = http.post("/api/v1/calls", files=files)
                    accepted = response.status_code == 202
                    tally.add(
                        response.status_code, call_id=response.json()["id"] if accepted else None
                    )
                    continue
                started = time.perf_counter()
                response = http.get(rng.choice(reads))
                tally.add(response.status_code, (time.perf_counter() - started) * 1000)
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")


def importer_loop(base: str, token: str, until: float, rows: int, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    batch = 0
    with httpx.Client(base_url=base, headers=headers, timeout=300) as http:
        while time.monotonic() < until:
            batch += 1
            text = "company,external_id\n" + "".join(
                f"负载客户{batch}-{n},LOAD-{batch}-{n}\n" for n in range(rows)
            )
            files = {"file": ("customers.csv", text.encode(), "text/csv")}
            response = http.post("/api/v1/import/customers", files=files)
            tally.add(response.status_code)
            if response.status_code == 200:
                tally.imports += 1
                tally.imported_rows += response.json()["created"]
            time.sleep(15)


def writer_loop(base: str, token: str, until: float, tally: Tally) -> None:
    """Short writes while the imports run: a comment a second, a tracker saved every fifth."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        made = http.post("/api/v1/trackers", json={"name": "负载话题", "phrases": ["价格"]})
        tally.add(made.status_code)
        tracker = made.json().get("id") if made.status_code == 201 else None
        n = 0
        while time.monotonic() < until:
            n += 1
            started = time.perf_counter()
            try:
                if tracker is not None and n % 5 == 0:
                    body = {"name": "负载话题", "phrases": ["价格", f"预算{n}"]}
                    response = http.put(f"/api/v1/trackers/{tracker}", json=body)
                else:
                    response = http.post("/api/v1/calls/1/comments", json={"text": f"负载评论 {n}"})
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            tally.add(response.status_code)
            with tally.lock:
                tally.write_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(1.0)


def baseline_ms(base: str) -> float:
    times = []
    with httpx.Client(base_url=base) as http:
        for _ in range(30):
            started = time.perf_counter()
            http.get("/health")
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def load(bases: list[str], tokens: list[str], seconds: float, csv_rows: int) -> Tally:
    """Every client loops until the time is up; clients take the API processes in turn."""
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(bases[n % len(bases)], t, until, tally, n))
               for n, t in enumerate(tokens)]  # fmt: skip
    importer = (bases[0], tokens[0], until, csv_rows, tally)
    threads.append(threading.Thread(target=importer_loop, args=importer))
    threads.append(threading.Thread(target=writer_loop, args=(bases[-1], tokens[-1], until, tally)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def run(clients: int, seconds: float, csv_rows: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="huashu-load-")) / "data"
    tokens = prepare(folder, clients)
    server, base = start_server(folder)
    tally = Tally()
    try:
        health = baseline_ms(base)
        tally = load([base], tokens, seconds, csv_rows)
    finally:
        server.terminate()
        server.wait(30)
        failed = report(tally, clients, seconds, health, "`huashu serve` (SQLite)")
        if failed:
            print(f"server log: {folder / 'server.log'}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)
    return failed


def run_on_cluster(clients: int, seconds: float, csv_rows: int) -> int:
    from tests.cluster import cluster

    folder = Path(tempfile.mkdtemp(prefix="huashu-load-cluster-"))
    with cluster(folder, apis=2, workers=2) as running:
        tokens = prepare(folder / "seed", clients, running.env["HUASHU_DATABASE_URL"])
        bases = [url for _, url in running.apis]
        health = baseline_ms(bases[0])
        tally = load(bases, tokens, seconds, csv_rows)
        failed = report(tally, clients, seconds, health, "the cluster (2 APIs, 2 workers)")
        failed |= wait_finished(bases[0], tokens[0], tally.call_ids)
    print(f"logs: {folder}" if failed else "")
    if not failed:
        shutil.rmtree(folder, ignore_errors=True)
    return failed


def wait_finished(base: str, token: str, call_ids: list[int], seconds: float = 600) -> int:
    """1 unless every accepted call reaches done or failed in time; prints the tally."""
    started = time.monotonic()
    states: Counter[str] = Counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        while time.monotonic() - started < seconds:
            states = Counter(http.get(f"/api/v1/calls/{n}").json()["status"] for n in call_ids)
            if states["done"] + states["failed"] == len(call_ids):
                break
            time.sleep(5)
    unfinished = len(call_ids) - states["done"] - states["failed"]
    print(f"accepted calls: {len(call_ids)}, by state {dict(states)} "
          f"{time.monotonic() - started:.0f} s after the load ended")  # fmt: skip
    return 1 if unfinished else 0


def report(tally: Tally, clients: int, seconds: float, health_ms: float, target: str) -> int:
    classes = Counter(f"{status // 100}xx" for status in tally.statuses.elements())
    reads = sorted(tally.read_ms)
    p50 = statistics.median(reads) if reads else 0.0
    p95 = reads[int(0.95 * (len(reads) - 1))] if reads else 0.0
    print(f"{clients} clients for {seconds:.0f} s on loopback against {target}")
    print(f"requests: {sum(tally.statuses.values())}  by class: {dict(sorted(classes.items()))}")
    print(f"statuses: {dict(sorted(tally.statuses.items()))}")
    print(f"uploads accepted: {tally.uploads} ({tally.uploads / seconds:.2f}/s)")
    print(f"CSV imports: {tally.imports}, rows stored: {tally.imported_rows}")
    print(f"reads: {len(reads)}  p50 {p50:.0f} ms  p95 {p95:.0f} ms  "
          f"(GET /health alone, same run: {health_ms:.1f} ms; p95 = ×{p95 / health_ms:.0f})")  # fmt: skip
    writes = sorted(tally.write_ms)
    if writes:
        print(f"writes during the imports (comments, tracker saves): {len(writes)}  "
              f"p95 {writes[int(0.95 * (len(writes) - 1))]:.0f} ms  max {writes[-1]:.0f} ms")  # fmt: skip
    for error in tally.errors[:5]:
        print("client error:", error)
    failed = classes.get("5xx", 0) + len(tally.errors)
    print("OK: no 5xx" if not failed else f"FAILED: {failed} 5xx responses or failed requests")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--csv-rows", type=int, default=60_000)
    parser.add_argument("--cluster", action="store_true", help="against the local cluster")
    args = parser.parse_args()
    runner = run_on_cluster if args.cluster else run
    raise SystemExit(runner(args.clients, args.seconds, args.csv_rows))


if __name__ == "__main__":
    main()
