"""What each CRM list can be narrowed by, and the SQL conditions that says.

One frozen dataclass per list; `conditions()` gives the WHERE terms of the filters that were
given (None: not filtered). `crm.records.list_records` adds the caller's scope and pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from core.paging import given
from models import Customer, FollowUp, Opportunity, Rep

__all__ = [
    "CustomerFilters",
    "Filters",
    "FollowUpFilters",
    "NoFilters",
    "OpportunityFilters",
    "RepFilters",
    "WithConditions",
]


class Filters(Protocol):
    def conditions(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class WithConditions:
    """`filters` and more conditions (made by a service that knows more, like RFM segments)."""

    filters: Filters
    extra: tuple[Any, ...]

    def conditions(self) -> list[Any]:
        return [*self.filters.conditions(), *self.extra]


@dataclass(frozen=True, slots=True)
class NoFilters:
    def conditions(self) -> list[Any]:
        return []


@dataclass(frozen=True, slots=True)
class RepFilters:
    team_id: int | None = None
    active: bool | None = None

    def conditions(self) -> list[Any]:
        return given(
            (self.team_id, lambda: Rep.team_id == self.team_id),
            (self.active, lambda: Rep.active == self.active),
        )


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    owner_rep_id: int | None = None
    tier: str | None = None
    q: str | None = None  # part of the company name

    def conditions(self) -> list[Any]:
        return given(
            (self.owner_rep_id, lambda: Customer.owner_rep_id == self.owner_rep_id),
            (self.tier, lambda: Customer.tier == self.tier),
            (self.q, lambda: Customer.company.contains(self.q or "", autoescape=True)),
        )


@dataclass(frozen=True, slots=True)
class OpportunityFilters:
    owner_rep_id: int | None = None
    customer_id: int | None = None
    stage: str | None = None
    status: str | None = None
    created_from: date | None = None
    created_to: date | None = None  # exclusive

    def conditions(self) -> list[Any]:
        return given(
            (self.owner_rep_id, lambda: Opportunity.owner_rep_id == self.owner_rep_id),
            (self.customer_id, lambda: Opportunity.customer_id == self.customer_id),
            (self.stage, lambda: Opportunity.stage == self.stage),
            (self.status, lambda: Opportunity.status == self.status),
            (self.created_from, lambda: Opportunity.created_on >= self.created_from),
            (self.created_to, lambda: Opportunity.created_on < self.created_to),
        )


@dataclass(frozen=True, slots=True)
class FollowUpFilters:
    rep_id: int | None = None
    customer_id: int | None = None
    status: str | None = None
    due_before: date | None = None  # exclusive
    due_after: date | None = None
    call_id: int | None = None

    def conditions(self) -> list[Any]:
        return given(
            (self.rep_id, lambda: FollowUp.rep_id == self.rep_id),
            (self.customer_id, lambda: FollowUp.customer_id == self.customer_id),
            (self.status, lambda: FollowUp.status == self.status),
            (self.due_before, lambda: FollowUp.next_action_due < self.due_before),
            (self.due_after, lambda: FollowUp.next_action_due >= self.due_after),
            (self.call_id, lambda: FollowUp.call_id == self.call_id),
        )
