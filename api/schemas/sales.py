"""Response shapes of sales targets and reports."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.paging import PageQuery
from core.types import Id
from sales.targets import TargetFilters

__all__ = [
    "ActivityOut",
    "BandOut",
    "BehaviourOut",
    "CallOutcomeOut",
    "CommitmentRankOut",
    "FunnelOut",
    "FunnelStageOut",
    "FunnelStepOut",
    "RatesOut",
    "RepMetricsOut",
    "StalledDealOut",
    "TargetOut",
    "TargetPeriodOut",
    "TargetProgressOut",
    "TargetQuery",
    "TargetSpanOut",
    "TrendPointOut",
]


class TargetQuery(PageQuery):
    team_id: Id | None = None
    rep_id: Id | None = None
    year: int | None = Field(None, ge=2000, le=2100)

    def filters(self) -> TargetFilters:
        return TargetFilters(self.team_id, self.rep_id, self.year)


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int | None
    rep_id: int | None
    year: int
    quarter: int | None
    amount: float


class RepMetricsOut(BaseModel):
    rep_id: int
    rep: str
    team_id: int | None
    calls: int
    analysed_calls: int
    talk_time_s: float
    commitment_rate: float
    advances_per_call: float
    spin_mix: dict[str, float]
    implication_need_payoff_share: float
    mean_score: float
    mean_talk_ratio: float
    opportunities_created: int
    won: int
    lost: int
    win_rate: float
    average_won_amount: float = Field(description="客单价: won amount / won deals")
    mean_sales_cycle_days: float
    pipeline_by_stage: dict[str, float]
    pipeline_value: float
    sales_velocity_per_day: float = Field(
        description="opportunities_created × win_rate × average_won_amount / mean_sales_cycle_days"
    )
    objectives_judged: int = Field(
        description="Commitment objectives judged on the period's calls."
    )
    objectives_primary_achieved: int
    objectives_achieved: int = Field(description="Primary or minimum advance achieved.")
    objective_achieved_share: float = Field(description="objectives_achieved / objectives_judged")


class TrendPointOut(BaseModel):
    month: str
    analysed_calls: int
    commitment_rate: float
    mean_talk_ratio: float


class FunnelStageOut(BaseModel):
    stage: str
    reached: int


class FunnelStepOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_stage: str = Field(alias="from")
    to: str
    conversion: float


class FunnelOut(BaseModel):
    stages: list[FunnelStageOut]
    steps: list[FunnelStepOut]
    created: int
    won: int
    lost: int
    overall_conversion: float


class CommitmentRankOut(BaseModel):
    rep_id: int
    rep: str
    analysed_calls: int
    committed_calls: int
    commitment_rate: float
    confidence_low: float
    confidence_high: float
    small_sample: bool
    rank: int


class BandOut(BaseModel):
    band: str
    opportunities: int
    won: int
    win_rate: float


class CallOutcomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: int
    day: date
    outcome: str = Field(description="advance / continuation / decline")


class StalledDealOut(BaseModel):
    opportunity_id: int
    name: str
    customer_id: int
    rep_id: int
    rep: str
    stage: str
    amount: float
    outcomes: list[str] = Field(description="Its analysed calls' outcomes, oldest first.")
    last_advance: date | None
    reasons: list[str]


class BehaviourOut(BaseModel):
    by_trap: list[BandOut]
    by_advance: list[BandOut]
    by_spin_mix: list[BandOut]
    by_talk_ratio: list[BandOut]


class TargetSpanOut(BaseModel):
    id: int
    team_id: int | None
    rep_id: int | None
    year: int
    quarter: int | None
    amount: float
    start: date
    end: date


class RatesOut(BaseModel):
    average_deal_size: float
    win_rate: float
    opportunities_per_committed_call: float
    commitment_rate: float


class ActivityOut(BaseModel):
    amount: float
    deals: int | None
    opportunities: int | None
    calls_with_commitment: int | None
    calls: int | None


class TargetPeriodOut(BaseModel):
    start: date
    end: date
    working_days: int
    target: float
    actual: float
    gap: float
    gap_activity: ActivityOut


class TargetProgressOut(BaseModel):
    target: TargetSpanOut
    working_days: int
    per_working_day: float
    actual: float
    attainment: float
    rates: RatesOut
    needed: ActivityOut
    quarters: list[TargetPeriodOut]
    months: list[TargetPeriodOut]
    weeks: list[TargetPeriodOut]
