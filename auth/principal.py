"""Who is calling: the principal every service takes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: their token and user, role, and the rep or team their role is tied to."""

    token_id: int | None
    name: str
    role: str
    user_id: int | None = None
    rep_id: int | None = None  # rep users: their own rep record
    team_id: int | None = None  # managers: the team they lead
