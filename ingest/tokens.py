"""API tokens: create, check, list, revoke. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.errors import InvalidInput, NotFound, Unauthorized
from models import ApiToken, Role, utcnow

__all__ = [
    "Principal",
    "authenticate",
    "create_first_token",
    "create_token",
    "list_tokens",
    "revoke_token",
]

_TOKEN_PREFIX = "hs_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's id (None for the admin token from settings) and role."""

    token_id: int | None
    name: str
    role: str


def create_token(session: Session, name: str, role: str = Role.ADMIN) -> tuple[ApiToken, str]:
    """Store a new token's hash; returns the row and the token, which is never shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a token needs a name of 1 to 100 characters", field="name")
    if role not in Role.ALL:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(Role.ALL)}", field="role")
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=_hash(token))
    session.add(row)
    session.flush()
    return row, token


def create_first_token(session: Session) -> str | None:
    """On a fresh install, make one admin token so the API can be used at all; else None."""
    if session.scalar(select(ApiToken.id).limit(1)) is not None:
        return None
    _, token = create_token(session, "first admin (created at first start)", Role.ADMIN)
    return token


def authenticate(session: Session, token: str | None, admin_token: str | None) -> Principal:
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal(token_id=None, name="admin (HUASHU_ADMIN_TOKEN)", role=Role.ADMIN)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    _touch(row)
    return Principal(token_id=row.id, name=row.name, role=row.role)


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} does not exist")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def _touch(row: ApiToken) -> None:
    # At most one write a minute per token: reads should not all turn into writes.
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
