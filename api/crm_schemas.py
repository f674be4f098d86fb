"""Response shapes of CRM records."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

__all__ = ["CustomerOut", "FollowUpOut", "OpportunityOut", "RepOut", "TargetOut", "TeamOut"]


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


class OpportunityOut(_Out):
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


class FollowUpOut(_Out):
    id: int
    rep_id: int
    customer_id: int
    opportunity_id: int | None
    call_id: int | None
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


class TargetOut(_Out):
    id: int
    team_id: int | None
    rep_id: int | None
    year: int
    quarter: int | None
    amount: float
