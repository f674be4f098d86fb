"""Response shapes of CRM records, their pages and CSV import reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.paging import PageQuery
from core.types import Id, SaneDate
from crm.filters import CustomerFilters, FollowUpFilters, OpportunityFilters, RepFilters

__all__ = [
    "CustomerOut",
    "CustomerQuery",
    "FollowUpOut",
    "FollowUpQuery",
    "ImportReport",
    "OpportunityOut",
    "OpportunityQuery",
    "RepOut",
    "RepQuery",
    "RfmOut",
    "RowErrorOut",
    "TeamOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TeamOut(_Out):
    id: int
    name: str
    manager_id: int | None
    external_id: str | None
    created_at: datetime


class RepOut(_Out):
    id: int
    name: str
    team_id: int | None
    email: str | None
    active: bool
    external_id: str | None
    created_at: datetime


class RfmOut(BaseModel):
    recency_days: int | None = Field(description="Days since the last call or follow-up.")
    frequency: int = Field(description="Calls and follow-ups in the frequency window.")
    monetary: float = Field(description="Won in the last 12 months, else the open pipeline.")
    r: int
    f: int
    m: int
    segment: str
    basis: Literal["quintiles", "bands"] = Field(
        description="quintiles: scored against all customers; bands: on fixed bands, because "
        "there are fewer customers than HUASHU_RFM_MIN_CUSTOMERS."
    )


class CustomerOut(_Out):
    id: int
    company: str
    contact: str | None
    phone: str | None
    tier: str | None
    source: str | None
    owner_rep_id: int | None
    external_id: str | None
    created_at: datetime
    segment: str | None = Field(None, description="RFM segment (lists only).")
    rfm: RfmOut | None = None


class _ObjectiveOut(_Out):
    objective_primary: str | None = None
    objective_minimum: str | None = None
    objective_due: date | None = None
    objective_outcome: str | None = Field(
        None, description="primary_achieved / minimum_achieved / continuation_only / declined"
    )
    objective_evidence: list[str] | None = None
    objective_call_id: int | None = None
    objective_assessed_at: datetime | None = None


class OpportunityOut(_ObjectiveOut):
    id: int
    name: str
    customer_id: int
    owner_rep_id: int
    stage: str
    amount: float
    status: str
    created_on: date
    expected_close: date | None
    closed_on: date | None
    loss_reason: str | None
    external_id: str | None


class FollowUpOut(_ObjectiveOut):
    id: int
    rep_id: int
    customer_id: int
    opportunity_id: int | None
    call_id: int | None
    call_title: str | None = Field(
        None, description="The recorded call's title, else its file name."
    )
    occurred_at: datetime
    channel: str
    content: str
    customer_needs: str | None
    next_action: str | None
    next_action_due: date | None
    status: str
    external_id: str | None
    confirmed_at: datetime | None
    overdue: bool = False


class RepQuery(PageQuery):
    team_id: Id | None = None
    active: bool | None = None

    def filters(self) -> RepFilters:
        return RepFilters(self.team_id, self.active)


class CustomerQuery(PageQuery):
    owner_rep_id: Id | None = None
    tier: str | None = None
    q: str | None = Field(None, description="Part of the company name")
    segment: str | None = Field(None, description="RFM segment, e.g. 重要价值客户")

    def filters(self) -> CustomerFilters:
        return CustomerFilters(self.owner_rep_id, self.tier, self.q)


class OpportunityQuery(PageQuery):
    owner_rep_id: Id | None = None
    customer_id: Id | None = None
    stage: str | None = None
    status: str | None = None
    created_from: SaneDate | None = None
    created_to: SaneDate | None = Field(None, description="Exclusive.")

    def filters(self) -> OpportunityFilters:
        return OpportunityFilters(
            self.owner_rep_id, self.customer_id, self.stage, self.status,
            self.created_from, self.created_to,
        )  # fmt: skip


class FollowUpQuery(PageQuery):
    rep_id: Id | None = None
    customer_id: Id | None = None
    status: str | None = None
    due_before: SaneDate | None = Field(None, description="Exclusive.")
    due_after: SaneDate | None = None
    call_id: Id | None = None
    order: Literal["newest", "segment"] = Field(
        "newest", description="`segment`: most valuable RFM segment first, then earliest due"
    )

    def filters(self) -> FollowUpFilters:
        return FollowUpFilters(
            self.rep_id, self.customer_id, self.status, self.due_before, self.due_after,
            self.call_id,
        )  # fmt: skip


class RowErrorOut(BaseModel):
    row: int
    field: str | None
    message: str


class ImportReport(BaseModel):
    entity: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    failed: int
    stopped_at_row: int | None = Field(
        None, description="Set when the import stopped early: import again with start_row."
    )
    stopped_because: str | None = None
    errors: list[RowErrorOut]
