"""API tokens. Only a hash is stored; the token itself is shown once, when it is created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = ["ApiToken", "Role"]


class Role:
    """Roles a token can carry. Only `admin` exists until per-role access lands."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    QA = "qa"
    ALL = (ADMIN, MANAGER, REP, QA)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.ADMIN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
