"""CRM records: teams, reps, customers, opportunities, follow-ups, targets.

Create / read / update / delete come from one factory (the same four thin routes per record);
each list route is written out, because each filters on its own fields.
"""

# No `from __future__ import annotations` here: FastAPI must see the real schema classes in the
# signatures the factory builds.
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from api.crm_schemas import CustomerOut, FollowUpOut, OpportunityOut, RepOut, TargetOut, TeamOut
from api.deps import CurrentPrincipal, SessionDep, StateDep, requires
from ingest import crm
from ingest import crm_schemas as schemas
from ingest.access import CRM_READERS
from models import Customer, FollowUp, Opportunity, Rep, Target

# Every CRM route: admins, managers and reps (reps change only their own follow-ups; the service
# checks writes); QA staff work from their queue, not the CRM.
router = APIRouter(
    prefix="/api/v1", tags=["crm"], dependencies=[requires(CRM_READERS, "use CRM records")]
)
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


class Page(BaseModel):
    items: list[Any]
    total: int
    limit: int
    offset: int


def _crud(
    path: str,
    resource: crm.Resource[Any],
    out: type[BaseModel],
    create_in: type[BaseModel],
    patch_in: type[BaseModel] | None,
    singular: str,
) -> None:
    """POST {path}, GET/PATCH/DELETE {path}/{id}, named create_x / read_x / update_x / delete_x."""

    def create(body: create_in, session: SessionDep, state: StateDep, _p: CurrentPrincipal) -> Any:  # type: ignore[valid-type]
        return out.model_validate(
            crm.create_record(session, resource, body, state.settings.funnel, _p)
        )

    def read(record_id: int, session: SessionDep, _p: CurrentPrincipal) -> Any:
        return out.model_validate(crm.get_record(session, resource, record_id))

    def delete(record_id: int, session: SessionDep, _p: CurrentPrincipal) -> None:
        crm.delete_record(session, resource, record_id, _p)

    _add(create, f"create_{singular}", "POST", path, out, status.HTTP_201_CREATED)
    _add(read, f"read_{singular}", "GET", path + "/{record_id}", out)
    _add(
        delete,
        f"delete_{singular}",
        "DELETE",
        path + "/{record_id}",
        None,
        status.HTTP_204_NO_CONTENT,
    )
    if patch_in is not None:

        def update(
            record_id: int,
            body: patch_in,  # type: ignore[valid-type]
            session: SessionDep,
            state: StateDep,
            _p: CurrentPrincipal,
        ) -> Any:
            record = crm.update_record(
                session, resource, record_id, body, state.settings.funnel, _p
            )
            return out.model_validate(record)

        _add(update, f"update_{singular}", "PATCH", path + "/{record_id}", out)


def _add(
    endpoint: Callable[..., Any], name: str, method: str, path: str, out: Any, code: int = 200
) -> None:
    endpoint.__name__ = name
    router.add_api_route(
        path, endpoint, methods=[method], response_model=out, status_code=code, name=name
    )


def _page(items: list[Any], total: int, out: type[BaseModel], limit: int, offset: int) -> Page:
    return Page(
        items=[out.model_validate(i) for i in items], total=total, limit=limit, offset=offset
    )


_crud("/teams", crm.TEAMS, TeamOut, schemas.TeamIn, schemas.TeamPatch, "team")
_crud("/reps", crm.REPS, RepOut, schemas.RepIn, schemas.RepPatch, "rep")
_crud(
    "/customers", crm.CUSTOMERS, CustomerOut, schemas.CustomerIn, schemas.CustomerPatch, "customer"
)
_crud(
    "/opportunities",
    crm.OPPORTUNITIES,
    OpportunityOut,
    schemas.OpportunityIn,
    schemas.OpportunityPatch,
    "opportunity",
)
_crud(
    "/follow-ups",
    crm.FOLLOW_UPS,
    FollowUpOut,
    schemas.FollowUpIn,
    schemas.FollowUpPatch,
    "follow_up",
)
_crud("/targets", crm.TARGETS, TargetOut, schemas.TargetIn, None, "target")


