"""A whole Huashu cluster on loopback, from Debian and PyPI packages only: PostgreSQL, Redis,
an S3 server (SeaweedFS), API processes (`huashu serve`) and Celery workers (`huashu worker`).
Used by tests/test_cluster.py and bench/cluster.py; `scripts/cluster` starts one by hand."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.servers import (
    Postgres,
    Redis,
    S3Server,
    free_port,
    start_postgres,
    start_redis,
    start_s3,
)

__all__ = ["TOKEN", "Cluster", "cluster"]

TOKEN = "cluster-admin-token-0123456789abcdef0123456789"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Cluster:
    folder: Path
    postgres: Postgres
    redis: Redis
    s3: S3Server
    env: dict[str, str]
    apis: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def http(self, api: int = 0) -> httpx.Client:
        return httpx.Client(base_url=self.apis[api][1], timeout=120,
                            headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip

    def start_api(self) -> str:
        port = free_port()
        serve = ["-m", "huashu.cli", "serve", "--port", str(port)]
        process = self._spawn(f"api{len(self.apis)}", serve)
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _healthy(url), 300, f"API on {port}", process)
        self.apis.append((process, url))
        return url

    def start_worker(
        self, number: int, cpu: int | None = None, program: list[str] | None = None
    ) -> None:
        """A Celery worker, pinned to one core when `cpu` is given (taskset). `program`: another
        script to run with Python instead of `huashu worker` (bench/simulated_worker.py)."""
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        command = program or ["-m", "huashu.cli", "worker", "--pool", "solo"]
        log = self.folder / f"worker{number}.log"
        earlier = log.stat().st_size if log.exists() else 0  # a restart appends to the log
        process = self._spawn(f"worker{number}", command, pin)
        ready = re.compile(r"@\S+ ready\.")  # Celery's own words once it takes tasks
        _wait(lambda: ready.search(log.read_bytes()[earlier:].decode(errors="replace")), 300,
              f"worker {number}", process)  # fmt: skip
        self.workers[number] = process

    def kill_worker(self, number: int) -> None:
        """kill -9, the way a machine or a process dies: nothing gets to clean up."""
        process = self.workers.pop(number)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def stop(self) -> None:
        for process in [*self.workers.values(), *(p for p, _ in self.apis)]:
            _terminate(process)
        for server in (self.s3, self.redis, self.postgres):
            with suppress(Exception):  # already stopped by a test
                server.stop()

    def _spawn(
        self, name: str, args: list[str], prefix: list[str] | None = None
    ) -> subprocess.Popen[bytes]:
        env = {**self.env, "HUASHU_DATA_DIR": str(self.folder / name)}
        log = (self.folder / f"{name}.log").open("ab")  # a restart's lines follow the last run's
        command = [*(prefix or []), sys.executable, *args]
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(ready: object, seconds: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} was not ready within {seconds:.0f} s")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _create_database(postgres: Postgres, name: str) -> str:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{postgres.port}/postgres",
                         autocommit=True) as connection:  # fmt: skip
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/{name}"


def _environment(postgres: Postgres, redis: Redis, s3: S3Server) -> dict[str, str]:
    return {
        **os.environ,
        "HUASHU_DATABASE_URL": _create_database(postgres, "huashu"),
        "HUASHU_BROKER_URL": redis.url,
        "HUASHU_STORAGE_URL": "s3://huashu-cluster/audio",
        "HUASHU_S3_ENDPOINT_URL": s3.endpoint,
        "HUASHU_S3_ACCESS_KEY": "cluster",
        "HUASHU_S3_SECRET_KEY": "cluster",
        "HUASHU_ADMIN_TOKEN": TOKEN,
        "HUASHU_MODEL_CACHE_DIR": str(REPO / "data" / "models"),
        "HUASHU_WHISPER_THREADS": "1",
        "HUASHU_JOB_RETRY_DELAY_S": "2",
        "HUASHU_JOB_STALE_AFTER_S": "20",
        "HUASHU_JOB_RECONCILE_EVERY_S": "3",
    }


@contextmanager
def cluster(
    folder: Path, apis: int = 2, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """`env`: more settings for every process (HUASHU_…), over the cluster's own."""
    postgres = start_postgres()
    redis = start_redis(folder / "redis")
    s3 = start_s3(folder / "s3")
    environment = {**_environment(postgres, redis, s3), **(env or {})}
    running = Cluster(folder, postgres, redis, s3, environment)
    try:
        for _ in range(apis):
            running.start_api()
        for number in range(workers):
            running.start_worker(number)
        yield running
    finally:
        running.stop()


def main() -> None:
    """`python -m tests.cluster FOLDER [--apis N] [--workers N]`: start a cluster, print where it
    is, run until Ctrl-C or SIGTERM, then stop everything it started."""
    parser = argparse.ArgumentParser(prog="scripts/cluster")
    parser.add_argument("folder", nargs="?", default="cluster-data")
    parser.add_argument("--apis", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(args.folder).resolve()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops everything, as Ctrl-C does
    try:  # an interrupt at any moment, starting up included, stops what was started
        with cluster(folder, apis=args.apis, workers=args.workers) as running:
            print(f"services: postgres :{running.postgres.port} redis :{running.redis.port} "
                  f"s3 {running.s3.endpoint}", flush=True)  # fmt: skip
            print("APIs:", ", ".join(url for _, url in running.apis), f"token: {TOKEN}",
                  flush=True)  # fmt: skip
            print("logs:", folder, flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
