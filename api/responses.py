"""The error answers every API route may give, documented once for all of them in the OpenAPI
schema (each with the one error shape, `ErrorOut`), so a client, or schemathesis, finds every
status a route can return: a route's own `responses=` adds what is particular to it."""

from __future__ import annotations

from typing import Any

from api.errors import ErrorOut

__all__ = ["ERROR_RESPONSES"]

_WHEN = {
    400: "A malformed request (an upload cut off, an empty file).",
    401: "No token or session, or a wrong one.",
    403: "Signed in, but not allowed this (role or scope), or a write from another site.",
    404: "No such record, or one you may not see.",
    409: "A clash with what is stored (a taken name, a record still referenced, not ready yet).",
    413: "Over a size limit (upload, CSV file, recording length).",
    415: "Not an audio file.",
    422: "A field or parameter is wrong; `field` names it.",
    429: "Too many failed sign-ins or tries; `Retry-After` says when to try again.",
    500: "Unexpected: the answer carries a request id that the server log has too.",
    503: "The audio store or the database cannot be reached.",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _WHEN.items()
}
