"""GET /api/v1/me: who the token belongs to (the pages use it to show what the role may do)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal
from api.schemas.auth import MeOut
from auth.permissions import READ_SELF, authorize

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.get("/me")
def read_me(principal: CurrentPrincipal) -> MeOut:
    authorize(principal, READ_SELF)
    return MeOut(user_id=principal.user_id, name=principal.name, role=principal.role,
                 rep_id=principal.rep_id, team_id=principal.team_id)  # fmt: skip
