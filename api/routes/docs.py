"""The API's own documentation pages, /docs (Swagger UI) and /redoc, with every asset served by
this server (from the fastapi-offline package): they work offline, load nothing from a CDN, and
satisfy the Content-Security-Policy (no inline script)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

__all__ = ["DOCS_ASSETS", "router"]

DOCS_ASSETS = Path(fastapi_offline.__file__).with_name("static")
router = APIRouter(include_in_schema=False)
_templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


@router.get("/docs", response_class=HTMLResponse)
def read_swagger_docs(request: Request) -> Response:
    return _templates.TemplateResponse(request, "docs_swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def read_redoc_docs(request: Request) -> Response:
    return _templates.TemplateResponse(request, "docs_redoc.html")
