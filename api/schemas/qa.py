"""Request and response shapes of QA rules, sampling plans, reviews and appeals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.types import Id, SaneDate
from qa.schemas import PlanFilters

__all__ = [
    "AppealBody",
    "DecisionBody",
    "DrawOut",
    "MonthPassRate",
    "PassRate",
    "PlanBody",
    "PlanFilters",
    "PlanOut",
    "QaReportOut",
    "QueueItemOut",
    "RepPassRate",
    "ReviewBody",
    "ReviewOut",
    "RuleBody",
    "RuleHitOut",
    "RuleOut",
    "RulePassRate",
    "RuleReportOut",
    "RuleTrialBody",
    "RuleTrialHitOut",
    "RuleTrialOut",
]


class RuleBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(
        description="required_phrase, forbidden_phrase, keyword_expression, silence, …"
    )
    params: dict[str, Any] = Field(description="The kind's parameters (see the README).")
    severity: str = Field("warning", max_length=20)
    points: int = Field(5, ge=0, le=100)
    active: bool = True


class RuleTrialBody(RuleBody):
    call_id: Id = Field(description="The analysed call to try the rule on.")


class RuleTrialHitOut(BaseModel):
    turn_index: int | None
    start: float | None
    detail: str


class RuleTrialOut(BaseModel):
    call_id: int
    hits: list[RuleTrialHitOut]


class RuleOut(RuleBody):
    model_config = ConfigDict(from_attributes=True)

    id: int


class PlanBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    period_from: SaneDate
    period_to: SaneDate = Field(description="Exclusive.")
    method: str = Field(description="percent, count, stratified or risk", max_length=20)
    amount: float = Field(
        gt=0, le=1_000_000, allow_inf_nan=False,
        description="Percent, number of calls, or calls per rep.",
    )  # fmt: skip
    seed: int = Field(1, ge=0, le=2**31 - 1)
    reviewer_user_id: Id
    filters: PlanFilters = Field(default_factory=PlanFilters)
    exclude_reviewed: bool = True


class ReviewBody(BaseModel):
    results: dict[Id, bool] = Field(
        default_factory=dict,
        max_length=1000,
        description="rule id → passed; omitted rules keep the automatic result",
    )
    note: str | None = Field(None, max_length=5000)
    passed: bool | None = Field(
        None, description="The reviewer's verdict; left out: passed at 80 points of the rules."
    )


class AppealBody(BaseModel):
    text: str = Field(max_length=5000)


class DecisionBody(BaseModel):
    upheld: bool
    note: str | None = Field(None, max_length=5000)


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    call_title: str | None = Field(None, description="The call's title, else its file name.")
    reviewer_user_id: int | None = Field(
        description="Who reviewed; they may not decide its appeal."
    )
    reviewer_name: str
    results: list[Any]
    total: int
    passed: bool
    note: str | None
    status: str
    appeal_text: str | None
    decided_by: str | None
    decision_note: str | None


class RuleHitOut(BaseModel):
    rule_id: int
    rule: str
    kind: str
    severity: str
    points: int
    turn_index: int | None
    start: float | None
    detail: str


class RuleReportOut(BaseModel):
    call_id: int
    hits: list[RuleHitOut]
    rules_hit: int = Field(description="How many different rules the call hits.")
    qa_score: int = Field(description="100 minus the points of each rule hit.")


class PlanOut(BaseModel):
    id: int
    name: str
    method: str


class DrawOut(BaseModel):
    plan_id: int
    call_ids: list[int]


class QueueItemOut(BaseModel):
    item_id: int
    plan_id: int
    call_id: int
    title: str | None
    rep: str | None
    happened_at: datetime
    duration_s: float


class PassRate(BaseModel):
    reviews: int
    passed: int
    pass_rate: float


class RepPassRate(PassRate):
    rep: str


class MonthPassRate(PassRate):
    month: str


class RulePassRate(PassRate):
    rule_id: int
    rule: str


class QaReportOut(BaseModel):
    by_rep: list[RepPassRate]
    by_month: list[MonthPassRate]
    by_rule: list[RulePassRate]
