"""Customers layered by RFM (sales/rfm.py), from the calls, follow-ups and opportunities stored.

Every customer is scored against all customers, so a customer's segment is the same whoever
looks; callers see only the customers their scope allows (filtered in SQL). A follow-up that
records a call (call_id set) is that call, so it is not counted a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.orm import Session

from auth.permissions import READ_CUSTOMERS, authorize, visible
from auth.principal import Principal
from core.errors import InvalidInput
from core.paging import Page, PageRequest
from crm.filters import CustomerFilters, FollowUpFilters, WithConditions
from crm.records import CUSTOMERS, FOLLOW_UPS, list_records
from models import Call, Customer, FollowUp, Opportunity, OpportunityStatus
from sales.rfm import SEGMENTS, CustomerFigures, FixedBands, RfmScore, score_customers

__all__ = [
    "FollowUpRow",
    "RfmWindow",
    "ScoredCustomer",
    "customer_scores",
    "in_segment",
    "list_customers",
    "list_follow_ups",
    "segment_order",
]

_MONETARY_DAYS = 365
_DEFAULT_BANDS = FixedBands()


@dataclass(frozen=True, slots=True)
class RfmWindow:
    """How RFM is measured: at `now`, frequency over the last `frequency_days`, recency in
    calendar days of `timezone`; with fewer than `min_customers` customers, on fixed `bands`."""

    now: datetime
    frequency_days: int
    timezone: str
    min_customers: int = 20
    bands: FixedBands = _DEFAULT_BANDS


@dataclass(frozen=True, slots=True)
class ScoredCustomer:
    customer: Customer
    rfm: RfmScore | None  # None: the customer is not scored (no figures at all)


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    follow_up: FollowUp
    overdue: bool  # open, and due before today


def list_customers(
    session: Session,
    principal: Principal,
    filters: CustomerFilters,
    segment: str | None,
    page: PageRequest,
    window: RfmWindow,
) -> Page[ScoredCustomer]:
    """A page of the customers `principal` may see, each with its RFM score; `segment` keeps
    one RFM segment (e.g. 重要价值客户)."""
    if segment is not None and segment not in SEGMENTS:
        raise InvalidInput(
            f"unknown segment {segment!r}; one of {'、'.join(SEGMENTS)}", field="segment"
        )
    scores = _scores(session, principal, window)
    extra = () if segment is None else (in_segment(scores, segment, Customer.id),)
    found = list_records(session, CUSTOMERS, principal, WithConditions(filters, extra), page)
    return found.map(lambda customer: ScoredCustomer(customer, scores.get(customer.id)))


def list_follow_ups(
    session: Session,
    principal: Principal,
    filters: FollowUpFilters,
    order: Literal["newest", "segment"],
    page: PageRequest,
    window: RfmWindow,
) -> Page[FollowUpRow]:
    """A page of the follow-ups `principal` may see: newest first, or (`segment`) the most
    valuable RFM segment's customers first, then the earliest due."""
    order_by: list[Any] = []
    if order == "segment":
        scores = _scores(session, principal, window)
        order_by = [segment_order(scores, FollowUp.customer_id), FollowUp.next_action_due]
    found = list_records(session, FOLLOW_UPS, principal, filters, page, order_by)
    today = window.now.astimezone(ZoneInfo(window.timezone)).date()
    return found.map(lambda follow_up: FollowUpRow(follow_up, _overdue(follow_up, today)))


def _overdue(follow_up: FollowUp, today: date) -> bool:
    due = follow_up.next_action_due
    return follow_up.status == "open" and due is not None and due < today


def _scores(session: Session, principal: Principal, window: RfmWindow) -> dict[int, RfmScore]:
    return customer_scores(session, principal, window)


def customer_scores(
    session: Session, principal: Principal, window: RfmWindow
) -> dict[int, RfmScore]:
    """The RFM score of every customer `principal` may see, by customer id. Recency counts
    calendar days in the business time zone (a call yesterday evening is 1 day ago)."""
    authorize(principal, READ_CUSTOMERS)
    now = window.now.astimezone(ZoneInfo(window.timezone))
    figures = _figures(session, now, window.frequency_days)
    bands = window.bands if len(figures) < window.min_customers else None
    scores = score_customers(figures, bands)
    shown = set(
        session.scalars(select(Customer.id).where(visible(principal, READ_CUSTOMERS, Customer)))
    )
    return {s.customer_id: s for s in scores if s.customer_id in shown}


def in_segment(scores: dict[int, RfmScore], segment: str, column: Any) -> ColumnElement[bool]:
    ids = [cid for cid, s in scores.items() if s.segment == segment]
    return column.in_(ids) if ids else false()


def segment_order(scores: dict[int, RfmScore], column: Any) -> Any:
    """An ORDER BY term: customers of the most valuable segment first, unknown customers last."""
    whens = []
    for rank, segment in enumerate(SEGMENTS):
        ids = [cid for cid, s in scores.items() if s.segment == segment]
        if ids:
            whens.append((column.in_(ids), rank))
    return case(*whens, else_=len(SEGMENTS)) if whens else column.is_(None)


def _figures(session: Session, now: datetime, frequency_days: int) -> list[CustomerFigures]:
    since = now - timedelta(days=frequency_days)
    calls = _contacts(Call.customer_id, Call.happened_at, since, None)
    notes = _contacts(FollowUp.customer_id, FollowUp.occurred_at, since, FollowUp.call_id.is_(None))
    money = _money(now)
    rows = session.execute(
        select(Customer.id, calls.c.last, calls.c.recent, notes.c.last, notes.c.recent,
               money.c.won, money.c.open)
        .outerjoin(calls, calls.c.customer_id == Customer.id)
        .outerjoin(notes, notes.c.customer_id == Customer.id)
        .outerjoin(money, money.c.customer_id == Customer.id)
        .order_by(Customer.id)
    )  # fmt: skip
    return [
        CustomerFigures(cid, _days_since(now, last_call, last_note), int(n_calls or 0) +
                        int(n_notes or 0), float(won or 0) or float(pipeline or 0))
        for cid, last_call, n_calls, last_note, n_notes, won, pipeline in rows
    ]  # fmt: skip


def _contacts(customer: Any, when: Any, since: datetime, extra: Any) -> Any:
    recent = func.sum(case((when >= since, 1), else_=0))
    query = select(
        customer.label("customer_id"), func.max(when).label("last"), recent.label("recent")
    )
    if extra is not None:
        query = query.where(extra)
    return query.where(customer.is_not(None)).group_by(customer).subquery()


def _money(now: datetime) -> Any:
    year_ago = (now - timedelta(days=_MONETARY_DAYS)).date()
    won = and_(Opportunity.status == OpportunityStatus.WON, Opportunity.closed_on >= year_ago)
    return (
        select(
            Opportunity.customer_id,
            func.sum(case((won, Opportunity.amount), else_=0)).label("won"),
            func.sum(
                case((Opportunity.status == OpportunityStatus.OPEN, Opportunity.amount), else_=0)
            ).label("open"),
        )
        .group_by(Opportunity.customer_id)
        .subquery()
    )


def _days_since(now: datetime, *moments: datetime | None) -> int | None:
    known = [_aware(m) for m in moments if m is not None]
    if not known:
        return None
    return max(0, (now.date() - max(known).astimezone(now.tzinfo).date()).days)


def _aware(moment: datetime) -> datetime:
    # SQLite hands naive UTC back for some expressions (max over a column), PostgreSQL aware.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
