"""The FastAPI application. HTTP only: routes call services, errors map in one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import ui
from api.deps import SESSION_COOKIE
from api.errors import install_error_handlers, use_our_error_schema
from api.metrics import RequestTimer, build_registry
from api.responses import ERROR_RESPONSES
from api.routes import auth, coaching, crm, docs, health, ingest, qa, sales, search, vocabulary
from api.security import SecurityMiddleware
from api.state import AppState

__all__ = ["create_app"]

_log = logging.getLogger("huashu.api")
_TOKEN_USAGE_FLUSH_S = 60.0  # when tokens were last used is written at most this often


async def _flush_token_usage(state: AppState) -> None:
    while True:
        await asyncio.sleep(_TOKEN_USAGE_FLUSH_S)
        try:
            await run_in_threadpool(state.token_usage.flush, state.session_factory)
        except Exception:  # the database may be busy; the next round writes it
            _log.warning("could not record when tokens were last used", exc_info=True)


def create_app(
    state: AppState,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the app around a ready `AppState`; the hooks start and stop the job worker."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if on_startup:
            on_startup()
        flusher = asyncio.create_task(_flush_token_usage(state))
        try:
            yield
        finally:
            flusher.cancel()
            await run_in_threadpool(state.token_usage.flush, state.session_factory)
            if on_shutdown:
                on_shutdown()

    app = FastAPI(
        title="Huashu 话术", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.huashu = state
    install_error_handlers(app)
    use_our_error_schema(app)
    app.add_middleware(SecurityMiddleware, cookie_name=SESSION_COOKIE, sign_in_path="/ui/sign-in",
                       sign_out_path="/ui/sign-out")  # fmt: skip
    app.state.metrics_registry, latency = build_registry(state.session_factory)
    app.add_middleware(RequestTimer, histogram=latency)
    if state.settings.proxies:  # outermost: everything after sees the client behind the proxy
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=state.settings.proxies)
    for router in (health.router, ingest.router, crm.router, sales.router, coaching.router,
                   qa.router, search.router, vocabulary.router, auth.router):  # fmt: skip
        app.include_router(router, responses=ERROR_RESPONSES)
    for router in (ui.router, docs.router):  # pages: not in the API schema
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=ui.STATIC_DIR), name="static")
    app.mount("/docs-assets", StaticFiles(directory=docs.DOCS_ASSETS), name="docs-assets")
    app.add_api_route("/", lambda: RedirectResponse("/ui/calls"), include_in_schema=False)
    return app
