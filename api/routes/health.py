"""GET /health: is the service able to work (database reachable, worker running)?"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from api.deps import SessionDep, StateDep
from api.schemas.ingest import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health")
def read_health(session: SessionDep, state: StateDep, response: Response) -> HealthOut:
    session.execute(text("SELECT 1"))
    worker = (
        "absent"
        if state.worker_alive is None
        else ("running" if state.worker_alive() else "stopped")
    )
    if worker == "stopped":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthOut(
        status="ok" if worker != "stopped" else "degraded",
        database="ok",
        worker=worker,
        model=state.model_name,
    )
