"""Users and API tokens: create, check, list, revoke. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth.accounts import check_role, user_principal
from auth.permissions import MANAGE_USERS, authorize
from auth.principal import Principal
from core.errors import InvalidInput, NotFound, Unauthorized
from models import (
    ApiToken,
    Rep,
    Role,
    SessionFactory,
    Team,
    User,
    session_scope,
    utcnow,
)

__all__ = [
    "TokenInfo",
    "TokenUsage",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
]

_TOKEN_PREFIX = "hs_"


def create_token(
    session: Session,
    name: str,
    role: str,
    principal: Principal,
    *,
    rep_id: int | None = None,
    team_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A new user with `role` and a token for them; the token is returned once, never stored."""
    authorize(principal, MANAGE_USERS)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a token needs a name of 1 to 100 characters", field="name")
    check_role(session, role, rep_id, team_id)
    # Only a rep user points at a rep record and only a manager at a team (as for accounts).
    rep_id, team_id = (
        (rep_id if role == Role.REP else None),
        (team_id if role == Role.MANAGER else None),
    )
    user = User(name=name, role=role, rep_id=rep_id, team_id=team_id)
    session.add(user)
    session.flush()
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=_hash(token), user_id=user.id)
    session.add(row)
    session.flush()
    return row, token


def authenticate(session: Session, token: str | None, admin_token: str | None) -> Principal:
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal(token_id=None, name="admin (HUASHU_ADMIN_TOKEN)", role=Role.ADMIN)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is not None and not user.active:
        raise Unauthorized("this user is deactivated")
    if user is None:  # tokens from before users existed were admin tokens
        return Principal(token_id=row.id, name=row.name, role=row.role)
    return user_principal(session, user, row.id)


class TokenUsage:
    """When each token was last used, kept in memory and written in one batch now and then: a
    request that only reads must not write (on SQLite every write waits for the one lock)."""

    def __init__(self) -> None:
        self._last_used: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def record(self, token_id: int | None) -> None:
        if token_id is not None:
            with self._lock:
                self._last_used[token_id] = utcnow()

    def flush(self, factory: SessionFactory) -> int:
        """Write what was recorded since the last flush; returns how many tokens it touched."""
        with self._lock:
            pending, self._last_used = self._last_used, {}
        if pending:
            with session_scope(factory) as session:
                for token_id, when in pending.items():
                    session.execute(
                        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when)
                    )
        return len(pending)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as its list shows it: never the token, but whose it is (rep and team)."""

    id: int
    name: str
    role: str
    user_id: int | None
    rep_id: int | None
    rep: str | None
    team_id: int | None
    team: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(session: Session, principal: Principal) -> list[TokenInfo]:
    authorize(principal, MANAGE_USERS)
    rows = session.scalars(select(ApiToken).order_by(ApiToken.id))
    return [token_info(session, row) for row in rows]


def token_info(session: Session, row: ApiToken) -> TokenInfo:
    user = session.get(User, row.user_id) if row.user_id is not None else None
    rep = session.get(Rep, user.rep_id) if user and user.rep_id is not None else None
    team_id = user.team_id if user and user.team_id is not None else (rep.team_id if rep else None)
    team = session.get(Team, team_id) if team_id is not None else None
    return TokenInfo(
        row.id, row.name, row.role, row.user_id, rep.id if rep else None, rep.name if rep else None,
        team_id, team.name if team else None, row.created_at, row.last_used_at, row.revoked_at,
    )  # fmt: skip


def revoke_token(session: Session, token_id: int, principal: Principal) -> ApiToken:
    authorize(principal, MANAGE_USERS)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} does not exist")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
