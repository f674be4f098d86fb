"""Bulk ingest of a folder exported from a call system: each file in its own transaction, so
one bad file is reported and skipped without touching the others."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from auth.principal import Principal
from core.errors import HuashuError
from ingest.calls import DEFAULT_RULES, CallMetadata, IntakeRules, clean_filename, create_call
from ingest.storage import AudioStore
from models import SessionFactory, session_scope

__all__ = ["FileOutcome", "FolderReport", "Outcome", "find_files", "ingest_file", "ingest_folder"]

_COPY_CHUNK = 1 << 20


class Outcome(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    outcome: Outcome
    call_id: int | None = None
    reason: str | None = None


@dataclass
class FolderReport:
    files: list[FileOutcome] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome is outcome]


def find_files(directory: Path) -> list[Path]:
    """Every regular file below `directory`, skipping hidden files and folders, in name order."""
    return sorted(_walk(directory))


def _walk(directory: Path) -> Iterator[Path]:
    for entry in directory.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def ingest_file(
    factory: SessionFactory,
    store: AudioStore,
    path: Path,
    meta: CallMetadata,
    uploader: Principal,
    *,
    max_bytes: int,
    rules: IntakeRules = DEFAULT_RULES,
) -> FileOutcome:
    try:
        with session_scope(factory) as session, store.receive(max_bytes) as incoming:
            _copy_into(path, incoming.write)
            named = replace(meta, original_filename=clean_filename(path.name))
            created = create_call(session, store, incoming, named, uploader, rules)
    except HuashuError as exc:
        return FileOutcome(path, Outcome.REJECTED, reason=exc.message)
    except OSError as exc:
        return FileOutcome(path, Outcome.REJECTED, reason=f"cannot read the file: {exc.strerror}")
    outcome = Outcome.ADDED if created.created else Outcome.DUPLICATE
    return FileOutcome(path, outcome, call_id=created.call.id)


def ingest_folder(
    factory: SessionFactory,
    store: AudioStore,
    directory: Path,
    meta: CallMetadata,
    uploader: Principal,
    *,
    max_bytes: int,
    rules: IntakeRules = DEFAULT_RULES,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> FolderReport:
    report = FolderReport()
    for path in find_files(directory):
        outcome = ingest_file(
            factory, store, path, meta, uploader, max_bytes=max_bytes, rules=rules
        )
        report.files.append(outcome)
        if on_file:
            on_file(outcome)
    return report


def _copy_into(path: Path, write: Callable[[bytes], None]) -> None:
    with path.open("rb") as source:
        while chunk := source.read(_COPY_CHUNK):
            write(chunk)
