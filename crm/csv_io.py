"""CSV import and export of CRM records, as a Chinese CRM exports them (UTF-8 or GBK, Chinese
column names mapped onto our field names).

Import applies the same rules as the JSON API (the pydantic In models, then crm/records.py), one
savepoint per row: a bad row is reported and skipped, the good rows go in. A row whose
external_id is already stored updates that record, so importing the same export twice changes
nothing. Columns that are not fields (the CRM's extras, or our own id / created_at on a
re-imported export) are ignored.

Unlike the other services, an import is a job of its own: it opens one transaction per chunk of
`IMPORT_CHUNK_ROWS` rows, so a 60 000-row file never holds the database's write lock for long
(on SQLite every other writer waits for it). Should a chunk fail on something other than its
rows (the database stays busy), the import stops there and says which rows went in: the same
file imported again with `start_row` carries on. The export is an ordinary service.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import EXPORT_CRM, IMPORT_CRM, authorize, visible
from auth.principal import Principal
from core.errors import HuashuError, InvalidInput, NotFound
from crm import records, schemas
from models import Base, SessionFactory, session_scope

__all__ = [
    "ENTITIES",
    "IMPORT_CHUNK_ROWS",
    "Entity",
    "ImportOptions",
    "ImportResult",
    "RowError",
    "export_csv",
    "import_csv",
]

IMPORT_CHUNK_ROWS = 50  # rows per transaction: a fraction of a second of the write lock
_log = logging.getLogger("huashu.crm")


@dataclass(frozen=True)
class Entity:
    """One importable table: its crm resource and the models that validate a row."""

    resource: records.Resource[Any]
    create_in: type[BaseModel]
    patch_in: type[BaseModel]

    def columns(self) -> set[str]:
        """Every field a column may map to: the In fields and the *_external_id alternatives."""
        return set(self.create_in.model_fields) | {_external(f) for f in self.resource.references}

    def required(self) -> list[str]:
        return [n for n, f in self.create_in.model_fields.items() if f.is_required()]


ENTITIES: dict[str, Entity] = {
    "teams": Entity(records.TEAMS, schemas.TeamIn, schemas.TeamPatch),
    "reps": Entity(records.REPS, schemas.RepIn, schemas.RepPatch),
    "customers": Entity(records.CUSTOMERS, schemas.CustomerIn, schemas.CustomerPatch),
    "opportunities": Entity(records.OPPORTUNITIES, schemas.OpportunityIn, schemas.OpportunityPatch),
    "follow-ups": Entity(records.FOLLOW_UPS, schemas.FollowUpIn, schemas.FollowUpPatch),
}


@dataclass(frozen=True)
class _Writer:
    """Who writes the rows, and the funnel their opportunities' stages must be on."""

    principal: Principal
    stages: tuple[str, ...]


class RowError(TypedDict):
    row: int  # 1-based data row, header excluded: what a user counts in Excel below the header
    field: str | None
    message: str


