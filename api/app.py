"""The FastAPI application. HTTP only: routes call services, errors map in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api import ui
from api.errors import install_error_handlers
from api.routes import auth, coaching, crm, health, ingest, qa, sales
from api.state import AppState

__all__ = ["create_app"]


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
        try:
            yield
        finally:
            if on_shutdown:
                on_shutdown()

    app = FastAPI(title="Huashu 话术", version="0.1.0", lifespan=lifespan)
    app.state.huashu = state
    install_error_handlers(app)
    app.include_router(health.router)
    for router in (ingest.router, crm.router, sales.router, coaching.router,
                   qa.router, auth.router, ui.router):  # fmt: skip
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=ui.STATIC_DIR), name="static")
    app.add_api_route("/", lambda: RedirectResponse("/ui/calls"), include_in_schema=False)
    return app
