"""Resolve the CRM records a call or follow-up names, by Huashu id or by the CRM's external id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from models import Customer, Opportunity, Rep

__all__ = ["CallLinks", "RecordRef", "parse_ref", "resolve", "resolve_call_links"]

Record = TypeVar("Record", Rep, Customer, Opportunity)
_NAMES: dict[type, str] = {Rep: "rep", Customer: "customer", Opportunity: "opportunity"}


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record named by id (`12`) or by external id (`CRM-0012`, from the *_external_id field)."""

    id: int | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallLinks:
    rep: Rep | None
    customer: Customer | None
    opportunity: Opportunity | None


def parse_ref(fields: Mapping[str, str | None], name: str) -> RecordRef | None:
    """`{name}_id` must be a number; `{name}_external_id` is any CRM key."""
    raw_id = (fields.get(f"{name}_id") or "").strip()
    external = (fields.get(f"{name}_external_id") or "").strip() or None
    if raw_id and not raw_id.isdigit():
        raise InvalidInput(
            f"{name}_id must be a Huashu id (a number); use {name}_external_id for the CRM's key",
            field=f"{name}_id",
        )
    if not raw_id and external is None:
        return None
    return RecordRef(int(raw_id) if raw_id else None, external)


def resolve(session: Session, model: type[Record], ref: RecordRef | None) -> Record | None:
    if ref is None:
        return None
    what = _NAMES[model]
    if ref.id is not None:
        found = session.get(model, ref.id)
        if found is None:
            raise NotFound(f"{what} {ref.id} does not exist", field=f"{what}_id")
        return found
    found = session.scalar(select(model).where(model.external_id == ref.external_id))
    if found is None:
        raise NotFound(
            f"no {what} has external id {ref.external_id!r}", field=f"{what}_external_id"
        )
    return found


def resolve_call_links(
    session: Session,
    rep: RecordRef | None,
    customer: RecordRef | None,
    opportunity: RecordRef | None,
) -> CallLinks:
    """An opportunity implies its customer and owner when those are not named."""
    opp = resolve(session, Opportunity, opportunity)
    found_rep = resolve(session, Rep, rep) or (session.get(Rep, opp.owner_rep_id) if opp else None)
    found_customer = resolve(session, Customer, customer) or (
        session.get(Customer, opp.customer_id) if opp else None
    )
    return CallLinks(found_rep, found_customer, opp)