@dataclass
class _Tally:
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "failed": 0}
    )
    errors: list[RowError] = field(default_factory=list)
    stopped_at_row: int | None = None  # the first row not stored when a chunk could not be
    stopped_because: str | None = None

    def add(self, other: _Tally) -> None:
        for outcome, count in other.counts.items():
            self.counts[outcome] += count
        self.errors += other.errors


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] | None = None  # file column → our field
    dry_run: bool = False  # check and report, store nothing
    stages: tuple[str, ...] = ()  # the funnel, for opportunities' stages
    start_row: int = 1  # carry on an import that stopped: rows before this one are skipped


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: rows seen, created, updated and failed (with why), and where it
    stopped when a chunk could not be stored (import again from `stopped_at_row`)."""

    entity: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    failed: int
    stopped_at_row: int | None
    stopped_because: str | None
    errors: list[RowError]


def import_csv(
    factory: SessionFactory, entity: str, data: bytes, principal: Principal, options: ImportOptions
) -> ImportResult:
    """Import the file's rows; the report counts created, updated and failed rows. Each row is
    written as `principal` would write it through the API: a row outside their scope fails."""
    authorize(principal, IMPORT_CRM)
    spec = _entity(entity)
    table = _read_table(_decode(data))
    fields = _map_header(spec, entity, table.header, options.mapping or {})
    _check_required(spec, fields)
    rows = [(n, cells) for n, cells in table.rows if n >= options.start_row]
    tally = _Tally()
    writer = _Writer(principal, options.stages)
    for start in range(0, len(rows), IMPORT_CHUNK_ROWS):
        chunk = rows[start : start + IMPORT_CHUNK_ROWS]
        if not _import_chunk(factory, spec, fields, chunk, writer, options.dry_run, tally):
            break
    if table.broken is not None and tally.stopped_at_row is None:
        tally.errors.append(table.broken)
        tally.counts["failed"] += 1
    return _report(entity, options, len(rows) + (table.broken is not None), tally)


def _import_chunk(
    factory: SessionFactory,
    spec: Entity,
    fields: list[str | None],
    chunk: list[tuple[int, list[str]]],
    writer: _Writer,
    dry_run: bool,
    tally: _Tally,
) -> bool:
    """One transaction for the chunk; False (and the reason in `tally`) when it could not be
    stored. A dry run does the work in a savepoint it rolls back, so its report is exactly what
    a real import would say (constraints included) but nothing is stored."""
    try:
        with session_scope(factory) as session:
            outer = session.begin_nested() if dry_run else None
            done = _import_rows(session, spec, fields, chunk, writer)
            if outer is not None:
                outer.rollback()
    except Exception as exc:  # not a bad row (those are reported): the database, the disk…
        _log.exception("CSV import stopped at row %d", chunk[0][0])
        tally.stopped_at_row, tally.stopped_because = chunk[0][0], f"{type(exc).__name__}: {exc}"
        return False
    tally.add(done)
    return True


def _report(entity: str, options: ImportOptions, rows: int, tally: _Tally) -> ImportResult:
    counts = tally.counts
    return ImportResult(
        entity=entity, dry_run=options.dry_run, rows=rows, created=counts["created"],
        updated=counts["updated"], failed=counts["failed"], stopped_at_row=tally.stopped_at_row,
        stopped_because=tally.stopped_because, errors=tally.errors,
    )  # fmt: skip


def export_csv(session: Session, entity: str, principal: Principal) -> str:
    """The entity's rows `principal` may see, ordered by id, one column per table column."""
    authorize(principal, EXPORT_CRM)
    resource = _entity(entity).resource
    model: type[Base] = resource.model
    columns = [c.key for c in model.__table__.columns]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    scope = visible(principal, resource.read, model)
    for record in session.scalars(select(model).where(scope).order_by(model.__table__.c.id)):
        writer.writerow([_cell_text(getattr(record, c)) for c in columns])
    return out.getvalue()


def _entity(entity: str) -> Entity:
    if entity not in ENTITIES:
        raise NotFound(
            f"unknown entity {entity!r}; choose one of {', '.join(ENTITIES)}", field="entity"
        )
    return ENTITIES[entity]


def _decode(data: bytes) -> str:
    # Excel's "CSV UTF-8" starts with a BOM, other tools write plain UTF-8; older Chinese CRMs
    # and Excel's plain "CSV" on a Chinese Windows write GBK, which GB18030 is a superset of.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the file is neither UTF-8 nor GBK/GB18030 text (undecodable byte at offset "
            f"{exc.start}); save it as CSV from the CRM or Excel",
            field="file",
        ) from None


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # non-blank data rows, each with its 1-based row number
    broken: RowError | None = None  # a row the CSV reader could not read; reading stops there


def _read_table(text: str) -> _Table:
    """The stripped header and the data rows; a row with broken quoting ends the table there
    (everything after an unclosed quote would be one cell) and is reported as a row error."""
    # newline="" keeps line breaks inside quoted cells (multi-line 跟进内容) intact.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    broken: RowError | None = None
    while True:
        started_on = reader.line_num + 1
        try:
            records.append(next(reader))
        except StopIteration:
            break
        except csv.Error as exc:
            broken = _broken_row(len(records), started_on, exc)
            break
    if not records or not any(c.strip() for c in records[0]):
        raise InvalidInput("the file is empty; the first line must name the columns", field="file")
    # Excel pads exports with rows of empty cells; they are not records, but keep their numbers.
    rows = [(n, r) for n, r in enumerate(records[1:], start=1) if any(c.strip() for c in r)]
    return _Table([c.strip() for c in records[0]], rows, broken)


def _broken_row(row: int, line: int, exc: csv.Error) -> RowError:
    if row == 0:
        raise InvalidInput(f"the header line is not readable CSV: {exc}", field="file")
    message = (
        f"line {line}: broken quoting ({exc}); this row and the rest of the file were not read"
    )
    return {"row": row, "field": None, "message": message}


def _map_header(
    spec: Entity, entity: str, header: list[str], mapping: dict[str, str]
) -> list[str | None]:
    """Our field name for each column, None for a column we ignore."""
    mapping = {k.strip(): v.strip() for k, v in mapping.items()}
    known = spec.columns()
    names = [mapping.get(column, column) for column in header]
    # A mapping that names a field we do not have is a typo the user wants to hear about.
    wrong = [f"{c} → {mapping[c]}" for c in header if c in mapping and mapping[c] not in known]
    if wrong:
        raise InvalidInput(f"{entity} have no field for: {', '.join(wrong)}", field="mapping")
    twice = sorted({n for n in names if n in known and names.count(n) > 1})
    if twice:
        raise InvalidInput(f"more than one column gives: {', '.join(twice)}", field="mapping")
    return [name if name in known else None for name in names]


