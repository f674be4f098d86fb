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
from api.security_headers import CSP, HEADERS, security_headers

__all__ = ["SecurityMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, cookie_name: str, sign_in_path: str, sign_out_path: str
    ) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.sessions_paths = (sign_in_path, sign_out_path)

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
        if scope["path"] in self.sessions_paths:
            return True  # else another site could sign the victim in as someone else, or out
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
                "headers": [(b"content-type", b"application/json"), *HEADERS,
                            (b"content-security-policy", CSP.encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(send: Send, path: str) -> Send:
    added = security_headers(path)
    replaced = {name for name, _ in added}

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if k not in replaced]
            message["headers"] = [*kept, *added]
        await send(message)

    return send_with_headers