@router.get("/teams")
def read_teams(
    session: SessionDep, _p: CurrentPrincipal, limit: Limit = 50, offset: Offset = 0
) -> Page:
    items, total = crm.list_records(session, crm.TEAMS, [], limit=limit, offset=offset)
    return _page(items, total, TeamOut, limit, offset)


@router.get("/reps")
def read_reps(
    session: SessionDep, _p: CurrentPrincipal, team_id: int | None = None, active: bool | None = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    conditions = _where(
        (team_id, lambda: Rep.team_id == team_id), (active, lambda: Rep.active == active)
    )
    items, total = crm.list_records(session, crm.REPS, conditions, limit=limit, offset=offset)
    return _page(items, total, RepOut, limit, offset)


@router.get("/customers")
def read_customers(
    session: SessionDep, _p: CurrentPrincipal, owner_rep_id: int | None = None, tier: str | None = None,
    q: Annotated[str | None, Query(description="Part of the company name")] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    conditions = _where(
        (owner_rep_id, lambda: Customer.owner_rep_id == owner_rep_id),
        (tier, lambda: Customer.tier == tier),
        (q, lambda: Customer.company.contains(q or "")),
    )
    items, total = crm.list_records(session, crm.CUSTOMERS, conditions, limit=limit, offset=offset)
    return _page(items, total, CustomerOut, limit, offset)


@router.get("/opportunities")
def read_opportunities(
    session: SessionDep, _p: CurrentPrincipal, owner_rep_id: int | None = None, customer_id: int | None = None,
    stage: str | None = None, status_: Annotated[str | None, Query(alias="status")] = None,
    created_from: date | None = None, created_to: date | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    conditions = _where(
        (owner_rep_id, lambda: Opportunity.owner_rep_id == owner_rep_id),
        (customer_id, lambda: Opportunity.customer_id == customer_id),
        (stage, lambda: Opportunity.stage == stage),
        (status_, lambda: Opportunity.status == status_),
        (created_from, lambda: Opportunity.created_on >= created_from),
        (created_to, lambda: Opportunity.created_on < created_to),
    )
    items, total = crm.list_records(
        session, crm.OPPORTUNITIES, conditions, limit=limit, offset=offset
    )
    return _page(items, total, OpportunityOut, limit, offset)


@router.get("/follow-ups")
def read_follow_ups(
    session: SessionDep, _p: CurrentPrincipal, rep_id: int | None = None, customer_id: int | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None, due_before: date | None = None,
    due_after: date | None = None, call_id: int | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    """Due and overdue next actions: `?status=open&due_before=2026-12-01&rep_id=3`."""
    conditions = _where(
        (rep_id, lambda: FollowUp.rep_id == rep_id),
        (customer_id, lambda: FollowUp.customer_id == customer_id),
        (status_, lambda: FollowUp.status == status_),
        (due_before, lambda: FollowUp.next_action_due < due_before),
        (due_after, lambda: FollowUp.next_action_due >= due_after),
        (call_id, lambda: FollowUp.call_id == call_id),
    )
    items, total = crm.list_records(session, crm.FOLLOW_UPS, conditions, limit=limit, offset=offset)
    page = _page(items, total, FollowUpOut, limit, offset)
    today = date.today()
    for item in page.items:
        item.overdue = (
            item.status == "open"
            and item.next_action_due is not None
            and item.next_action_due < today
        )
    return page


@router.get("/targets")
def read_targets(
    session: SessionDep, _p: CurrentPrincipal, team_id: int | None = None, rep_id: int | None = None,
    year: int | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page:  # fmt: skip
    conditions = _where(
        (team_id, lambda: Target.team_id == team_id),
        (rep_id, lambda: Target.rep_id == rep_id),
        (year, lambda: Target.year == year),
    )
    items, total = crm.list_records(session, crm.TARGETS, conditions, limit=limit, offset=offset)
    return _page(items, total, TargetOut, limit, offset)


def _where(*pairs: tuple[object, Callable[[], Any]]) -> list[Any]:
    """The conditions whose query parameter was given."""
    return [make() for value, make in pairs if value is not None]
