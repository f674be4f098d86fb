"""Every script in bench/ starts and finishes on a tiny input, so that a change to the settings,
a route or a service cannot silently break a benchmark. These run the scripts as a person would
(`python bench/x.py …`) and check that each printed its figures and exited 0; the figures
themselves are the benchmarks' business, not the suite's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.audio_files import CALLS

BENCH = Path(__file__).resolve().parents[1] / "bench"
# Every script a person runs; bench/simulated_worker.py is started by cluster.py --simulate.
SMOKE = {
    "analysis.py": (["--minutes", "1", "--audio", str(CALLS / "dev04.stereo.wav")],
                    "analysis / transcription:"),
    "asr.py": (["--suites", "clips,service", "--limit", "1"], "upload to done"),
    "cluster.py": (["--simulate", "--workers", "1,2", "--calls-per-worker", "1",
                    "--factor", "0.02"], " 2 workers "),
    "load.py": (["--clients", "3", "--seconds", "4", "--csv-rows", "20"], "5xx"),
    "memory.py": (["--hours", "0.01", "--no-hostile"], "stereo call, 0.01 h"),
    "metrics.py": (["--calls", "300", "--turns-per-call", "3", "--opportunities", "60",
                    "--reps", "20", "--repeat", "2", "--customers", "200"], "/customers?segment"),
    "search.py": (["--calls", "300", "--turns-per-call", "3", "--opportunities", "60",
                   "--reps", "20", "--repeat", "2", "--baseline-repeat", "1"], "价格"),
}  # fmt: skip
USES_THE_MODEL = {"analysis.py", "asr.py", "load.py", "memory.py"}


def test_every_bench_script_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - {"simulated_worker.py"}
    assert scripts == set(SMOKE)


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, marks=pytest.mark.model) if s in USES_THE_MODEL else s for s in SMOKE],
)
def test_bench_runs_on_a_tiny_input(script: str, tmp_path: Path) -> None:
    arguments, expected = SMOKE[script]
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert expected in output, output[-3000:]
