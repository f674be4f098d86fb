"""Request dependencies: the unit of work (commit or roll back), the caller, the app state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.state import AppState
from auth.accounts import session_principal
from auth.principal import Principal
from auth.tokens import authenticate
from core.errors import Unauthorized
from ingest.storage import AudioStore
from models import session_scope

__all__ = [
    "SESSION_COOKIE",
    "CurrentPrincipal",
    "SessionDep",
    "StateDep",
    "StoreDep",
    "check_token",
    "get_session",
    "get_state",
]

_bearer = HTTPBearer(auto_error=False, description="A token from `huashu token create`.")


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.huashu
    return state


StateDep = Annotated[AppState, Depends(get_state)]


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request, state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.
    Requests that may write take the database's write lock up front (models.begin_writing)."""
    writes = request.method not in _READS
    with session_scope(state.session_factory, write=writes) as session:
        yield session


# scope="function": commit right after the route returns, before the response is sent, so a
# client never sees an id the database has not stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_store(state: StateDep) -> AudioStore:
    return state.store


StoreDep = Annotated[AudioStore, Depends(get_store)]


SESSION_COOKIE = "huashu_session"


def get_principal(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from the Authorization header (API tokens) or, for the web UI, its session
    cookie (an <audio> element cannot send headers). The cookie is HttpOnly and SameSite=Strict
    and holds a random session id. Read in a short session of its own, so it never waits for
    (or holds) a writing request's lock."""
    cookie = request.cookies.get(SESSION_COOKIE)
    with session_scope(state.session_factory, write=False) as session:
        if credentials is None and cookie:
            return session_principal(session, cookie)
        token = credentials.credentials if credentials else None
        principal = check_token(request, state, session, token)
    state.token_usage.record(principal.token_id)
    return principal


def check_token(
    request: Request, state: AppState, session: Session, token: str | None
) -> Principal:
    """Authenticate a token; wrong ones count against the client's address (429 when too many).
    A valid token always works: others' failures from the same address never lock it out."""
    client = f"client:{request.client.host}" if request.client else None
    admin = state.settings.admin_token
    try:
        return authenticate(session, token, admin.get_secret_value() if admin else None)
    except Unauthorized:
        if token:  # a missing token is a person not signed in yet, not a guess
            state.sign_ins.check(client)
            state.sign_ins.fail(client)
        raise


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
