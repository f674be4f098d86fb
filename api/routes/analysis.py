"""Analysis: read a call's analysis, re-run it, and analyse text turns without storing them."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.schemas import AnalysisOut, CallAccepted
from ingest import analysis as service

router = APIRouter(prefix="/api/v1", tags=["analysis"])


class TurnIn(BaseModel):
    speaker: Literal["rep", "customer"]
    text: str = Field(max_length=service.MAX_TURN_CHARS)


class AnalyzeIn(BaseModel):
    turns: list[TurnIn] = Field(max_length=service.MAX_TURNS)
    call_date: date | None = Field(
        None, description="Dates like 下周二 are resolved from this day."
    )


@router.get("/calls/{call_id}/analysis")
def read_analysis(call_id: int, session: SessionDep, principal: CurrentPrincipal) -> AnalysisOut:
    """Turns with SPIN types and commitments, metrics, commitments and the coaching score."""
    return AnalysisOut.model_validate(service.read_analysis(session, call_id, principal))


@router.post("/calls/{call_id}/reanalyze", status_code=status.HTTP_202_ACCEPTED)
def reanalyze_call(
    call_id: int, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> CallAccepted:
    """Analyse the stored transcript again (after a dictionary or model update)."""
    call = service.request_reanalysis(session, call_id, state.wake_worker, principal)
    return CallAccepted(id=call.id, status=call.status, duplicate=False)


@router.post("/analyze")
async def analyze_turns(
    body: AnalyzeIn, state: StateDep, _principal: CurrentPrincipal
) -> AnalysisOut:
    """Analyse turns given as text; nothing is stored (times in the result are null)."""
    turns = [service.TextTurn(t.speaker, t.text) for t in body.turns]
    result: dict[str, Any] = await run_in_threadpool(
        lambda: service.analyze_text(state.analyzer.get(), turns, body.call_date)
    )
    return AnalysisOut.model_validate(result)
