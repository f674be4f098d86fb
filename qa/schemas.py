"""Validated configuration of QA sampling plans, shared by the API and the draws."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core.types import Id, Seconds, ShortList

__all__ = ["PlanFilters"]


class PlanFilters(BaseModel):
    """Which calls a plan samples from; checked when the plan is made, so every draw can run."""

    model_config = ConfigDict(extra="forbid")

    team_id: Id | None = None
    rep_ids: Annotated[list[Id], ShortList] = Field(default_factory=list)
    min_duration_s: Seconds | None = None
    max_duration_s: Seconds | None = None
