"""/api/v1/import/{entity} and /api/v1/export/{entity}: CRM records as CSV files.

entity is one of teams, reps, customers, opportunities, follow-ups. Each route calls one service
(ingest/csv_io.py); the helpers here only unpack the HTTP form.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel

from api.deps import CurrentPrincipal, SessionDep, StateDep, requires
from ingest import csv_io as service
from ingest.access import CRM_WRITERS
from ingest.errors import InvalidInput, PayloadTooLarge

router = APIRouter(
    prefix="/api/v1",
    tags=["csv"],
    dependencies=[requires(CRM_WRITERS, "import or export CRM data")],
)
MAX_CSV_BYTES = 20 * 1024 * 1024  # a 20 MB CSV is ~100k CRM rows; split anything larger


class RowErrorOut(BaseModel):
    row: int
    field: str | None
    message: str


class ImportReport(BaseModel):
    entity: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    failed: int
    errors: list[RowErrorOut]


@router.post("/import/{entity}")
def import_records(
    entity: str,
    file: Annotated[UploadFile, File(description="A CSV file, UTF-8 or GBK, header first.")],
    session: SessionDep,
    state: StateDep,
    _p: CurrentPrincipal,
    mapping: Annotated[
        str | None,
        Form(description='JSON object, file column → field, e.g. {"客户名称": "company"}'),
    ] = None,
    dry_run_form: Annotated[bool | None, Form(alias="dry_run")] = None,
    dry_run: Annotated[bool, Query(description="Check and report, store nothing.")] = False,
) -> ImportReport:
    """Import rows; a row whose external_id is stored updates that record. Bad rows are
    reported with their row number and skipped."""
    report = service.import_csv(
        session,
        entity,
        _read_limited(file),
        mapping=_parse_mapping(mapping),
        dry_run=dry_run if dry_run_form is None else dry_run_form,  # the form field wins
        stages=state.settings.funnel,
    )
    return ImportReport.model_validate(report)


@router.get(
    "/export/{entity}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
def export_records(entity: str, session: SessionDep, _p: CurrentPrincipal) -> Response:
    """Every record of the entity, ordered by id; re-importing the file changes nothing."""
    text = service.export_csv(session, entity)  # raises for an unknown entity, so the
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
