"""A search's scope and filters as scope tokens of the search index (migration 0016: SQLite's
`search_scope` column, PostgreSQL's `#`-marked lexemes in `search_vector`), so the index
intersects the lists itself instead of looking up the call of every matching turn: who may see
the call (the principal's `CallReach`), rep, team, customer, speaker, label and the date range.

The tokens say exactly what the SQL conditions say, with one exception: a date range cut inside
a day. Whole days, months and years of the range are tokens; the calls of its first and last
day, when the range starts or ends inside them, are checked against the range in SQL
(`edge_days`, a second, small search). When the principal's reach is too wide to write as
tokens (a QA queue of thousands of calls) `narrowed` gives None and the search joins instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from auth.permissions import CallReach
from models import Rep
from models.call_scope import (
    CALL,
    CUSTOMER,
    DAY,
    MONTH,
    REP,
    SPEAKER,
    YEAR,
    ScopeColumn,
    label_token,
)
from search.schemas import SearchQuery

__all__ = ["MAX_TOKENS", "NOTHING", "Narrowed", "narrowed"]

MAX_TOKENS = 1000  # bounds the index query's text; a wider reach joins instead
NOTHING = CALL.token(0)  # no call has id 0: a group of no tokens matches no turn


@dataclass(frozen=True, slots=True)
class Narrowed:
    """`scope`: groups of tokens; a turn must have one token of every group. With a date range,
    `whole_days` are the tokens of the days wholly inside it (None: no range) and `edge_days`
    those of the days it cuts, whose calls SQL checks against the range."""

    scope: tuple[tuple[str, ...], ...]
    whole_days: tuple[str, ...] | None = None
    edge_days: tuple[str, ...] = ()


def narrowed(session: Session, reach: CallReach, query: SearchQuery) -> Narrowed | None:
    """The index tokens for `reach` and `query`'s filters; None when too many to write."""
    reached = _reach_tokens(session, reach)
    groups = [*([] if reached is None else [reached]), *_filter_tokens(session, query)]
    if any(len(group) > MAX_TOKENS for group in groups):
        return None
    scope = tuple(tuple(group or [NOTHING]) for group in groups)
    if query.occurred_from is None and query.occurred_to is None:
        return Narrowed(scope)
    whole, edges = _day_cover(query.occurred_from, query.occurred_to)
    return Narrowed(scope, tuple(whole), tuple(edges))


def _reach_tokens(session: Session, reach: CallReach) -> list[str] | None:
    if reach.everything:
        return None
    tokens = []
    for part in reach.parts:
        tokens += _tokens(session, part.column, part.values)
    return tokens


def _tokens(session: Session, column: ScopeColumn, values: int | Select[Any]) -> list[str]:
    """The index tokens of `column` for one id, or for the ids a SELECT gives (distinct, at
    most one past the bound: a call in two playlists must not hide a call past the limit)."""
    if isinstance(values, int):
        return [column.token(values)]
    return [column.token(v) for v in session.scalars(values.distinct().limit(MAX_TOKENS + 1))]


def _team_reps(team_id: int) -> Select[Any]:
    return select(Rep.id).where(Rep.team_id == team_id)


def _filter_tokens(session: Session, query: SearchQuery) -> Iterator[list[str]]:
    if query.rep_id is not None:
        yield [REP.token(query.rep_id)]
    if query.team_id is not None:
        yield _tokens(session, REP, _team_reps(query.team_id))
    if query.customer_id is not None:
        yield [CUSTOMER.token(query.customer_id)]
    if query.speaker is not None:
        yield [f"{SPEAKER}{query.speaker}"]
    if query.label is not None:
        yield [label_token(query.label)]


def _day_cover(start: datetime | None, end: datetime | None) -> tuple[list[str], list[str]]:
    """Tokens of the days (as months and years where whole) inside [start, end) and of the
    days the range cuts. Days are UTC days, as stored."""
    first, last = _utc_day(start, date(2000, 1, 1)), _utc_day(end, date(2101, 1, 1))
    edges = []
    if start is not None and _cuts(start):
        edges.append(first)
        first += timedelta(days=1)
    if end is not None and _cuts(end) and last not in edges:
        edges.append(last)
    whole = list(_calendar_tokens(first, last)) if first < last else []
    return whole, [f"{DAY}{day:%Y%m%d}" for day in edges]


def _utc_day(moment: datetime | None, default: date) -> date:
    return default if moment is None else moment.astimezone(UTC).date()


def _cuts(moment: datetime) -> bool:
    """Whether a range that starts or ends at `moment` cuts its UTC day (not at midnight)."""
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0)


def _calendar_tokens(first: date, stop: date) -> Iterator[str]:
    """The fewest day, month and year tokens that cover the days [first, stop)."""
    day = first
    while day < stop:
        if day.month == 1 and day.day == 1 and date(day.year + 1, 1, 1) <= stop:
            yield f"{YEAR}{day.year}"
            day = date(day.year + 1, 1, 1)
        elif day.day == 1 and _next_month(day) <= stop:
            yield f"{MONTH}{day:%Y%m}"
            day = _next_month(day)
        else:
            yield f"{DAY}{day:%Y%m%d}"
            day += timedelta(days=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
