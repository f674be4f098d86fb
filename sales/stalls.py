"""Continuation traps on the stored deals (rules in sales/traps.py): each opportunity's sequence
of call outcomes, the open deals that stall and why, per rep, in the caller's scope (in SQL)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.permissions import READ_OPPORTUNITIES, authorize, require_visible, visible
from auth.principal import Principal
from core.errors import NotFound
from models import Call, CallAnalysis, CallLabel, Opportunity, OpportunityStatus, Rep
from sales.traps import CallOutcome, StallRule, call_outcome, last_advance, stall_reasons

__all__ = ["StalledDeal", "call_outcomes", "opportunity_outcomes", "stalled_deals"]


@dataclass(frozen=True, slots=True)
class StalledDeal:
    opportunity_id: int
    name: str
    customer_id: int
    rep_id: int
    rep: str
    stage: str
    amount: float
    outcomes: list[str]  # its analysed calls' outcomes, oldest first
    last_advance: date | None
    reasons: list[str]


def call_outcomes(
    session: Session, opportunity_ids: Sequence[int] | Any, timezone: str
) -> dict[int, list[CallOutcome]]:
    """The analysed calls of these opportunities (a list or a subquery of ids), oldest first,
    each with its outcome on the labels in effect (a person's correction counts)."""
    declines = (
        select(CallLabel.call_id, func.count().label("n"))
        .where(CallLabel.kind == "commitment", CallLabel.label == "decline")
        .group_by(CallLabel.call_id)
        .subquery()
    )
    rows = session.execute(
        select(Call.opportunity_id, Call.id, Call.happened_at, CallAnalysis.advance_count, declines.c.n)
        .join(CallAnalysis, CallAnalysis.call_id == Call.id)
        .outerjoin(declines, declines.c.call_id == Call.id)
        .where(Call.opportunity_id.in_(opportunity_ids))
        .order_by(Call.happened_at, Call.id)
    )  # fmt: skip
    zone = ZoneInfo(timezone)
    found: dict[int, list[CallOutcome]] = defaultdict(list)
    for opp_id, call_id, when, advances, n_declines in rows:
        day = when.astimezone(zone).date()
        found[opp_id].append(CallOutcome(call_id, day, call_outcome(advances, n_declines or 0)))
    return found


def opportunity_outcomes(
    session: Session, principal: Principal, opportunity_id: int, timezone: str
) -> list[CallOutcome]:
    authorize(principal, READ_OPPORTUNITIES)
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(f"opportunity {opportunity_id} does not exist")
    require_visible(session, principal, READ_OPPORTUNITIES, opportunity)
    return call_outcomes(session, [opportunity_id], timezone).get(opportunity_id, [])


def stalled_deals(
    session: Session, principal: Principal, today: date, rule: StallRule, timezone: str,
    rep_id: int | None = None,
) -> list[StalledDeal]:  # fmt: skip
    """The open deals `principal` may see that are stalled, with their reasons; by rep."""
    query = (
        select(Opportunity, Rep.name)
        .join(Rep, Rep.id == Opportunity.owner_rep_id)
        .where(
            Opportunity.status == OpportunityStatus.OPEN,
            visible(principal, READ_OPPORTUNITIES, Opportunity),
        )
        .order_by(Opportunity.owner_rep_id, Opportunity.id)
    )
    if rep_id is not None:
        query = query.where(Opportunity.owner_rep_id == rep_id)
    deals = session.execute(query).all()
    outcomes = call_outcomes(session, [d.id for d, _ in deals], timezone)
    stalled = []
    for deal, rep_name in deals:
        seq = outcomes.get(deal.id, [])
        reasons = stall_reasons(seq, deal.created_on, today, rule)
        if reasons:
            stalled.append(_row(deal, rep_name, seq, reasons))
    return stalled


def _row(
    deal: Opportunity, rep_name: str, seq: list[CallOutcome], reasons: tuple[str, ...]
) -> StalledDeal:
    return StalledDeal(
        opportunity_id=deal.id, name=deal.name, customer_id=deal.customer_id,
        rep_id=deal.owner_rep_id, rep=rep_name, stage=deal.stage, amount=deal.amount,
        outcomes=[o.outcome for o in seq], last_advance=last_advance(seq), reasons=list(reasons),
    )  # fmt: skip
