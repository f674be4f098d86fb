"""Response shapes of sales targets and reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["TargetOut"]


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int | None
    rep_id: int | None
    year: int
    quarter: int | None
    amount: float
