"""CRM records over HTTP: teams, reps, customers, opportunities, follow-ups, and their CSV
import and export.

Create / read / update / delete come from one factory (api/routes/records.py); each list route
is written out, because each filters on its own fields.
"""

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.routes.records import Limit, Offset, add_crud_routes, page_of, where
from api.schemas.crm import (
    CustomerOut,
    FollowUpOut,
    ImportReport,
    OpportunityOut,
    Page,
    RepOut,
    RfmOut,
    TeamOut,
)
from core.errors import InvalidInput, PayloadTooLarge
from core.types import MAX_ID, Id, SaneDate
from crm import csv_io, records, schemas
from models import Customer, FollowUp, Opportunity, Rep, utcnow
from sales.rfm import SEGMENTS
from sales.segments import customer_scores, in_segment, segment_order

# Who may see or change which records is decided by the services (auth/permissions.py).
router = APIRouter(prefix="/api/v1", tags=["crm"])
add_crud_routes(router, "/teams", records.TEAMS, TeamOut, schemas.TeamIn, schemas.TeamPatch, "team")
add_crud_routes(router, "/reps", records.REPS, RepOut, schemas.RepIn, schemas.RepPatch, "rep")
add_crud_routes(
    router,
    "/customers",
    records.CUSTOMERS,
    CustomerOut,
    schemas.CustomerIn,
    schemas.CustomerPatch,
    "customer",
)
add_crud_routes(
    router,
    "/opportunities",
    records.OPPORTUNITIES,
    OpportunityOut,
    schemas.OpportunityIn,
    schemas.OpportunityPatch,
    "opportunity",
)
add_crud_routes(
    router,
    "/follow-ups",
    records.FOLLOW_UPS,
    FollowUpOut,
    schemas.FollowUpIn,
    schemas.FollowUpPatch,
    "follow_up",
)


@router.get("/teams")
def read_teams(
    session: SessionDep, _p: CurrentPrincipal, limit: Limit = 50, offset: Offset = 0
) -> Page[TeamOut]:
    items, total = records.list_records(session, records.TEAMS, _p, [], limit=limit, offset=offset)
    return page_of(items, total, TeamOut, limit, offset)


