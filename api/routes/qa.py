"""QA over HTTP: rules and each call's rule report, sampling plans and queues, reviews,
appeals and pass-rate reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentPrincipal, SessionDep, StateDep
from api.schemas.auth import ReviewerOut
from api.schemas.qa import (
    AppealBody,
    DecisionBody,
    DrawOut,
    PlanBody,
    PlanOut,
    QaReportOut,
    QueueItemOut,
    ReviewBody,
    ReviewOut,
    RuleBody,
    RuleOut,
    RuleReportOut,
    RuleTrialBody,
    RuleTrialOut,
)
from core.types import Id, SaneDate
from qa import reports, reviews, sampling
from qa import rules as service

router = APIRouter(prefix="/api/v1", tags=["qa"])


def _rule_in(body: RuleBody) -> service.RuleIn:
    return service.RuleIn(
        body.name, body.kind, body.params, body.severity, body.points, body.active
    )


@router.post("/qa/rules", status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleBody, session: SessionDep, principal: CurrentPrincipal) -> RuleOut:
    return RuleOut.model_validate(service.create_rule(session, _rule_in(body), principal))


@router.post("/qa/rules/test")
def test_rule(
    body: RuleTrialBody, session: SessionDep, principal: CurrentPrincipal
) -> RuleTrialOut:
    """Try a rule (saved or not) on one analysed call: what it would hit. Nothing is stored."""
    hits = service.try_rule(session, _rule_in(body), body.call_id, principal)
    return RuleTrialOut.model_validate(
        {"call_id": body.call_id, "hits": hits}, from_attributes=True
    )


@router.get("/qa/rules")
def read_rules(session: SessionDep, principal: CurrentPrincipal) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in service.list_rules(session, principal)]


@router.put("/qa/rules/{rule_id}")
def update_rule(
    rule_id: Id, body: RuleBody, session: SessionDep, principal: CurrentPrincipal
) -> RuleOut:
    return RuleOut.model_validate(service.update_rule(session, rule_id, _rule_in(body), principal))


@router.delete("/qa/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: Id, session: SessionDep, principal: CurrentPrincipal) -> None:
    service.delete_rule(session, rule_id, principal)


@router.get("/calls/{call_id}/qa")
def read_rule_report(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> RuleReportOut:
    """Which rules the call hits, where, and its QA score (100 minus each hit rule's points)."""
    report = service.rule_report(session, call_id, principal)
    return RuleReportOut.model_validate(report, from_attributes=True)


@router.get("/qa/reviewers")
def read_reviewers(session: SessionDep, principal: CurrentPrincipal) -> list[ReviewerOut]:
    """The QA staff a sampling plan's queue may go to."""
    return [ReviewerOut.model_validate(u) for u in sampling.reviewers(session, principal)]


@router.post("/qa/plans", status_code=status.HTTP_201_CREATED)
def create_plan(body: PlanBody, session: SessionDep, principal: CurrentPrincipal) -> PlanOut:
    plan = sampling.create_plan(session, sampling.PlanIn(**body.model_dump()), principal)
    return PlanOut(id=plan.id, name=plan.name, method=plan.method)


@router.post("/qa/plans/{plan_id}/draw")
def draw_plan(
    plan_id: Id, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> DrawOut:
    """Draw the plan's calls into its reviewer's queue (the same calls for the same seed)."""
    drawn = sampling.draw_plan(session, plan_id, principal, state.settings.timezone)
    return DrawOut(plan_id=plan_id, call_ids=drawn)


@router.get("/qa/queue")
def read_queue(session: SessionDep, principal: CurrentPrincipal) -> list[QueueItemOut]:
    items = sampling.queue(session, principal)
    return [QueueItemOut.model_validate(item, from_attributes=True) for item in items]


@router.post("/calls/{call_id}/qa/reviews", status_code=status.HTTP_201_CREATED)
def create_review(
    call_id: Id, body: ReviewBody, session: SessionDep, principal: CurrentPrincipal
) -> ReviewOut:
    return ReviewOut.model_validate(
        reviews.review_call(session, call_id, body.results, body.note, principal, body.passed)
    )


@router.get("/qa/reviews")
def read_reviews(
    session: SessionDep,
    principal: CurrentPrincipal,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> list[ReviewOut]:
    """Reviews, newest first (at most 200): a rep gets those of their own calls; `status=appealed`
    is the list of appeals waiting for a second reviewer."""
    return [ReviewOut.model_validate(r) for r in reviews.list_reviews(session, principal, status_)]


@router.post("/qa/reviews/{review_id}/appeal")
def create_appeal(
    review_id: Id, body: AppealBody, session: SessionDep, principal: CurrentPrincipal
) -> ReviewOut:
    return ReviewOut.model_validate(reviews.appeal_review(session, review_id, body.text, principal))


@router.post("/qa/reviews/{review_id}/decision")
def create_decision(
    review_id: Id, body: DecisionBody, session: SessionDep, principal: CurrentPrincipal
) -> ReviewOut:
    return ReviewOut.model_validate(
        reviews.decide_appeal(session, review_id, body.upheld, body.note, principal)
    )


@router.get("/qa/reports")
def read_qa_report(
    session: SessionDep, state: StateDep, principal: CurrentPrincipal,
    start: Annotated[SaneDate, Query(alias="from")], end: Annotated[SaneDate, Query(alias="to")],
) -> QaReportOut:  # fmt: skip
    """Pass rate by rep, by rule and by month of the reviews made in the period."""
    rates = reports.pass_rates(session, start, end, principal, state.settings.timezone)
    return QaReportOut.model_validate(rates, from_attributes=True)