def _check_required(spec: Entity, fields: list[str | None]) -> None:
    present = set(fields)
    missing = [
        f"{f} (or {_external(f)})" if f in spec.resource.references else f
        for f in spec.required()
        if f not in present and _external(f) not in present
    ]
    if missing:
        raise InvalidInput(f"missing required columns: {', '.join(missing)}", field="file")


def _import_rows(
    session: Session,
    spec: Entity,
    fields: list[str | None],
    rows: list[tuple[int, list[str]]],
    writer: _Writer,
) -> _Tally:
    tally = _Tally()
    for number, cells in rows:
        try:
            outcome = _import_row(session, spec, _row_values(fields, cells), writer)
        except ValidationError as exc:
            tally.errors += _validation_errors(number, exc)
            outcome = "failed"
        except HuashuError as exc:
            tally.errors.append({"row": number, "field": exc.field, "message": exc.message})
            outcome = "failed"
        tally.counts[outcome] += 1
    return tally


def _row_values(fields: list[str | None], cells: list[str]) -> dict[str, Any]:
    """Field → cell text; an empty cell (or one Excel left off the end of the row) is None."""
    extra = [c for c in cells[len(fields) :] if c.strip()]
    if extra:
        raise InvalidInput(f"the row has {len(cells)} cells but the header names {len(fields)}")
    padded = cells + [""] * (len(fields) - len(cells))
    return {f: (_unguarded(c.strip()) or None) for f, c in zip(fields, padded, strict=False) if f}


def _import_row(session: Session, spec: Entity, values: dict[str, Any], writer: _Writer) -> str:
    """Create or update one record; "created" or "updated". Raises on a bad row."""
    _resolve_references(session, spec.resource, values)
    # Empty cells are left out so the In model's defaults apply (amount 0, status open, …): a
    # row means the same record whether it is new or already stored.
    record = spec.create_in.model_validate({k: v for k, v in values.items() if v is not None})
    existing = _stored_id(session, spec.resource, getattr(record, "external_id", None))
    with session.begin_nested():  # a failing row rolls back only its own writes
        if existing is None:
            records.create_record(session, spec.resource, record, writer.principal, writer.stages)
            return "created"
        # Only the file's columns change a stored record; the others keep their values.
        given = set(values) & set(spec.patch_in.model_fields)
        patch = spec.patch_in.model_validate(record.model_dump(include=given))
        records.update_record(
            session, spec.resource, existing, patch, writer.principal, writer.stages
        )
        return "updated"


def _resolve_references(
    session: Session, resource: records.Resource[Any], values: dict[str, Any]
) -> None:
    """Replace each *_external_id cell with the Huashu id of the record it names, in place."""
    for field_name, target in resource.references.items():
        alternative = _external(field_name)
        if alternative not in values:
            continue
        external_id = values.pop(alternative)
        if external_id is None:
            values.setdefault(field_name, None)
            continue
        found = _resolve_one(session, target, alternative, external_id)
        given = values.get(field_name)
        if given is not None and given != str(found):
            raise InvalidInput(
                f"{field_name} {given} and {alternative} {external_id!r} "
                f"({target.__name__.lower()} {found}) disagree",
                field=field_name,
            )
        values[field_name] = found


def _resolve_one(session: Session, target: type[Base], column: str, external_id: str) -> int:
    found = records.id_by_external_id(session, target, external_id)
    if found is None:
        name = target.__name__.lower()
        raise NotFound(f"no {name} has external id {external_id!r}", field=column)
    return found


def _stored_id(
    session: Session, resource: records.Resource[Any], external_id: str | None
) -> int | None:
    if external_id is None:
        return None  # rows without an external id cannot be matched: always a new record
    return records.id_by_external_id(session, resource.model, external_id)


def _validation_errors(number: int, exc: ValidationError) -> list[RowError]:
    errors: list[RowError] = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        message = error["msg"]
        if loc and error["type"] != "missing":  # the bad value helps find the cell
            message += f" (got {error['input']!r})"
        errors.append({"row": number, "field": str(loc[0]) if loc else None, "message": message})
    return errors


def _external(field_name: str) -> str:
    """customer_id → customer_external_id: the column that names the record by the CRM's key."""
    return field_name.removesuffix("_id") + "_external_id"


_FORMULA_START = ("=", "+", "-", "@")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Excel would run =HYPERLINK(...) typed into a note as a formula: a leading ' makes it
        # text there, and the import takes it off again so a round trip changes nothing.
        return "'" + value
    return str(value)


def _unguarded(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell
