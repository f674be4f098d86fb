"""What keeps other sites out: security headers on every response, and a same-origin check on
every request that changes something on the strength of the sign-in cookie (sign-in included).

A browser attaches our SameSite=Strict cookie to requests from any page of the same site, and
"site" ignores the port: a page on another port of this host could post as the signed-in user.
Such a request carries an Origin (or Referer) that is not ours; it is refused with 403. API
clients that send `Authorization: Bearer` are not cookie-driven and are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from api.errors import error_body

__all__ = ["SecurityMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API docs pages (Swagger UI, ReDoc) set styles inline and ReDoc runs a worker from a blob;
# still no inline or foreign script.
_DOCS_CSP = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, cookie_name: str, sign_in_path: str) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.sign_in_path = sign_in_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if self._needs_same_origin(scope, headers) and not _same_origin(scope, headers):
            await _refuse(send)
            return
        await self.app(scope, receive, _with_security_headers(send, scope["path"]))

    def _needs_same_origin(self, scope: Scope, headers: dict[str, str]) -> bool:
        if scope["method"] in _SAFE_METHODS:
            return False
        if scope["path"] == self.sign_in_path:
            return True  # else another site could sign the victim in as someone else
        cookie_driven = f"{self.cookie_name}=" in headers.get("cookie", "")
        return cookie_driven and "authorization" not in headers


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _same_origin(scope: Scope, headers: dict[str, str]) -> bool:
    """The request's Origin (or, failing that, Referer) is this server's own scheme and host."""
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return False
    claimed = urlsplit(source)
    return (claimed.scheme, claimed.netloc) == (scope.get("scheme", "http"), headers.get("host"))


async def _refuse(send: Send) -> None:
    body = json.dumps(
        error_body("this request came from another site and was refused", "cross_site")
    ).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), *_HEADERS,
                            (b"content-security-policy", _CSP.encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(send: Send, path: str) -> Send:
    policy = (_DOCS_CSP if path in ("/docs", "/redoc") else _CSP).encode()
    # Pages and API answers hold a signed-in person's data: never kept by the browser, so Back
    # after 退出 at a shared desk shows nothing of the last user. Only the static files
    # (scripts, styles: the same for everyone) may be cached.
    shared = path.startswith(("/static/", "/docs-assets/"))
    caching = [] if shared else [(b"cache-control", b"no-store")]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [
                (k, v)
                for k, v in message.get("headers", [])
                if not caching or k != b"cache-control"
            ]
            message["headers"] = [*kept, *_HEADERS, *caching,
                                  (b"content-security-policy", policy)]  # fmt: skip
        await send(message)

    return send_with_headers
