"""Report periods and the small SQL helpers every sales report shares."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

from auth.permissions import team_scope
from auth.principal import Principal

__all__ = ["Period", "day_before", "days_between", "month_of", "safe_ratio", "scoped"]


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in business dates; calls are placed by their local date in `timezone`."""

    start: date
    end: date
    team_id: int | None = None
    timezone: str = "Asia/Shanghai"

    def call_bounds(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.timezone)
        return datetime.combine(self.start, time(), zone), datetime.combine(self.end, time(), zone)


def scoped(principal: Principal, period: Period) -> Period:
    """The period as `principal` may see it: managers and reps only ever their own team."""
    return replace(period, team_id=team_scope(principal, period.team_id))


def safe_ratio(part: float | None, whole: float | None, digits: int = 4) -> float:
    return round(float(part or 0) / float(whole), digits) if whole else 0.0


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole days from `earlier` to `later`, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    difference: ColumnElement[Any] = later - earlier
    return difference


def month_of(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def day_before(end: date) -> date:
    return date.fromordinal(end.toordinal() - 1)
