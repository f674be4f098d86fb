"""Bounded value types for everything that comes in from outside (HTTP, CSV, forms).

Python's int and float have no bounds, but the database does: an id past 2⁶³ − 1 cannot even be
looked up, a year-9999 date overflows the first "+ 1 day", an amount of 1e999 is stored as
infinity and breaks every report that sums it. These types refuse such values at the edge with
a 422 that names the field, so no service ever sees them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import Interval, Len
from pydantic import AfterValidator, AllowInfNan, AwareDatetime

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_ID",
    "Count",
    "Id",
    "Money",
    "SaneDate",
    "SaneDateTime",
    "Seconds",
    "ShortList",
]

MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL bigint columns hold
EARLIEST_DATE = date(2000, 1, 1)  # no call, deal or target of ours lies outside these years
LATEST_DATE = date(2100, 12, 31)

Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
Count = Annotated[int, Interval(ge=0, le=MAX_ID)]
Money = Annotated[float, AllowInfNan(False), Interval(ge=0, le=1e13)]  # yuan; 10 万亿 is plenty
Seconds = Annotated[float, AllowInfNan(False), Interval(ge=0, le=86_400 * 7)]
SaneDate = Annotated[date, Interval(ge=EARLIEST_DATE, le=LATEST_DATE)]


def _in_sane_years(moment: datetime) -> datetime:
    if not EARLIEST_DATE.year <= moment.year <= LATEST_DATE.year:
        raise ValueError(f"the year must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return moment


SaneDateTime = Annotated[AwareDatetime, AfterValidator(_in_sane_years)]
ShortList = Len(max_length=1000)  # lists of ids in stored configurations stay small
