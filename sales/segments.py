"""Customers layered by RFM (sales/rfm.py), from the calls, follow-ups and opportunities stored.

Every customer is scored against all customers, so a customer's segment is the same whoever
looks; callers see only the customers their scope allows (filtered in SQL). A follow-up that
records a call (call_id set) is that call, so it is not counted a second time.

Scores are stored (`customer_scores`) and read from there: scoring 100 000 customers takes
about a second, far too long for every page. Any change to their inputs (models.db marks
`rfm_state`), a new day or other settings make the stored scores stale. A stale read of a small
base (under `_SCORE_IN_REQUEST_BELOW` customers, a few milliseconds) scores in the request, so
a team sees its change at once; a large one reads the stored scores and asks for a refresh,
which `refresh_scores` does in the background in short batches of writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, false, func, insert, select
from sqlalchemy.orm import Session

from auth.permissions import READ_CUSTOMERS, authorize
from auth.principal import Principal
from core.errors import InvalidInput
from core.paging import Page, PageRequest
from crm.filters import CustomerFilters, FollowUpFilters, WithConditions
from crm.records import CUSTOMERS, FOLLOW_UPS, list_records
from models import (
    Call,
    Customer,
    CustomerScore,
    FollowUp,
    Opportunity,
    OpportunityStatus,
    RfmState,
    SessionFactory,
    session_scope,
    utcnow,
)
from sales.rfm import SEGMENTS, CustomerFigures, FixedBands, RfmScore, score_customers

__all__ = [
    "FollowUpRow",
    "RfmWindow",
    "ScoredCustomer",
    "customer_scores",
    "list_customers",
    "list_follow_ups",
    "refresh_scores",
]

_MONETARY_DAYS = 365
_DEFAULT_BANDS = FixedBands()
_SCORE_IN_REQUEST_BELOW = 5_000  # customers
_WRITE_ROWS = 5_000  # stored scores written per transaction


@dataclass(frozen=True, slots=True)
class RfmWindow:
    """How RFM is measured: at `now`, frequency over the last `frequency_days`, recency in
    calendar days of `timezone`; with fewer than `min_customers` customers, on fixed `bands`."""

    now: datetime
    frequency_days: int
    timezone: str
    min_customers: int = 20
    bands: FixedBands = _DEFAULT_BANDS
    # Refreshes the stored scores in the background (api: a thread); None: nobody does.
    request_refresh: Callable[[RfmWindow], None] | None = None

    def key(self) -> str:
        """What the stored scores depend on besides the data: the day and the settings."""
        today = self.now.astimezone(ZoneInfo(self.timezone)).date()
        b = self.bands
        return (f"{today}|{self.frequency_days}|{self.timezone}|{self.min_customers}|"
                f"{b.recent_days}|{b.contacts}|{b.high_value}")  # fmt: skip


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
    authorize(principal, READ_CUSTOMERS)
    if segment is not None and segment not in SEGMENTS:
        raise InvalidInput(
            f"unknown segment {segment!r}; one of {'、'.join(SEGMENTS)}", field="segment"
        )
    scores = _fresh_scores(session, window)
    extra: tuple[ColumnElement[bool], ...] = ()
    if segment is not None:  # the stored ones are filtered in SQL
        extra = (Customer.id.in_(_stored_in(segment)) if scores is None
                 else _in_segment(scores, segment, Customer.id),)  # fmt: skip
    found = list_records(session, CUSTOMERS, principal, WithConditions(filters, extra), page)
    if scores is None:  # read for the page only
        scores = _stored_scores(session, [c.id for c in found.items])
    shown = scores
    return found.map(lambda customer: ScoredCustomer(customer, shown.get(customer.id)))


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
        authorize(principal, READ_CUSTOMERS)
        scores = _fresh_scores(session, window)
        rank = (
            _stored_rank(FollowUp.customer_id)
            if scores is None
            else _rank(scores, FollowUp.customer_id)
        )
        order_by = [rank, FollowUp.next_action_due]
    found = list_records(session, FOLLOW_UPS, principal, filters, page, order_by)
    today = window.now.astimezone(ZoneInfo(window.timezone)).date()
    return found.map(lambda follow_up: FollowUpRow(follow_up, _overdue(follow_up, today)))


def _overdue(follow_up: FollowUp, today: date) -> bool:
    due = follow_up.next_action_due
    return follow_up.status == "open" and due is not None and due < today


def customer_scores(session: Session, window: RfmWindow) -> dict[int, RfmScore]:
    """The RFM score of every customer, by customer id, worked out now. Recency counts
    calendar days in the business time zone (a call yesterday evening is 1 day ago)."""
    now = window.now.astimezone(ZoneInfo(window.timezone))
    figures = _figures(session, now, window.frequency_days)
    bands = window.bands if len(figures) < window.min_customers else None
    return {s.customer_id: s for s in score_customers(figures, bands)}


def refresh_scores(factory: SessionFactory, window: RfmWindow) -> None:
    """Work every customer's score out and store it, `_WRITE_ROWS` a transaction. A change
    made meanwhile leaves the scores stale (they are marked scored as of the start)."""
    started = utcnow()
    with session_scope(factory, write=False) as session:
        scores = list(customer_scores(session, window).values())
    for low in range(0, len(scores), _WRITE_ROWS):
        chunk = scores[low : low + _WRITE_ROWS]
        with session_scope(factory) as session:
            ids = [s.customer_id for s in chunk]
            session.execute(delete(CustomerScore).where(CustomerScore.customer_id.in_(ids)))
            present = set(session.scalars(select(Customer.id).where(Customer.id.in_(ids))))
            session.execute(
                insert(CustomerScore), [_row(s) for s in chunk if s.customer_id in present]
            )
    with session_scope(factory) as session:
        state = session.get(RfmState, 1) or RfmState(id=1, inputs_changed_at=started)
        state.scored_at, state.scored_for = started, window.key()
        session.add(state)


def _fresh_scores(session: Session, window: RfmWindow) -> dict[int, RfmScore] | None:
    """None when the stored scores are to be read; else the scores worked out in this request
    (a small base whose stored scores are stale, or nothing stored yet)."""
    state = session.get(RfmState, 1)
    fresh = (state is not None and state.scored_at is not None
             and state.inputs_changed_at <= state.scored_at and state.scored_for == window.key())  # fmt: skip
    if fresh:
        return None
    if window.request_refresh is not None:
        window.request_refresh(window)
    customers = session.scalar(select(func.count()).select_from(Customer)) or 0
    stored_any = session.scalar(select(CustomerScore.customer_id).limit(1)) is not None
    if customers >= _SCORE_IN_REQUEST_BELOW and stored_any:
        return None  # a moment stale, until the refresh is done
    return customer_scores(session, window)


def _stored_in(segment: str) -> Any:
    return select(CustomerScore.customer_id).where(CustomerScore.segment == segment)


def _stored_scores(session: Session, ids: list[int]) -> dict[int, RfmScore]:
    rows = session.scalars(select(CustomerScore).where(CustomerScore.customer_id.in_(ids)))
    return {row.customer_id: RfmScore(row.customer_id, row.recency_days, row.frequency,
                                      row.monetary, row.r, row.f, row.m, row.segment, row.basis)
            for row in rows}  # fmt: skip


def _row(score: RfmScore) -> dict[str, Any]:
    return {"customer_id": score.customer_id, "recency_days": score.recency_days,
            "frequency": score.frequency, "monetary": score.monetary, "r": score.r,
            "f": score.f, "m": score.m, "segment": score.segment, "basis": score.basis}  # fmt: skip


def _in_segment(scores: dict[int, RfmScore], segment: str, column: Any) -> ColumnElement[bool]:
    ids = [cid for cid, s in scores.items() if s.segment == segment]
    return column.in_(ids) if ids else false()


def _rank(scores: dict[int, RfmScore], column: Any) -> Any:
    """An ORDER BY term: customers of the most valuable segment first, unknown customers last."""
    whens = []
    for rank, segment in enumerate(SEGMENTS):
        ids = [cid for cid, s in scores.items() if s.segment == segment]
        if ids:
            whens.append((column.in_(ids), rank))
    return case(*whens, else_=len(SEGMENTS)) if whens else column.is_(None)


def _stored_rank(column: Any) -> Any:
    """The same order from the stored scores, in SQL."""
    segment = select(CustomerScore.segment).where(CustomerScore.customer_id == column)
    stored = segment.correlate_except(CustomerScore).scalar_subquery()
    return case(*((stored == s, rank) for rank, s in enumerate(SEGMENTS)), else_=len(SEGMENTS))


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
