"""The query parameters every list route shares (limit, offset), and the page it answers with.

A list route takes one query model, `Annotated[XQuery, Query()]`: a `PageQuery` with the list's
own filters and a `filters()` that turns them into the domain's filter dataclass, so the route
hands typed filters and a `PageRequest` to the service that builds the query:

    @router.get("/reps")
    def read_reps(session: SessionDep, principal: CurrentPrincipal,
                  query: Annotated[RepQuery, Query()]) -> Page[RepOut]:
        found = records.list_records(session, REPS, principal, query.filters(), query.page())
        return page_out(found, RepOut)
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from core import paging
from core.types import MAX_ID

__all__ = ["MOMENT", "Page", "PageQuery", "page_out"]

MOMENT = (
    "A date or an ISO 8601 time; without an offset it is local time (HUASHU_TIMEZONE), and a "
    "date alone is that day's midnight."
)

Item = TypeVar("Item")
Out = TypeVar("Out", bound=BaseModel)


class PageQuery(BaseModel):
    limit: int = Field(50, ge=1, le=200, description="Items per page.")
    offset: int = Field(0, ge=0, le=MAX_ID, description="Items to skip.")

    def page(self) -> paging.PageRequest:
        return paging.PageRequest(self.limit, self.offset)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int


def page_out(page: paging.Page[Any], out: type[Out]) -> Page[Out]:
    """`page` with every item read into `out` (attribute by attribute)."""
    return Page[Out](
        items=[out.model_validate(item, from_attributes=True) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
