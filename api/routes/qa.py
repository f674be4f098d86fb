"""QA rules and each call's rule report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentPrincipal, SessionDep
from ingest import qa as service

router = APIRouter(prefix="/api/v1", tags=["qa"])


class RuleBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(
        description="required_phrase, forbidden_phrase, keyword_expression, silence, …"
    )
    params: dict[str, Any]
    severity: str = "warning"
    points: int = 5
    active: bool = True


class RuleOut(RuleBody):
    model_config = ConfigDict(from_attributes=True)

    id: int


def _rule_in(body: RuleBody) -> service.RuleIn:
    return service.RuleIn(
        body.name, body.kind, body.params, body.severity, body.points, body.active
    )


@router.post("/qa/rules", status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleBody, session: SessionDep, principal: CurrentPrincipal) -> RuleOut:
    return RuleOut.model_validate(service.create_rule(session, _rule_in(body), principal))


@router.get("/qa/rules")
def read_rules(session: SessionDep, principal: CurrentPrincipal) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in service.list_rules(session, principal)]


@router.put("/qa/rules/{rule_id}")
def update_rule(
    rule_id: int, body: RuleBody, session: SessionDep, principal: CurrentPrincipal
) -> RuleOut:
    return RuleOut.model_validate(service.update_rule(session, rule_id, _rule_in(body), principal))


@router.delete("/qa/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: int, session: SessionDep, principal: CurrentPrincipal) -> None:
    service.delete_rule(session, rule_id, principal)


@router.get("/calls/{call_id}/qa")
def read_rule_report(
    call_id: int, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Which rules the call hits, where, and its QA score (100 minus each hit rule's points)."""
    return service.rule_report(session, call_id, principal)
