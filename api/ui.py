"""The web UI: server-rendered page shells (Jinja2) whose data comes from the JSON API.

Sign-in takes a token and keeps it in an HttpOnly, SameSite=Strict cookie, so the pages' fetch()
calls and the <audio> element are authenticated like any API client. Every page checks the
caller's role through the same API the pages call, so the UI can show nothing the API refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import SESSION_COOKIE, CurrentPrincipal, SessionDep, StateDep, check_token
from core.errors import Unauthorized
from ingest.calls import get_call
from models import session_scope

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
STATIC_DIR = Path(__file__).with_name("static")
_ROLE_NAMES = {"admin": "管理员", "manager": "销售经理", "rep": "销售代表", "qa": "质检员"}


@router.get("/sign-in", response_class=HTMLResponse)
def read_sign_in(request: Request, error: str | None = None) -> Response:
    return templates.TemplateResponse(request, "sign_in.html", {"error": error})


@router.post("/sign-in")
def create_sign_in(request: Request, token: Annotated[str, Form()], state: StateDep) -> Response:
    """Too many wrong tokens from one address get 429 (with Retry-After), not another try."""
    try:
        with session_scope(state.session_factory, write=False) as session:
            check_token(request, state, session, token.strip())
    except Unauthorized:
        return RedirectResponse("/ui/sign-in?error=1", status_code=303)
    response = RedirectResponse("/ui/calls", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token.strip(), httponly=True, samesite="strict", max_age=30 * 86400
    )
    return response


@router.post("/sign-out")
def delete_sign_in() -> Response:
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/calls", response_class=HTMLResponse)
def read_calls_page(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "calls.html", principal)


@router.get("/dashboard", response_class=HTMLResponse)
def read_dashboard_page(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "dashboard.html", principal, rep_id=principal.rep_id)


@router.get("/playlists", response_class=HTMLResponse)
def read_playlists_page(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "playlists.html", principal)


@router.get("/feedback", response_class=HTMLResponse)
def read_feedback_page(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "feedback.html", principal)


@router.get("/qa", response_class=HTMLResponse)
def read_qa_page(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "qa.html", principal)


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def read_call_page(
    request: Request, call_id: int, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    get_call(session, call_id, principal)  # a call the viewer may not open has no page either
    return _page(request, "call.html", principal, call_id=call_id)


def _page(
    request: Request, template: str, principal: CurrentPrincipal, **context: object
) -> Response:
    who = {
        "name": principal.name,
        "role": principal.role,
        "role_name": _ROLE_NAMES.get(principal.role, ""),
    }
    return templates.TemplateResponse(request, template, {"who": who, **context})
