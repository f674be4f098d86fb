"""Every error leaves as one JSON shape, `{"detail", "code", "field"}`: the service errors with
their own status, FastAPI's validation errors as 422 naming the first bad field, Starlette's
404/405 for unknown paths and methods, and anything unexpected as 500 `internal_error` with a
request id that the log line of its traceback carries too."""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.security_headers import security_headers
from api.templating import error_page, wants_page
from core.errors import HuashuError, TooManyRequests, Unauthorized

__all__ = ["ErrorOut", "error_body", "install_error_handlers", "use_our_error_schema"]

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


_log = logging.getLogger("huashu.api")


def install_error_handlers(app: FastAPI) -> None:
    # Exception: Starlette's outermost middleware answers with it, outside every other
    # middleware, so the handler adds the security headers itself.
    app.add_exception_handler(Exception, _handle_unexpected_error)
    app.add_exception_handler(HuashuError, _handle_huashu_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)  # type: ignore[arg-type]


class ErrorOut(BaseModel):
    """Every error response: what went wrong, a stable code, and the field at fault if any."""

    detail: str
    code: str
    field: str | None = None


def use_our_error_schema(app: FastAPI) -> None:
    """FastAPI documents its own list-shaped 422 body; ours is `ErrorOut`, so say that."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # built once, then cached by FastAPI
            schemas = build().setdefault("components", {}).setdefault("schemas", {})
            schemas["HTTPValidationError"] = ErrorOut.model_json_schema()
            schemas.pop("ValidationError", None)
        return cast(dict[str, Any], app.openapi_schema)

    app.openapi = openapi  # type: ignore[method-assign]


def error_body(detail: str, code: str, field: str | None = None) -> dict[str, str]:
    body = {"detail": detail, "code": code}
    if field:
        body["field"] = field
    return body


async def _handle_huashu_error(request: Request, exc: HuashuError) -> Response:
    if isinstance(exc, Unauthorized) and request.url.path.startswith("/ui/"):
        return RedirectResponse("/ui/sign-in", status_code=303)  # a person, not an API client
    if wants_page(request):
        return error_page(request, exc.status_code)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    body = error_body(exc.message, exc.code, exc.field)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _handle_validation_error(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI lists every problem; we name the first, with where it is, like our own errors."""
    if wants_page(request):
        return error_page(request, 422)
    first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(where) or None
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    detail = f"{field}: {message}" if field else message
    return JSONResponse(error_body(detail, "invalid_input", field), status_code=422)


async def _handle_unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    _log.error("request %s %s %s failed", request_id, request.method, request.url.path,
               exc_info=exc)  # fmt: skip
    body = error_body(f"internal error (request {request_id})", "internal_error")
    body["request_id"] = request_id
    response = JSONResponse(body, status_code=500)
    for name, value in security_headers(request.url.path):
        response.headers[name.decode()] = value.decode()
    return response


async def _handle_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if wants_page(request):
        return error_page(request, exc.status_code)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(str(exc.detail), code), status_code=exc.status_code, headers=exc.headers
    )
