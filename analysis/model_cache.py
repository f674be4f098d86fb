"""Fitted classifiers kept on disk, keyed by a hash of everything that decides them.

Training both classifiers takes seconds (tens under load), and every process that analyses
text needs them: the service at start, each worker, each test process. A fitted classifier is
a pure function of its training samples, its labels, its settings, the tokenizer's dictionaries,
the library's own code and the versions of scikit-learn and jieba — so those are hashed into
the key, and a change to any of them trains afresh instead of reading a stale model.

Stored as plain arrays (`numpy.savez`, read back with `allow_pickle=False`): a cache file can
be deleted at any time, and reading one never runs code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from analysis.classifier import ClassifierState, Sample, TurnClassifier

__all__ = ["cache_key", "fit_cached"]

_LIBRARY = Path(__file__).parent


def fit_cached(
    cache_dir: Path | None,
    key: str,
    tokenize: Callable[[str], list[str]],
    fit: Callable[[], TurnClassifier],
) -> TurnClassifier:
    """The classifier stored under `key` in `cache_dir`, else `fit()`'s, stored for next time.
    With no `cache_dir`, always `fit()`. A file that cannot be read is trained over."""
    if cache_dir is None:
        return fit()
    path = cache_dir / f"classifier-{key}.npz"
    state = _read(path)
    if state is not None:
        return TurnClassifier.from_state(tokenize, state)
    classifier = fit()
    _write(path, classifier.state())
    return classifier


def cache_key(
    samples: Sequence[Sample], labels: Sequence[str], settings: object, dictionaries: Iterable[Path]
) -> str:
    """A hash of the training data, the classifier's settings, the tokenizer's dictionaries,
    this library's source and the versions of the libraries that fit and tokenize."""
    digest = hashlib.sha256()
    digest.update(_library_fingerprint().encode())
    digest.update(json.dumps([[t, sorted(n)] for t, n in samples], ensure_ascii=False).encode())
    digest.update(json.dumps(list(labels), ensure_ascii=False).encode())
    digest.update(repr(settings).encode())
    for dictionary in dictionaries:
        digest.update(dictionary.read_bytes())
    return digest.hexdigest()[:32]


@cache
def _library_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("scikit-learn", "jieba", "numpy"):
        digest.update(f"{name}={metadata.version(name)};".encode())
    for source in sorted([*_LIBRARY.glob("*.py"), *_LIBRARY.glob("data/*")]):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _read(path: Path) -> ClassifierState | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            values: dict[str, Any] = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile):
        return None  # missing, half-written by a crashed process, or from another layout
    names = {f.name for f in fields(ClassifierState)}
    if set(values) != names:
        return None
    values["feature_weight"] = float(values["feature_weight"])
    return ClassifierState(**values)


def _write(path: Path, state: ClassifierState) -> None:
    """Written beside its place, then renamed: a reader sees the whole file or none."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return  # a read-only disk costs the next start a training, nothing more
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **{f.name: getattr(state, f.name) for f in fields(ClassifierState)})
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)  # a full disk: leave no half-written file
