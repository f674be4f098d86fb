"""Response shapes of who is calling."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["MeOut"]


class MeOut(BaseModel):
    user_id: int | None
    name: str
    role: str
    rep_id: int | None
    team_id: int | None
