"""The cluster under faults: PostgreSQL, Redis, an S3 server, two API processes and two Celery
workers on loopback (tests/cluster.py), with the real model on real audio.

Nothing may be lost or done twice: a worker killed mid-transcription, Redis gone for 30 s while
uploads continue, PostgreSQL restarted mid-run. Each check counts the stored rows, not just
the statuses."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.audio_files import CALLS, REAL, read_wav, write_wav
from tests.cluster import Cluster, cluster
from tests.servers import start_redis

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        with cluster(tmp_path_factory.mktemp("cluster")) as started:
            yield started
    except RuntimeError as exc:  # a server this machine cannot run (not root, no package)
        pytest.skip(f"no local cluster: {exc}")


def _get(http: httpx.Client, path: str) -> Any:
    """GET that rides out a moment when the database or the API is away."""
    for _ in range(60):
        try:
            response = http.get(path)
            if response.status_code < 500:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"{path} never answered")


def _upload(http: httpx.Client, path: Path, **fields: str) -> int:
    with path.open("rb") as audio:
        response = http.post(
            "/api/v1/calls", data=fields, files={"audio": (path.name, audio, "audio/wav")}
        )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _wait_done(http: httpx.Client, call_id: int, seconds: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        call: dict[str, Any] = _get(http, f"/api/v1/calls/{call_id}")
        if call["status"] in ("done", "failed"):
            return call
        time.sleep(2)
    raise AssertionError(f"call {call_id} did not finish: {call}")


def _long_recording(folder: Path, seconds: float = 60.0) -> Path:
    """A minute of real speech (clips one after another), long enough to kill a worker in."""
    pieces, total = [], 0.0
    for clip in sorted(REAL.glob("aishell*.wav")) + sorted(REAL.glob("funasr_nano_far_*.wav")):
        samples, rate = read_wav(clip)
        if rate != 16_000 or samples.ndim != 1:
            continue
        pieces += [samples, np.zeros(8_000, dtype=np.float32)]
        total += len(samples) / rate + 0.5
        if total >= seconds:
            break
    return write_wav(folder / "long.wav", np.concatenate(pieces))


def _stored_once(
    call: dict[str, Any], transcript: dict[str, Any], analysis: dict[str, Any]
) -> None:
    assert call["status"] == "done", call
    starts = [(s["start"], s["speaker"]) for s in transcript["segments"]]
    assert len(starts) == len(set(starts)) and starts  # no segment stored twice
    indices = [t["index"] for t in analysis["turns"]]
    assert indices == list(range(len(indices)))


def test_one_api_takes_the_upload_the_other_serves_it(running: Cluster) -> None:
    with running.http(0) as first, running.http(1) as second:
        call_id = _upload(first, CALLS / "dev01.stereo.wav", channels="rep-left")
        call = _wait_done(second, call_id)
        transcript = _get(second, f"/api/v1/calls/{call_id}/transcript")
        _stored_once(call, transcript, _get(second, f"/api/v1/calls/{call_id}/analysis"))
        audio = second.get(f"/api/v1/calls/{call_id}/audio", headers={"Range": "bytes=0-43"})
        assert audio.status_code == 206 and audio.content[:4] == b"RIFF"  # from the bucket


def _worker_running(running: Cluster, marks: dict[int, int]) -> int:
    """The worker whose log shows a task received since `marks` (log sizes)."""
    for number in running.workers:
        log = (running.folder / f"worker{number}.log").read_bytes()
        if b"received" in log[marks.get(number, 0) :]:
            return number
    raise AssertionError("no worker took the task")


def test_a_worker_killed_mid_transcription_leaves_the_job_to_the_other(
    running: Cluster, tmp_path: Path
) -> None:
    with running.http(0) as http:
        rep = http.post("/api/v1/reps", json={"name": "王磊"}).json()["id"]
        customer = http.post(
            "/api/v1/customers", json={"company": "星河", "owner_rep_id": rep}
        ).json()["id"]
        marks = {n: (running.folder / f"worker{n}.log").stat().st_size for n in running.workers}
        call_id = _upload(
            http, _long_recording(tmp_path), rep_id=str(rep), customer_id=str(customer)
        )
        deadline = time.monotonic() + 300
        while _get(http, f"/api/v1/calls/{call_id}")["progress"] <= 0.05:
            assert time.monotonic() < deadline, "the transcription never got going"
            time.sleep(0.5)
        victim = _worker_running(running, marks)
        victim_log = running.folder / f"worker{victim}.log"
        before_kill = victim_log.read_bytes()
        running.kill_worker(victim)
        call = _wait_done(http, call_id)
        running.start_worker(victim)  # the cluster has two workers again for the next test
        assert victim_log.read_bytes().startswith(before_kill)  # the restart appended
        # the revival is in a log with its reason, and counted for Prometheus
        logs = b"".join(log.read_bytes() for log in running.folder.glob("*.log"))
        assert b"queued again" in logs and b"stopped answering" in logs
        again = re.search(r"^huashu_jobs_run_again (\S+)$", http.get("/metrics").text, re.M)
        assert again and float(again.group(1)) >= 1
        transcript = _get(http, f"/api/v1/calls/{call_id}/transcript")
        _stored_once(call, transcript, _get(http, f"/api/v1/calls/{call_id}/analysis"))
        follow_ups = _get(http, f"/api/v1/follow-ups?call_id={call_id}")["items"]
        assert len(follow_ups) == 1  # drafted once, by the run that finished


def test_uploads_keep_coming_while_redis_is_down_and_run_once_it_is_back(running: Cluster) -> None:
    port, folder = running.redis.port, running.folder / "redis"
    running.redis.stop()
    started, accepted = time.monotonic(), []
    with running.http(1) as http:
        for clip in ("dev02.mono.wav", "dev03.mono.wav", "dev04.mono.wav"):
            accepted.append(_upload(http, CALLS / clip))  # 202: the job waits in the database
            time.sleep(10)
        time.sleep(max(0.0, 30 - (time.monotonic() - started)))
        running.redis = start_redis(folder, port)
        for call_id in accepted:
            call = _wait_done(http, call_id)
            transcript = _get(http, f"/api/v1/calls/{call_id}/transcript")
            _stored_once(call, transcript, _get(http, f"/api/v1/calls/{call_id}/analysis"))


def test_a_postgresql_restart_mid_run_loses_and_doubles_nothing(
    running: Cluster, tmp_path: Path
) -> None:
    with running.http(0) as http:
        before = _get(http, "/api/v1/calls?limit=200")["total"]
        call_id = _upload(http, _long_recording(tmp_path, 40))
        while _get(http, f"/api/v1/calls/{call_id}")["status"] == "queued":
            time.sleep(0.5)
        running.postgres.restart()
        call = _wait_done(http, call_id)
        transcript = _get(http, f"/api/v1/calls/{call_id}/transcript")
        _stored_once(call, transcript, _get(http, f"/api/v1/calls/{call_id}/analysis"))
        assert _get(http, "/api/v1/calls?limit=200")["total"] == before + 1


def test_sigterm_stops_everything_the_cluster_script_started(tmp_path: Path) -> None:
    """`kill` of scripts/cluster (SIGTERM, as a supervisor sends) stops its PostgreSQL, Redis and
    S3 server as Ctrl-C does: before, they kept running. The services alone here, to be quick."""
    import signal
    import socket
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.cluster", str(tmp_path / "c"), "--apis", "0", "--workers", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    services = ""
    for line in process.stdout:
        services = line if line.startswith("services:") else services
        if line.startswith("logs:"):
            break
    ports = [int(p) for p in re.findall(r":(\d+)", services)]
    assert len(ports) == 3, services  # postgres, redis, s3

    def listening(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    assert all(listening(port) for port in ports)
    process.send_signal(signal.SIGTERM)
    assert process.wait(90) == 0
    deadline = time.monotonic() + 30
    while any(listening(port) for port in ports):
        assert time.monotonic() < deadline, [p for p in ports if listening(p)]
        time.sleep(0.5)
