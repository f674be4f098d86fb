"""The audio store: content-addressed recordings behind one interface, in a local folder (the
default) or in an S3-compatible bucket.

Uploads always stream into a local `.incoming/` folder first, hashed and counted as they arrive:
a file is checked (decoded end to end) before it reaches its final name, and only then moved
(same file system: an atomic rename) or uploaded to the bucket (multipart, streamed from disk).
Readers get byte ranges (the audio player seeks) or, for the worker, a local file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from core.errors import EmptyUpload, PayloadTooLarge, StorageUnavailable

__all__ = [
    "AudioStore",
    "IncomingAudio",
    "LocalAudioStore",
    "S3AudioStore",
    "content_address",
]

_CHUNK = 1 << 20


def content_address(sha256: str, extension: str) -> str:
    """Where a recording lives in any store: `ab/abcd….wav`."""
    return f"{sha256[:2]}/{sha256}.{extension}"


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


class AudioStore(ABC):
    """Where recordings live. `relative` is always a `content_address`."""

    def __init__(self, incoming_dir: Path) -> None:
        self.incoming_dir = incoming_dir
        self.incoming_dir.mkdir(parents=True, exist_ok=True)

    def receive(self, max_bytes: int) -> IncomingAudio:
        return IncomingAudio(self.incoming_dir, max_bytes)

    def clear_incoming(self) -> int:
        """Delete uploads left half-received by a crash (and copies a crashed worker fetched);
        returns how many were removed."""
        leftovers = list(self.incoming_dir.glob("*.part"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        for folder in self.incoming_dir.glob("work-*"):
            shutil.rmtree(folder, ignore_errors=True)
        return len(leftovers)

    @abstractmethod
    def keep(self, incoming: IncomingAudio, relative: str) -> None:
        """Put a checked upload at its address (the incoming file is gone afterwards)."""

    @abstractmethod
    def exists(self, relative: str) -> bool: ...

    @abstractmethod
    def size(self, relative: str) -> int | None:
        """The stored file's size in bytes; None when it is missing."""

    @abstractmethod
    def read(self, relative: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes start…end (inclusive), in chunks: what a Range request asks for."""

    @abstractmethod
    def remove(self, relative: str) -> None: ...

    @abstractmethod
    def stored(self) -> list[str]:
        """Every stored recording's address (for checks and `huashu doctor`; not a hot path)."""

    @abstractmethod
    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        """A local file with the recording for as long as the block runs (the worker's input)."""

    def local_path(self, relative: str) -> Path | None:
        """The file itself when it is on this machine (served without copying), else None."""
        return None


class LocalAudioStore(AudioStore):
    """A folder on this machine (the default: DATA_DIR/audio)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root / ".incoming")
        self.root = root

    def keep(self, incoming: IncomingAudio, relative: str) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(incoming.path, target)

    def exists(self, relative: str) -> bool:
        return (self.root / relative).is_file()

    def size(self, relative: str) -> int | None:
        path = self.root / relative
        return path.stat().st_size if path.is_file() else None

    def read(self, relative: str, start: int, end: int) -> Iterator[bytes]:
        with (self.root / relative).open("rb") as stored:
            stored.seek(start)
            left = end - start + 1
            while left > 0 and (chunk := stored.read(min(_CHUNK, left))):
                left -= len(chunk)
                yield chunk

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def stored(self) -> list[str]:
        files = (p for p in self.root.rglob("*") if p.is_file())
        return sorted(
            p.relative_to(self.root).as_posix() for p in files if p.parent != self.incoming_dir
        )

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        yield self.root / relative

    def local_path(self, relative: str) -> Path | None:
        return self.root / relative


class S3AudioStore(AudioStore):
    """An S3-compatible bucket (AWS S3, MinIO, SeaweedFS…) through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str, incoming_dir: Path) -> None:
        super().__init__(incoming_dir)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def keep(self, incoming: IncomingAudio, relative: str) -> None:
        with _unavailable_as_503("store the recording"):
            self.client.upload_file(str(incoming.path), self.bucket, self._key(relative))
        incoming.path.unlink(missing_ok=True)

    def exists(self, relative: str) -> bool:
        return self.size(relative) is not None

    def size(self, relative: str) -> int | None:
        with _unavailable_as_503("read the recording"):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(relative))
            except self.client.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
        return int(head["ContentLength"])

    def read(self, relative: str, start: int, end: int) -> Iterator[bytes]:
        with _unavailable_as_503("read the recording"):
            body = self.client.get_object(
                Bucket=self.bucket, Key=self._key(relative), Range=f"bytes={start}-{end}"
            )["Body"]
        yield from body.iter_chunks(_CHUNK)

    def remove(self, relative: str) -> None:
        with _unavailable_as_503("delete the recording"):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(relative))

    def stored(self) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        return sorted(o["Key"][len(start) :] for page in pages for o in page.get("Contents", []))

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(dir=self.incoming_dir, prefix="work-"))
        try:
            path = folder / Path(relative).name
            with _unavailable_as_503("fetch the recording"):
                self.client.download_file(self.bucket, self._key(relative), str(path))
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _unavailable_as_503(doing: str) -> Iterator[None]:
    """Any failure to reach the bucket (connection, endpoint, credentials) is one clear 503."""
    from botocore.exceptions import BotoCoreError, ClientError  # boto3 only when S3 is used

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in (
            "404",
            "NoSuchKey",
            "NotFound",
        ):
            raise
        raise StorageUnavailable(
            f"the audio store is unavailable, could not {doing}: {exc}"
        ) from exc
