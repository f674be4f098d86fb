"""The headers every answer carries (pages, API, errors): no framing, no sniffing, a strict
content security policy, and no caching of anything but the static files."""

from __future__ import annotations

__all__ = ["CSP", "HEADERS", "security_headers"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API docs pages (Swagger UI, ReDoc) set styles inline and ReDoc runs a worker from a blob;
# still no inline or foreign script.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The headers for an answer at `path`."""
    policy = (DOCS_CSP if path in ("/docs", "/redoc") else CSP).encode()
    # Pages and API answers hold a signed-in person's data: never kept by the browser, so Back
    # after 退出 at a shared desk shows nothing of the last user. Only the static files
    # (scripts, styles: the same for everyone) may be cached.
    shared = path.startswith(("/static/", "/docs-assets/"))
    caching = [] if shared else [(b"cache-control", b"no-store")]
    return [*HEADERS, *caching, (b"content-security-policy", policy)]
