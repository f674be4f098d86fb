"""One handler turns every service error into a JSON response with its HTTP status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from core.errors import HuashuError, Unauthorized

__all__ = ["install_error_handlers"]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HuashuError, _handle_huashu_error)  # type: ignore[arg-type]


async def _handle_huashu_error(request: Request, exc: HuashuError) -> Response:
    if isinstance(exc, Unauthorized) and request.url.path.startswith("/ui/"):
        return RedirectResponse("/ui/sign-in", status_code=303)  # a person, not an API client
    body: dict[str, str] = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
