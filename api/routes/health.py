"""Operations: GET /health (is the service able to work?) and GET /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.schemas.ingest import HealthOut
from auth.permissions import READ_OPERATIONS, authorize

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


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def read_metrics(request: Request, principal: CurrentPrincipal) -> Response:
    """Jobs by state, queue depth, failures, transcription speed, request latency (admins, and
    the token a Prometheus scraper is given)."""
    authorize(principal, READ_OPERATIONS)
    registry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
