"""Validated input for sales targets."""

from __future__ import annotations

from pydantic import Field, model_validator

from core.types import Id, Money
from crm.schemas import StrictInput

__all__ = ["TargetIn"]


class TargetIn(StrictInput):
    team_id: Id | None = None
    rep_id: Id | None = None
    year: int = Field(ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4, description="Leave out for an annual target.")
    amount: Money = Field(gt=0, description="Sales target in yuan; must be positive.")

    @model_validator(mode="after")
    def _one_owner(self) -> TargetIn:
        if (self.team_id is None) == (self.rep_id is None):
            raise ValueError("a target belongs to exactly one of team_id or rep_id")
        return self
