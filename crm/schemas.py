"""Validated input for CRM records, shared by the HTTP API and the CSV import (one set of rules).

Cross-record rules that need the database (does rep 12 exist? is the stage on the funnel?)
live in crm/records.py; everything a single record can check about itself lives here.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from analysis.objectives import OBJECTIVE_ACTIONS
from core.types import Id, Money, SaneDate, SaneDateTime

__all__ = [
    "CustomerIn",
    "CustomerPatch",
    "FollowUpIn",
    "FollowUpPatch",
    "OpportunityIn",
    "OpportunityPatch",
    "RepIn",
    "RepPatch",
    "StrictInput",
    "TeamIn",
    "TeamPatch",
]

Name = Field(min_length=1, max_length=100)
ExternalId = Field(
    None, min_length=1, max_length=100, description="The CRM's own key for this record."
)
Channel = Literal["call", "visit", "wechat", "email"]
FollowUpState = Literal["draft", "open", "done", "cancelled"]


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


ObjectiveAction = Literal[OBJECTIVE_ACTIONS]  # type: ignore[valid-type]
_OBJECTIVE_HELP = "承诺目标: " + " / ".join(OBJECTIVE_ACTIONS)


class _Objective(StrictInput):
    """The commitment objective for the next call: the advance to aim for, the least one worth
    the call (none: the primary itself), a date. That the minimum is not above the primary is
    checked on the merged record (crm/records.py), as a patch may change only one of them."""

    objective_primary: ObjectiveAction | None = Field(None, description=_OBJECTIVE_HELP)
    objective_minimum: ObjectiveAction | None = Field(None, description=_OBJECTIVE_HELP)
    objective_due: SaneDate | None = None


class TeamIn(StrictInput):
    name: str = Name
    manager_id: Id | None = None
    external_id: str | None = ExternalId


class TeamPatch(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=100)
    manager_id: Id | None = None


class RepIn(StrictInput):
    name: str = Name
    team_id: Id | None = None
    email: str | None = Field(None, max_length=200)
    active: bool = True
    external_id: str | None = ExternalId


class RepPatch(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=100)
    team_id: Id | None = None
    email: str | None = Field(None, max_length=200)
    active: bool | None = None


class CustomerIn(StrictInput):
    company: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=50)
    tier: str | None = Field(None, max_length=20, description="e.g. 大客户 / 普通")
    source: str | None = Field(None, max_length=50)
    owner_rep_id: Id | None = None
    external_id: str | None = ExternalId


class CustomerPatch(StrictInput):
    company: str | None = Field(None, min_length=1, max_length=200)
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=50)
    tier: str | None = Field(None, max_length=20)
    source: str | None = Field(None, max_length=50)
    owner_rep_id: Id | None = None


class _OpportunityRules(_Objective):
    @model_validator(mode="after")
    def _dates_and_outcome(self) -> _OpportunityRules:
        created = getattr(self, "created_on", None)
        closed = getattr(self, "closed_on", None)
        if created and closed and closed < created:
            raise ValueError(f"closed_on {closed} is before created_on {created}")
        if getattr(self, "status", None) == "open" and closed is not None:
            raise ValueError("an open opportunity has no closed_on; set status to won or lost")
        return self


class OpportunityIn(_OpportunityRules):
    name: str = Field(min_length=1, max_length=200)
    customer_id: Id
    owner_rep_id: Id
    stage: str = Field(min_length=1, max_length=20)
    amount: Money = Field(0.0, description="Deal value in yuan; never negative.")
    status: Literal["open", "won", "lost"] = "open"
    created_on: SaneDate = Field(default_factory=date.today)
    expected_close: SaneDate | None = None
    closed_on: SaneDate | None = None
    loss_reason: str | None = Field(None, max_length=200)
    external_id: str | None = ExternalId


class OpportunityPatch(_OpportunityRules):
    name: str | None = Field(None, min_length=1, max_length=200)
    owner_rep_id: Id | None = None
    stage: str | None = Field(None, min_length=1, max_length=20)
    amount: Money | None = None
    status: Literal["open", "won", "lost"] | None = None
    expected_close: SaneDate | None = None
    closed_on: SaneDate | None = None
    loss_reason: str | None = Field(None, max_length=200)


class FollowUpIn(_Objective):
    rep_id: Id
    customer_id: Id
    opportunity_id: Id | None = None
    occurred_at: SaneDateTime
    channel: Channel = "call"
    content: str = Field("", max_length=10_000)
    customer_needs: str | None = Field(None, max_length=5_000)
    next_action: str | None = Field(None, max_length=1_000)
    next_action_due: SaneDate | None = None
    status: FollowUpState = "open"
    external_id: str | None = ExternalId


class FollowUpPatch(_Objective):
    content: str | None = Field(None, max_length=10_000)
    customer_needs: str | None = Field(None, max_length=5_000)
    next_action: str | None = Field(None, max_length=1_000)
    next_action_due: SaneDate | None = None
    status: FollowUpState | None = None
    opportunity_id: Id | None = None
