"""Request dependencies: the unit of work (commit or roll back), the caller, the app state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.state import AppState
from auth.principal import Principal
from auth.tokens import authenticate
from ingest.storage import AudioStore
from models import session_scope

__all__ = [
    "SESSION_COOKIE",
    "CurrentPrincipal",
    "SessionDep",
    "StateDep",
    "StoreDep",
    "get_session",
    "get_state",
]

_bearer = HTTPBearer(auto_error=False, description="A token from `huashu token create`.")


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.huashu
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with session_scope(state.session_factory) as session:
        yield session


# scope="function": commit right after the route returns, before the response is sent, so a
# client never sees an id the database has not stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_store(state: StateDep) -> AudioStore:
    return state.store


StoreDep = Annotated[AudioStore, Depends(get_store)]


SESSION_COOKIE = "huashu_token"


def get_principal(
    request: Request,
    state: StateDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from the Authorization header or, for the web UI, its sign-in cookie (an
    <audio> element cannot send headers). The cookie is HttpOnly and SameSite=Strict."""
    admin = state.settings.admin_token
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    return authenticate(session, token, admin.get_secret_value() if admin else None)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
