"""The audio store: content-addressed files under one folder, written atomically.

Uploads stream into `.incoming/` (same file system, so the final move is an atomic rename)
while being hashed and counted; nothing reaches its final name before it has been validated.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from core.errors import EmptyUpload, PayloadTooLarge

__all__ = ["AudioStore", "IncomingAudio"]


class IncomingAudio:
    """A file being received: write chunks, then either `AudioStore.keep` it or `discard` it."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
        self._file = os.fdopen(fd, "wb")
        self.path = Path(name)
        self.size = 0
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise PayloadTooLarge(
                f"the file is larger than the upload limit of {self._max_bytes // (1024 * 1024)} MB"
            )
        self._digest.update(chunk)
        self._file.write(chunk)

    def finish(self) -> str:
        """Close the file and return its SHA-256; an empty upload is an error."""
        self._file.close()
        if self.size == 0:
            raise EmptyUpload("the uploaded file is empty")
        return self._digest.hexdigest()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> IncomingAudio:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.discard()


class AudioStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming_dir = root / ".incoming"
        self.incoming_dir.mkdir(parents=True, exist_ok=True)

    def receive(self, max_bytes: int) -> IncomingAudio:
        return IncomingAudio(self.incoming_dir, max_bytes)

    def keep(self, incoming: IncomingAudio, sha256: str, extension: str) -> str:
        """Move a validated upload to its content address; returns the path relative to root."""
        relative = f"{sha256[:2]}/{sha256}.{extension}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(incoming.path, target)
        return relative

    def path_of(self, relative: str) -> Path:
        return self.root / relative

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def clear_incoming(self) -> int:
        """Delete uploads left half-received by a crash; returns how many were removed."""
        leftovers = list(self.incoming_dir.glob("*.part"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)
