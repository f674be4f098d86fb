"""Serving a stored recording with HTTP Range support, from whatever store holds it.

A local file goes out through Starlette's FileResponse (which does Range itself); a recording
in a bucket is streamed by byte range, so the player can seek without the server fetching the
whole file first. One range per request: what audio players ask for.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from ingest.calls import AudioFile
from ingest.storage import AudioStore

__all__ = ["audio_response"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def audio_response(request: Request, store: AudioStore, audio: AudioFile) -> Response:
    local = store.local_path(audio.relative)
    if local is not None:
        return FileResponse(local, media_type=audio.media_type, filename=audio.download_name)
    span = _wanted(request.headers.get("range"), audio.size)
    if span is None:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{audio.size}"})
    start, end = span
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Content-Disposition": f"attachment; filename*=utf-8''{quote(audio.download_name)}",
    }
    partial = request.headers.get("range") is not None
    if partial:
        headers["Content-Range"] = f"bytes {start}-{end}/{audio.size}"
    body = store.read(audio.relative, start, end)
    return StreamingResponse(body, 206 if partial else 200, headers, audio.media_type)


def _wanted(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte span a Range header asks for; the whole file without one; None when
    it cannot be served (416)."""
    if header is None:
        return 0, size - 1
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        return max(size - int(last), 0), size - 1
    start, end = int(first), min(int(last) if last else size - 1, size - 1)
    return (start, end) if start <= end else None
