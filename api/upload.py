"""Streaming multipart reader for uploads: the audio goes straight to the store's incoming
folder, hashed and size-checked chunk by chunk, never held whole in memory or in /tmp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from core.errors import InvalidInput, PayloadTooLarge, UploadInterrupted
from ingest.storage import AudioStore, IncomingAudio

__all__ = ["ReceivedUpload", "receive_upload"]

AUDIO_FIELD = "audio"
_MAX_FIELD_BYTES = 4096
_MAX_FIELDS = 32
_FORM_OVERHEAD = 64 * 1024  # room for the text fields and multipart framing


@dataclass
class ReceivedUpload:
    fields: dict[str, str] = field(default_factory=dict)
    incoming: IncomingAudio | None = None
    filename: str | None = None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    data: bytearray = field(default_factory=bytearray)
    is_file: bool = False


class _UploadParser:
    """Callbacks for python-multipart; file chunks are queued and written off the event loop."""

    def __init__(self, store: AudioStore, max_bytes: int) -> None:
        self.result = ReceivedUpload()
        self.pending: list[bytes] = []
        self._store = store
        self._max_bytes = max_bytes
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        }

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part.headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._part.headers.get(b"content-disposition", b""))
        self._part.name = _utf8(options.get(b"name", b""), "a form field name")
        if b"filename" not in options:
            return
        if self._part.name != AUDIO_FIELD or self.result.incoming is not None:
            raise InvalidInput(
                f"send exactly one file, in the field {AUDIO_FIELD!r}", field=AUDIO_FIELD
            )
        self._part.is_file = True
        self.result.filename = _utf8(options[b"filename"], "the file name")
        self.result.incoming = self._store.receive(self._max_bytes)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self.pending.append(data[start:end])
            return
        self._part.data.extend(data[start:end])
        if len(self._part.data) > _MAX_FIELD_BYTES:
            raise InvalidInput(f"the field {self._part.name!r} is too long", field=self._part.name)

    def _on_part_end(self) -> None:
        if self._part.is_file:
            return
        if len(self.result.fields) >= _MAX_FIELDS:
            raise InvalidInput("too many form fields")
        self.result.fields[self._part.name] = _utf8(
            bytes(self._part.data), f"the field {self._part.name!r}"
        )


async def receive_upload(
    content_type: str,
    content_length: int | None,
    body: AsyncIterator[bytes],
    store: AudioStore,
    max_bytes: int,
) -> ReceivedUpload:
    """Parse a multipart body; on any error the partly received file is deleted."""
    if content_length is not None and content_length > max_bytes + _FORM_OVERHEAD:
        raise PayloadTooLarge(
            f"the upload is larger than the limit of {max_bytes // (1024 * 1024)} MB"
        )
    parser = _UploadParser(store, max_bytes)
    try:
        await _feed(parser, _boundary(content_type), body)
    except BaseException:
        if parser.result.incoming is not None:
            parser.result.incoming.discard()
        raise
    if parser.result.incoming is None:
        raise InvalidInput(
            f"no file: send the recording in the multipart field {AUDIO_FIELD!r}", field=AUDIO_FIELD
        )
    return parser.result


async def _feed(parser: _UploadParser, boundary: bytes, body: AsyncIterator[bytes]) -> None:
    multipart = MultipartParser(boundary, parser.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            multipart.write(chunk)
            await _flush(parser)
        multipart.finalize()
    except FormParserError as exc:
        raise InvalidInput(f"malformed multipart body: {exc}") from exc
    except ClientDisconnect:  # a reload or a closed tab mid-upload: the partial file goes
        raise UploadInterrupted("the upload was interrupted; nothing was stored") from None
    await _flush(parser)


async def _flush(parser: _UploadParser) -> None:
    incoming = parser.result.incoming
    if incoming is None or not parser.pending:
        return
    chunks, parser.pending = parser.pending, []
    await run_in_threadpool(_write_all, incoming, chunks)


def _write_all(incoming: IncomingAudio, chunks: list[bytes]) -> None:
    for chunk in chunks:
        incoming.write(chunk)


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise InvalidInput(
            "send the upload as multipart/form-data with the file in the field 'audio'"
        )
    return bytes(options[b"boundary"])


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} is not valid UTF-8", field=AUDIO_FIELD) from None
