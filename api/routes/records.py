"""The routes every stored record shares: create / read / update / delete from one factory (CRM
records and sales targets use it). List routes: api/schemas/paging.py."""

# No `from __future__ import annotations` here: FastAPI must see the real schema classes in the
# signatures the factory builds.
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from api.deps import CurrentPrincipal, SessionDep, StateDep
from core.types import Id
from crm import records

__all__ = ["add_crud_routes"]


def add_crud_routes(
    router: APIRouter,
    path: str,
    resource: records.Resource[Any],
    out: type[BaseModel],
    create_in: type[BaseModel],
    patch_in: type[BaseModel] | None,
    singular: str,
) -> None:
    """POST {path}, GET/PATCH/DELETE {path}/{id}, named create_x / read_x / update_x / delete_x."""

    def create(body: create_in, session: SessionDep, state: StateDep, _p: CurrentPrincipal) -> Any:  # type: ignore[valid-type]
        return out.model_validate(
            records.create_record(session, resource, body, _p, state.settings.funnel)
        )

    def read(record_id: Id, session: SessionDep, _p: CurrentPrincipal) -> Any:
        return out.model_validate(records.get_record(session, resource, record_id, _p))

    def delete(record_id: Id, session: SessionDep, _p: CurrentPrincipal) -> None:
        records.delete_record(session, resource, record_id, _p)

    _add(router, create, f"create_{singular}", "POST", path, out, status.HTTP_201_CREATED)
    _add(router, read, f"read_{singular}", "GET", path + "/{record_id}", out)
    _add(router, delete, f"delete_{singular}", "DELETE", path + "/{record_id}", None, 204)
    if patch_in is not None:

        def update(
            record_id: Id,
            body: patch_in,  # type: ignore[valid-type]
            session: SessionDep,
            state: StateDep,
            _p: CurrentPrincipal,
        ) -> Any:
            record = records.update_record(
                session, resource, record_id, body, _p, state.settings.funnel
            )
            return out.model_validate(record)

        _add(router, update, f"update_{singular}", "PATCH", path + "/{record_id}", out)


def _add(
    router: APIRouter,
    endpoint: Callable[..., Any],
    name: str,
    method: str,
    path: str,
    out: Any,
    code: int = 200,
) -> None:
    endpoint.__name__ = name
    router.add_api_route(
        path, endpoint, methods=[method], response_model=out, status_code=code, name=name
    )
