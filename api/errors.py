"""One handler turns every service error into a JSON response with its HTTP status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ingest.errors import HuashuError, Unauthorized

__all__ = ["install_error_handlers"]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HuashuError, _handle_huashu_error)  # type: ignore[arg-type]


async def _handle_huashu_error(_request: Request, exc: HuashuError) -> JSONResponse:
    body: dict[str, str] = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
