"""CRM records over HTTP: teams, reps, customers, opportunities, follow-ups, and their CSV
import and export.

Create / read / update / delete come from one factory (api/routes/records.py); each list route
takes its query model (api/schemas/crm.py) and hands the filters to the service that builds the
query (crm.records.list_records, or sales.segments where RFM scores are involved).
"""

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.routes.records import add_crud_routes
from api.schemas.crm import (
    CustomerOut,
    CustomerQuery,
    FollowUpOut,
    FollowUpQuery,
    ImportReport,
    OpportunityOut,
    OpportunityQuery,
    RepOut,
    RepQuery,
    RfmOut,
    TeamOut,
)
from api.schemas.paging import Page, PageQuery, page_out
from core.errors import InvalidInput, PayloadTooLarge
from core.types import MAX_ID
from crm import csv_io, records, schemas
from crm.filters import NoFilters
from models import utcnow
from sales.rfm import FixedBands
from sales.segments import FollowUpRow, RfmWindow, ScoredCustomer, list_customers, list_follow_ups

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
    session: SessionDep, principal: CurrentPrincipal, query: Annotated[PageQuery, Query()]
) -> Page[TeamOut]:
    found = records.list_records(session, records.TEAMS, principal, NoFilters(), query.page())
    return page_out(found, TeamOut)


@router.get("/reps")
def read_reps(
    session: SessionDep, principal: CurrentPrincipal, query: Annotated[RepQuery, Query()]
) -> Page[RepOut]:
    found = records.list_records(session, records.REPS, principal, query.filters(), query.page())
    return page_out(found, RepOut)


@router.get("/customers")
def read_customers(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    query: Annotated[CustomerQuery, Query()],
) -> Page[CustomerOut]:
    """Customers with their RFM scores and segment; `?segment=重要挽留客户` filters on it."""
    found = list_customers(
        session, principal, query.filters(), query.segment, query.page(), _rfm_window(state)
    )
    return page_out(found.map(_customer_out), CustomerOut)


def _customer_out(scored: ScoredCustomer) -> CustomerOut:
    out = CustomerOut.model_validate(scored.customer)
    if scored.rfm is not None:
        out.segment = scored.rfm.segment
        out.rfm = RfmOut.model_validate(scored.rfm, from_attributes=True)
    return out


def _rfm_window(state: StateDep) -> RfmWindow:
    settings = state.settings
    bands = FixedBands(high_value=settings.rfm_high_value_yuan)
    return RfmWindow(utcnow(), settings.rfm_frequency_days, settings.timezone,
                     settings.rfm_min_customers, bands, state.refresh_rfm)  # fmt: skip


@router.get("/opportunities")
def read_opportunities(
    session: SessionDep, principal: CurrentPrincipal, query: Annotated[OpportunityQuery, Query()]
) -> Page[OpportunityOut]:
    filters, page = query.filters(), query.page()
    found = records.list_records(session, records.OPPORTUNITIES, principal, filters, page)
    return page_out(found, OpportunityOut)


@router.get("/follow-ups")
def read_follow_ups(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    query: Annotated[FollowUpQuery, Query()],
) -> Page[FollowUpOut]:
    """Due and overdue next actions: `?status=open&due_before=2026-12-01&rep_id=3&order=segment`."""
    found = list_follow_ups(
        session, principal, query.filters(), query.order, query.page(), _rfm_window(state)
    )
    return page_out(found.map(_follow_up_out), FollowUpOut)


def _follow_up_out(row: FollowUpRow) -> FollowUpOut:
    out = FollowUpOut.model_validate(row.follow_up)
    out.overdue = row.overdue
    return out


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
    reported with their row number and skipped; rows go in 50 at a time."""
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