@router.get("/reps")
def read_reps(
    session: SessionDep, _p: CurrentPrincipal, team_id: Id | None = None, active: bool | None = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page[RepOut]:  # fmt: skip
    conditions = where(
        (team_id, lambda: Rep.team_id == team_id), (active, lambda: Rep.active == active)
    )
    items, total = records.list_records(
        session, records.REPS, _p, conditions, limit=limit, offset=offset
    )
    return page_of(items, total, RepOut, limit, offset)


@router.get("/customers")
def read_customers(
    session: SessionDep, state: StateDep, _p: CurrentPrincipal, owner_rep_id: Id | None = None,
    tier: str | None = None, q: Annotated[str | None, Query(description="Part of the company name")] = None,
    segment: Annotated[str | None, Query(description="RFM segment, e.g. 重要价值客户")] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page[CustomerOut]:  # fmt: skip
    """Customers with their RFM scores and segment; `?segment=重要挽留客户` filters on it."""
    if segment is not None and segment not in SEGMENTS:
        raise InvalidInput(
            f"unknown segment {segment!r}; one of {'、'.join(SEGMENTS)}", field="segment"
        )
    scores = customer_scores(
        session, _p, utcnow(), state.settings.rfm_frequency_days, state.settings.timezone
    )
    conditions = where(
        (owner_rep_id, lambda: Customer.owner_rep_id == owner_rep_id),
        (tier, lambda: Customer.tier == tier),
        (q, lambda: Customer.company.contains(q or "")),
        (segment, lambda: in_segment(scores, segment or "", Customer.id)),
    )
    items, total = records.list_records(
        session, records.CUSTOMERS, _p, conditions, limit=limit, offset=offset
    )
    page = page_of(items, total, CustomerOut, limit, offset)
    for item in page.items:
        score = scores.get(item.id)
        if score is not None:
            item.segment, item.rfm = (
                score.segment,
                RfmOut.model_validate(score, from_attributes=True),
            )
    return page


@router.get("/opportunities")
def read_opportunities(
    session: SessionDep, _p: CurrentPrincipal, owner_rep_id: Id | None = None, customer_id: Id | None = None,
    stage: str | None = None, status_: Annotated[str | None, Query(alias="status")] = None,
    created_from: SaneDate | None = None, created_to: SaneDate | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page[OpportunityOut]:  # fmt: skip
    conditions = where(
        (owner_rep_id, lambda: Opportunity.owner_rep_id == owner_rep_id),
        (customer_id, lambda: Opportunity.customer_id == customer_id),
        (stage, lambda: Opportunity.stage == stage),
        (status_, lambda: Opportunity.status == status_),
        (created_from, lambda: Opportunity.created_on >= created_from),
        (created_to, lambda: Opportunity.created_on < created_to),
    )
    items, total = records.list_records(
        session, records.OPPORTUNITIES, _p, conditions, limit=limit, offset=offset
    )
    return page_of(items, total, OpportunityOut, limit, offset)


@router.get("/follow-ups")
def read_follow_ups(
    session: SessionDep, state: StateDep, _p: CurrentPrincipal, rep_id: Id | None = None, customer_id: Id | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None, due_before: SaneDate | None = None,
    due_after: SaneDate | None = None, call_id: Id | None = None,
    order: Annotated[Literal["newest", "segment"], Query(
        description="`segment`: most valuable RFM segment first, then earliest due")] = "newest",
    limit: Limit = 50, offset: Offset = 0,
) -> Page[FollowUpOut]:  # fmt: skip
    """Due and overdue next actions: `?status=open&due_before=2026-12-01&rep_id=3&order=segment`."""
    conditions = where(
        (rep_id, lambda: FollowUp.rep_id == rep_id),
        (customer_id, lambda: FollowUp.customer_id == customer_id),
        (status_, lambda: FollowUp.status == status_),
        (due_before, lambda: FollowUp.next_action_due < due_before),
        (due_after, lambda: FollowUp.next_action_due >= due_after),
        (call_id, lambda: FollowUp.call_id == call_id),
    )
    order_by: list[Any] = []
    if order == "segment":
        scores = customer_scores(
            session, _p, utcnow(), state.settings.rfm_frequency_days, state.settings.timezone
        )
        order_by = [segment_order(scores, FollowUp.customer_id), FollowUp.next_action_due]
    items, total = records.list_records(
        session, records.FOLLOW_UPS, _p, conditions, limit=limit, offset=offset, order_by=order_by
    )
    page = page_of(items, total, FollowUpOut, limit, offset)
    today = date.today()
    for item in page.items:
        item.overdue = (
            item.status == "open"
            and item.next_action_due is not None
            and item.next_action_due < today
        )
    return page


MAX_CSV_BYTES = 20 * 1024 * 1024  # a 20 MB CSV is ~100k CRM rows; split anything larger


@router.post("/import/{entity}")
def import_records(
    entity: str,
    file: Annotated[UploadFile, File(description="A CSV file, UTF-8 or GBK, header first.")],
    state: StateDep,
    _p: CurrentPrincipal,
    mapping: Annotated[
        str | None,
        Form(description='JSON object, file column → field, e.g. {"客户名称": "company"}'),
    ] = None,
    dry_run_form: Annotated[bool | None, Form(alias="dry_run")] = None,
    dry_run: Annotated[bool, Query(description="Check and report, store nothing.")] = False,
    start_row: Annotated[
        int, Query(ge=1, le=MAX_ID, description="Carry on a stopped import from this row.")
    ] = 1,
) -> ImportReport:
    """Import rows; a row whose external_id is stored updates that record. Bad rows are
    reported with their row number and skipped; rows go in 200 at a time."""
    options = csv_io.ImportOptions(
        mapping=_parse_mapping(mapping),
        dry_run=dry_run if dry_run_form is None else dry_run_form,  # the form field wins
        stages=state.settings.funnel,
        start_row=start_row,
    )
    data = _read_limited(file)
    report = csv_io.import_csv(state.session_factory, entity, data, _p, options)
    return ImportReport.model_validate(report, from_attributes=True)


@router.get(
    "/export/{entity}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
def export_records(entity: str, session: SessionDep, _p: CurrentPrincipal) -> Response:
    """The records of the entity the caller may see, ordered by id; re-importing the file
    changes nothing."""
    text = csv_io.export_csv(session, entity, _p)  # raises for an unknown entity, so the
    # filename below is always one of the fixed entity names.
    return Response(
        "\ufeff" + text,  # without the BOM, Excel reads UTF-8 as the local code page: mojibake
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{entity}.csv"'},
    )


def _read_limited(file: UploadFile) -> bytes:
    # Read one byte past the limit: enough to know the file is too large without loading it.
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise PayloadTooLarge(
            f"the file is over {MAX_CSV_BYTES // 2**20} MB; split it into smaller files",
            field="file",
        )
    return data


def _parse_mapping(text: str | None) -> dict[str, str] | None:
    if text is None or not text.strip():
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"mapping is not valid JSON: {exc.msg}", field="mapping") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise InvalidInput(
            'mapping must be a JSON object of column → field, e.g. {"客户名称": "company"}',
            field="mapping",
        )
    return parsed
