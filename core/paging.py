"""Lists in pages: what a list service takes (`PageRequest`) and hands back (`Page`).

Every list service builds its own query from typed filters and pages it here, so a list route
only turns its query parameters into filters and a `PageRequest` (api/schemas/paging.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = ["Page", "PageRequest", "given", "paged"]

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # matching rows on every page
    limit: int
    offset: int

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.total, self.limit, self.offset)


def paged(session: Session, query: Select[Any], page: PageRequest, *order_by: Any) -> Page[Any]:
    """One page of `query`'s rows (scalars) in `order_by`'s order, with the total."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).limit(page.limit).offset(page.offset))
    return Page(list(rows), total, page.limit, page.offset)


def given(*pairs: tuple[object, Callable[[], Any]]) -> list[Any]:
    """The conditions whose filter value was given (not None), each made only then."""
    return [make() for value, make in pairs if value is not None]
