"""Request and response shapes of QA rules, sampling plans, reviews and appeals."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AppealBody",
    "DecisionBody",
    "PlanBody",
    "ReviewBody",
    "ReviewOut",
    "RuleBody",
    "RuleOut",
]


class RuleBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(
        description="required_phrase, forbidden_phrase, keyword_expression, silence, …"
    )
    params: dict[str, Any]
    severity: str = "warning"
    points: int = 5
    active: bool = True


class RuleOut(RuleBody):
    model_config = ConfigDict(from_attributes=True)

    id: int


class PlanBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    period_from: date
    period_to: date = Field(description="Exclusive.")
    method: str = Field(description="percent, count, stratified or risk")
    amount: float = Field(description="Percent, number of calls, or calls per rep.")
    seed: int = 1
    reviewer_user_id: int
    filters: dict[str, Any] = Field(
        default_factory=dict, description="team_id, rep_ids, min_duration_s, max_duration_s"
    )
    exclude_reviewed: bool = True


class ReviewBody(BaseModel):
    results: dict[int, bool] = Field(
        default_factory=dict,
        description="rule id → passed; omitted rules keep the automatic result",
    )
    note: str | None = Field(None, max_length=5000)


class AppealBody(BaseModel):
    text: str = Field(max_length=5000)


class DecisionBody(BaseModel):
    upheld: bool
    note: str | None = Field(None, max_length=5000)


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    reviewer_name: str
    results: list[Any]
    total: int
    passed: bool
    note: str | None
    status: str
    appeal_text: str | None
    decided_by: str | None
    decision_note: str | None
