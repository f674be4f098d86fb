"""The web UI: server-rendered page shells (Jinja2) whose data comes from the JSON API.

People sign in with a login name (or phone or e-mail) and a password; the browser then holds a
random session id in an HttpOnly, SameSite=Strict cookie, so the pages' fetch() calls and the
<audio> element are authenticated like any API client. Each page is open only to the roles
that may use it (others get a Chinese 403 page), and the templates show a control only when the
permission model lets the viewer use it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SESSION_COOKIE, CurrentPrincipal, SessionDep, StateDep
from api.state import AppState
from api.templating import ROLE_NAMES, STATIC_DIR, templates
from auth import permissions as p
from auth.accounts import SESSION_DAYS, account_named, end_session, sign_in, start_session
from auth.principal import Principal
from core.errors import TooManyRequests, Unauthorized
from core.types import Id
from ingest.calls import get_call
from models import User, session_scope

__all__ = ["STATIC_DIR", "router"]

router = APIRouter(prefix="/ui", include_in_schema=False)
_MAX_FIELD = 200
_MOST_SLOWDOWN_S, _SLOWDOWN_STEP_S = 5.0, 0.5


@router.get("/sign-in", response_class=HTMLResponse)
def read_sign_in(request: Request, error: str | None = None) -> Response:
    return templates.TemplateResponse(request, "sign_in.html", {"error": error})


@router.post("/sign-in")
async def create_sign_in(
    request: Request,
    login: Annotated[str, Form(max_length=_MAX_FIELD)],
    password: Annotated[str, Form(max_length=_MAX_FIELD)],
    state: StateDep,
) -> Response:
    """Wrong passwords count against the account at the client's address (10 a minute) and
    against the address for any account (50 a minute): over either, 429 with Retry-After. The
    account from anywhere is never locked (an attacker could lock its owner out), but each try
    at an account under attack waits longer (up to 5 s). The account is the person, whatever
    name (login, phone, e-mail) was typed."""
    address = request.client.host if request.client else "unknown"
    account = await run_in_threadpool(_account_key, state, login)
    counted = [(state.password_tries, f"{address}|{account}"),
               (state.password_addresses, address)]  # fmt: skip
    try:
        for throttle, key in counted:
            throttle.check(key)
    except TooManyRequests as exc:
        return _throttled(request, exc.retry_after)
    await asyncio.sleep(_slowdown(state.password_accounts.recent(account)))
    try:
        user_id = await run_in_threadpool(_checked_password, state, login, password)
    except Unauthorized:
        for throttle, key in [*counted, (state.password_accounts, account)]:
            throttle.fail(key)
        return RedirectResponse("/ui/sign-in?error=1", status_code=303)
    secret = await run_in_threadpool(_new_session, state, user_id)
    response = RedirectResponse("/ui/calls", status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict",
                        max_age=SESSION_DAYS * 86400)  # fmt: skip
    return response


def _account_key(state: AppState, login: str) -> str:
    with session_scope(state.session_factory, write=False) as session:
        user = account_named(session, login)
        return f"user:{user.id}" if user else f"name:{login.strip().lower()}"


def _slowdown(recent_failures: int) -> float:
    """Seconds a try at an account waits: none for its first 10 failures a minute, then 0.5 s
    more per failure, at most 5 s."""
    return min(_MOST_SLOWDOWN_S, max(0, recent_failures - 10) * _SLOWDOWN_STEP_S)


def _checked_password(state: AppState, login: str, password: str) -> int:
    # the password check (argon2, tens of ms) runs outside the write transaction
    with session_scope(state.session_factory, write=False) as session:
        return sign_in(session, login, password).id


def _new_session(state: AppState, user_id: int) -> str:
    with session_scope(state.session_factory) as session:
        return start_session(session, _user(session, user_id))


def _throttled(request: Request, retry_after: int) -> Response:
    context = {"error": "throttled", "wait": retry_after}
    return templates.TemplateResponse(request, "sign_in.html", context, status_code=429,
                                      headers={"Retry-After": str(retry_after)})  # fmt: skip


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:  # deleted between the two transactions
        raise Unauthorized("wrong login or password")
    return user


@router.post("/sign-out")
def delete_sign_in(request: Request, state: StateDep) -> Response:
    with session_scope(state.session_factory) as session:
        end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# Each page and the action a viewer needs to open it (None: everyone signed in).
_PAGES: dict[str, tuple[str, p.Action | None]] = {
    "dashboard": ("dashboard.html", p.READ_METRICS),
    "team": ("team.html", p.READ_TARGETS),  # managers and admins: the team side by side
    "playlists": ("playlists.html", p.READ_PLAYLISTS),
    "feedback": ("feedback.html", p.APPEAL_REVIEWS),
    "qa": ("qa.html", p.READ_QA_REPORTS),
    "qa-rules": ("qa_rules.html", p.READ_QA_RULES),
    "scorecard": ("scorecard.html", p.EDIT_SCORECARD),
    "opportunities": ("opportunities.html", p.READ_OPPORTUNITIES),
    "follow-ups": ("follow_ups.html", p.READ_FOLLOW_UPS),
    "targets": ("targets.html", p.READ_TARGETS),
    "users": ("users.html", p.MANAGE_USERS),
    "password": ("password.html", p.CHANGE_PASSWORD),
    "search": ("search.html", p.SEARCH_CALLS),
    "trackers": ("trackers.html", p.READ_TRACKERS),
    "review": ("review.html", p.CORRECT_LABELS),  # the labels the model was least sure of
}


def _page_route(name: str, template: str, action: p.Action | None) -> None:
    def read_page(request: Request, principal: CurrentPrincipal) -> Response:
        if action is not None:
            p.authorize(principal, action)
        return _page(request, template, principal)

    read_page.__name__ = f"read_{name.replace('-', '_')}_page"
    router.add_api_route(f"/{name}", read_page, methods=["GET"], response_class=HTMLResponse)


for _name, (_template, _action) in _PAGES.items():
    _page_route(_name, _template, _action)


@router.get("/calls", response_class=HTMLResponse)
def read_calls_page(request: Request, state: StateDep, principal: CurrentPrincipal) -> Response:
    """The calls and the upload form, which says the limits before anyone waits on a big file."""
    settings = state.settings
    return _page(request, "calls.html", principal,
                 max_upload_bytes=settings.max_upload_bytes,
                 max_upload_mb=settings.max_upload_mb,
                 max_call_minutes=settings.max_call_minutes)  # fmt: skip


@router.get("/customers", response_class=HTMLResponse)
def read_customers_page(request: Request, state: StateDep, principal: CurrentPrincipal) -> Response:
    """Customers; the page says how their value segments were worked out (sales/rfm.py)."""
    p.authorize(principal, p.READ_CUSTOMERS)
    settings = state.settings
    rfm = {"frequency_days": settings.rfm_frequency_days, "min_customers": settings.rfm_min_customers,
           "high_value": settings.rfm_high_value_yuan}  # fmt: skip
    return _page(request, "customers.html", principal, rfm=rfm)


@router.get("/vocabulary", response_class=HTMLResponse)
def read_vocabulary_page(
    request: Request, state: StateDep, principal: CurrentPrincipal
) -> Response:
    p.authorize(principal, p.READ_VOCABULARY)
    return _page(request, "vocabulary.html", principal,
                 learn_after_calls=state.settings.learn_after_calls)  # fmt: skip


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def read_call_page(
    request: Request, call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    get_call(session, call_id, principal)  # a call the viewer may not open has no page either
    return _page(request, "call.html", principal, call_id=call_id)


def _page(request: Request, template: str, principal: Principal, **context: object) -> Response:
    who = {
        "name": principal.name,
        "role": principal.role,
        "role_name": ROLE_NAMES.get(principal.role, ""),
        "user_id": principal.user_id,
        "rep_id": principal.rep_id,
        "team_id": principal.team_id,
    }
    can = {action.key: p.scope_of(principal, action) is not None for action in p.ACTIONS}
    return templates.TemplateResponse(request, template, {"who": who, "can": can, **context})
