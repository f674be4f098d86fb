"""CRUD for CRM records with the rules that need the database: referenced records must exist
(404 naming the id), external ids are unique (409 naming the holder), stages are on the funnel,
a new open follow-up is not due in the past."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.permissions import CRM_WRITERS, owns_follow_up
from auth.principal import Principal
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
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
    references: Mapping[str, type[Base]] = field(default_factory=dict)  # field → table it points to
    order_by: str = "id"


TEAMS = Resource(Team, "team", {"manager_id": Rep})
REPS = Resource(Rep, "rep", {"team_id": Team})
CUSTOMERS = Resource(Customer, "customer", {"owner_rep_id": Rep})
OPPORTUNITIES = Resource(Opportunity, "opportunity", {"customer_id": Customer, "owner_rep_id": Rep})
FOLLOW_UPS = Resource(
    FollowUp, "follow-up", {"rep_id": Rep, "customer_id": Customer, "opportunity_id": Opportunity}
)
_REFERENCE_NAMES = {Team: "team", Rep: "rep", Customer: "customer", Opportunity: "opportunity"}


def get_record(session: Session, resource: Resource[M], record_id: int) -> M:
    record = session.get(resource.model, record_id)
    if record is None:
        raise NotFound(f"{resource.name} {record_id} does not exist")
    return record


def list_records(
    session: Session, resource: Resource[M], conditions: Sequence[Any], *, limit: int, offset: int
) -> tuple[list[M], int]:
    query = select(resource.model).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = (
        query.order_by(getattr(resource.model, resource.order_by).desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(ordered)), total


def create_record(
    session: Session,
    resource: Resource[M],
    data: BaseModel,
    stages: Sequence[str] = (),
    writer: Principal | None = None,
) -> M:
    values = data.model_dump()
    _authorize_write(writer, resource, values)
    _check(session, resource, values, stages, creating=True)
    record = resource.model(**values)
    _flush_unique(session, resource, record, values.get("external_id"))
    return record


def update_record(
    session: Session,
    resource: Resource[M],
    record_id: int,
    data: BaseModel,
    stages: Sequence[str] = (),
    writer: Principal | None = None,
) -> M:
    record = get_record(session, resource, record_id)
    values = data.model_dump(exclude_unset=True)
    merged = {**_columns(record), **values}
    _authorize_write(writer, resource, _columns(record))  # theirs before the change…
    _authorize_write(writer, resource, merged)  # …and after it
    _check(session, resource, merged, stages, creating=False, changed=frozenset(values))
    for name, value in merged.items():  # the checks may fill in fields (closed_on on winning)
        if getattr(record, name) != value:
            setattr(record, name, value)
    _flush_unique(session, resource, record, None)
    return record


def delete_record(
    session: Session, resource: Resource[M], record_id: int, writer: Principal | None = None
) -> None:
    record = get_record(session, resource, record_id)
    _authorize_write(writer, resource, _columns(record))
    try:
        with session.begin_nested():
            session.delete(record)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"{resource.name} {record_id} is still referenced by other records"
        ) from None


def _authorize_write(
    writer: Principal | None, resource: Resource[Any], values: dict[str, Any]
) -> None:
    """Admins and managers change CRM records; a rep changes only their own follow-ups."""
    if writer is None or writer.role in CRM_WRITERS:
        return
    if resource.model is FollowUp and owns_follow_up(writer, values):
        return
    raise Forbidden(f"the {writer.role} role may not change {resource.name} records")


def _check(
    session: Session,
    resource: Resource[M],
    values: dict[str, Any],
    stages: Sequence[str],
    *,
    creating: bool,
    changed: frozenset[str] = frozenset(),
) -> None:
    for field_name, target in resource.references.items():
        ref = values.get(field_name)
        if ref is not None and session.get(target, ref) is None:
            raise NotFound(f"{_REFERENCE_NAMES[target]} {ref} does not exist", field=field_name)
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


def id_by_external_id(session: Session, model: type[Base], external_id: str) -> int | None:
    """The id of the record of `model` that the CRM knows as `external_id`, if there is one."""
    table = model.__table__
    found: int | None = session.scalar(select(table.c.id).where(table.c.external_id == external_id))
    return found


def _columns(record: Base) -> dict[str, Any]:
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}
