"""GET /api/v1/me: who the token belongs to (the pages use it to show what the role may do)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["me"])


@router.get("/me")
def read_me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"user_id": principal.user_id, "name": principal.name, "role": principal.role,
            "rep_id": principal.rep_id, "team_id": principal.team_id}  # fmt: skip
