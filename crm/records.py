"""CRUD for CRM records with the rules that need the database: referenced records must exist
(404 naming the id) and be visible to the writer (403), external ids are unique (409 naming the
holder), stages are on the funnel, a new open follow-up is not due in the past.

Every function takes the principal; reads and lists are scoped by the resource's read action,
writes by its write action before and after the change (auth/permissions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analysis.objectives import ACTION_LADDER
from auth.permissions import (
    READ_CUSTOMERS,
    READ_FOLLOW_UPS,
    READ_OPPORTUNITIES,
    READ_REPS,
    READ_TEAMS,
    WRITE_CUSTOMERS,
    WRITE_FOLLOW_UPS,
    WRITE_OPPORTUNITIES,
    WRITE_REPS,
    WRITE_TEAMS,
    Action,
    authorize,
    require_visible,
    require_visible_after,
    visible,
)
from auth.principal import Principal
from core.errors import Conflict, InvalidInput, NotFound
from core.paging import Page, PageRequest, paged
from crm.filters import Filters
from models import Base, Customer, FollowUp, Opportunity, Rep, Team, utcnow

__all__ = [
    "CUSTOMERS",
    "FOLLOW_UPS",
    "OPPORTUNITIES",
    "REPS",
    "TEAMS",
    "Resource",
    "create_record",
    "delete_record",
    "get_record",
    "id_by_external_id",
    "list_records",
    "update_record",
]

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Resource(Generic[M]):
    model: type[M]
    name: str  # singular, as messages say it: "rep 12 does not exist"
    read: Action  # who may see which of these records
    write: Action  # who may create, change and delete which
    references: Mapping[str, type[Base]] = field(default_factory=dict)  # field → table it points to
    order_by: str = "id"


TEAMS = Resource(Team, "team", READ_TEAMS, WRITE_TEAMS, {"manager_id": Rep})
REPS = Resource(Rep, "rep", READ_REPS, WRITE_REPS, {"team_id": Team})
CUSTOMERS = Resource(Customer, "customer", READ_CUSTOMERS, WRITE_CUSTOMERS, {"owner_rep_id": Rep})
OPPORTUNITIES = Resource(
    Opportunity,
    "opportunity",
    READ_OPPORTUNITIES,
    WRITE_OPPORTUNITIES,
    {"customer_id": Customer, "owner_rep_id": Rep},
)
FOLLOW_UPS = Resource(
    FollowUp,
    "follow-up",
    READ_FOLLOW_UPS,
    WRITE_FOLLOW_UPS,
    {"rep_id": Rep, "customer_id": Customer, "opportunity_id": Opportunity},
)
_REFERENCE_NAMES = {Team: "team", Rep: "rep", Customer: "customer", Opportunity: "opportunity"}
# A write may point only at records the writer may see.
_READ_REFERENCED: dict[type[Base], Action] = {
    Team: READ_TEAMS, Rep: READ_REPS, Customer: READ_CUSTOMERS, Opportunity: READ_OPPORTUNITIES,
}  # fmt: skip


def get_record(session: Session, resource: Resource[M], record_id: int, principal: Principal) -> M:
    """The record, if it exists (404) and `principal` may see it (403)."""
    return _stored(session, resource, record_id, principal, resource.read)


def list_records(
    session: Session,
    resource: Resource[M],
    principal: Principal,
    filters: Filters,
    page: PageRequest,
    order_by: Sequence[Any] = (),
) -> Page[M]:
    """A page of the records matching `filters` that `principal` may see: in `order_by`'s
    order where given, then newest first."""
    scope = visible(principal, resource.read, resource.model)
    query = select(resource.model).where(scope, *filters.conditions())
    newest = getattr(resource.model, resource.order_by).desc()
    return paged(session, query, page, *order_by, newest)


def create_record(
    session: Session,
    resource: Resource[M],
    data: BaseModel,
    writer: Principal,
    stages: Sequence[str] = (),
) -> M:
    """A new record; it must land inside the writer's scope (a manager's in their team)."""
    authorize(writer, resource.write)
    values = data.model_dump()
    _check(session, resource, values, writer, stages, creating=True)
    record = resource.model(**values)
    _flush_unique(session, resource, record, values.get("external_id"))
    require_visible_after(session, writer, resource.write, record)
    return record


def update_record(
    session: Session,
    resource: Resource[M],
    record_id: int,
    data: BaseModel,
    writer: Principal,
    stages: Sequence[str] = (),
) -> M:
    """Change a record the writer may change, without moving it out of their scope."""
    record = _stored(session, resource, record_id, writer, resource.write)
    values = data.model_dump(exclude_unset=True)
    merged = {**_columns(record), **values}
    _check(session, resource, merged, writer, stages, creating=False, changed=frozenset(values))
    for name, value in merged.items():  # the checks may fill in fields (closed_on on winning)
        if getattr(record, name) != value:
            setattr(record, name, value)
    _flush_unique(session, resource, record, None)
    require_visible_after(session, writer, resource.write, record)
    return record


def delete_record(
    session: Session, resource: Resource[M], record_id: int, writer: Principal
) -> None:
    record = _stored(session, resource, record_id, writer, resource.write)
    try:
        with session.begin_nested():
            session.delete(record)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"{resource.name} {record_id} is still referenced by other records"
        ) from None


def _stored(
    session: Session, resource: Resource[M], record_id: int, principal: Principal, action: Action
) -> M:
    authorize(principal, action)
    record = session.get(resource.model, record_id)
    if record is None:
        raise NotFound(f"{resource.name} {record_id} does not exist")
    require_visible(session, principal, action, record)
    return record


def _check(
    session: Session,
    resource: Resource[M],
    values: dict[str, Any],
    writer: Principal,
    stages: Sequence[str],
    *,
    creating: bool,
    changed: frozenset[str] = frozenset(),
) -> None:
    for field_name, target in resource.references.items():
        if creating or field_name in changed:  # an unchanged link was checked when it was made
            _check_reference(session, writer, target, values.get(field_name), field_name)
    if resource.model in (Opportunity, FollowUp):
        _check_objective(values, changed=creating or bool(_OBJECTIVE_FIELDS & changed))
    if resource.model is Opportunity:
        _check_opportunity(values, stages)
    if resource.model is FollowUp:
        _check_follow_up(values, due_changed=creating or "next_action_due" in changed)


def _check_opportunity(values: dict[str, Any], stages: Sequence[str]) -> None:
    if stages and values.get("stage") not in stages:
        raise InvalidInput(
            f"unknown stage {values.get('stage')!r}; the funnel is {' → '.join(stages)}",
            field="stage",
        )
    created, closed = values.get("created_on"), values.get("closed_on")
    if created and closed and closed < created:
        raise InvalidInput(f"closed_on {closed} is before created_on {created}", field="closed_on")
    if values.get("status") in ("won", "lost") and closed is None:
        values["closed_on"] = date.today()


_OBJECTIVE_FIELDS = frozenset({"objective_primary", "objective_minimum", "objective_due"})
_ASSESSMENT_FIELDS = ("objective_outcome", "objective_evidence", "objective_call_id",
                      "objective_assessed_at")  # fmt: skip


def _check_objective(values: dict[str, Any], *, changed: bool) -> None:
    """A minimum needs a primary and may not be above it; a new objective drops the old outcome."""
    if not changed:
        return
    primary, minimum = values.get("objective_primary"), values.get("objective_minimum")
    if minimum and not primary:
        raise InvalidInput(
            "an objective_minimum needs an objective_primary", field="objective_primary"
        )
    if primary and minimum and ACTION_LADDER[minimum] > ACTION_LADDER[primary]:
        raise InvalidInput(
            f"the minimum advance {minimum} is above the primary one {primary}",
            field="objective_minimum",
        )
    for name in _ASSESSMENT_FIELDS:
        values[name] = None


def _check_follow_up(values: dict[str, Any], *, due_changed: bool) -> None:
    due = values.get("next_action_due")
    if (
        due_changed
        and due is not None
        and values.get("status") in ("open", "draft")
        and due < date.today()
    ):
        raise InvalidInput(f"next_action_due {due} is in the past", field="next_action_due")
    if values.get("status") == "open" and values.get("confirmed_at") is None:
        values["confirmed_at"] = utcnow()  # confirming a draft (or creating an open one)


def _flush_unique(
    session: Session, resource: Resource[M], record: M, external_id: str | None
) -> None:
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        holder = id_by_external_id(session, resource.model, external_id) if external_id else None
        if holder is not None:
            raise Conflict(
                f"external id {external_id!r} is already used by {resource.name} {holder}",
                field="external_id",
            ) from None
        raise Conflict(
            f"this {resource.name} clashes with an existing one (a unique field is taken)"
        ) from None


def _check_reference(
    session: Session, writer: Principal, target: type[Base], ref: int | None, field_name: str
) -> None:
    if ref is None:
        return
    found = session.get(target, ref)
    if found is None:
        raise NotFound(f"{_REFERENCE_NAMES[target]} {ref} does not exist", field=field_name)
    require_visible(session, writer, _READ_REFERENCED[target], found)


def id_by_external_id(session: Session, model: type[Base], external_id: str) -> int | None:
    """The id of the record of `model` that the CRM knows as `external_id`, if there is one."""
    table = model.__table__
    found: int | None = session.scalar(select(table.c.id).where(table.c.external_id == external_id))
    return found


def _columns(record: Base) -> dict[str, Any]:
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}
