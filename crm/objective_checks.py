"""After a call is analysed, and after a person corrects its labels: judge the commitment objective
set for it (analysis/objectives.py) on the labels in effect.

The objective judged is, for a call linked to an opportunity, the open follow-up of that
opportunity whose objective is still unjudged (the earliest due), else the opportunity's own
unjudged objective; for a call with a customer but no opportunity, such a follow-up of that
customer. Analysing the same call again judges the same records again.

The call's coaching score then judges its commitment part against the objective (the
follow-up's, set for this very call, before the opportunity's): analysis/score.with_objective.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis import Analysis
from analysis.objectives import assess_objective, continuations
from analysis.score import score_reasons_json, with_objective
from auth.permissions import WRITE_FOLLOW_UPS, WRITE_OPPORTUNITIES, authorize
from auth.principal import Principal
from models import Call, CallAnalysis, FollowUp, FollowUpStatus, Opportunity, utcnow
from models.crm import CommitmentObjective

__all__ = ["judge_objectives"]


def judge_objectives(
    session: Session, call: Call, analysis: Analysis, principal: Principal
) -> list[CommitmentObjective]:
    """Record the outcome and evidence on each objective this call answers; returns them."""
    authorize(principal, WRITE_FOLLOW_UPS)
    authorize(principal, WRITE_OPPORTUNITIES)
    found = (_follow_up(session, call), _opportunity(session, call))
    targets: list[CommitmentObjective] = [t for t in found if t is not None]
    advances = [(c.action, c.text) for c in analysis.commitments]
    declines = [t.text for t in analysis.turns if t.commitment == "decline"]
    continued = continuations(analysis.turns)
    for target in targets:
        assert target.objective_primary is not None
        judged = assess_objective(
            target.objective_primary, target.objective_minimum, advances, declines, continued
        )
        target.objective_outcome, target.objective_evidence = judged.outcome, list(judged.evidence)
        target.objective_call_id, target.objective_assessed_at = call.id, utcnow()
    if targets:
        _score_against(session, call.id, analysis, targets[0])
    return targets


def _score_against(
    session: Session, call_id: int, analysis: Analysis, target: CommitmentObjective
) -> None:
    """Store the call's score with its commitment part judged against `target`'s objective."""
    summary = session.get(CallAnalysis, call_id)
    if summary is None or analysis.score is None or target.objective_outcome is None:
        return  # not stored, or no sales conversation: no score to judge
    assert target.objective_primary is not None
    score = with_objective(analysis.score, target.objective_outcome, target.objective_primary,
                           target.objective_minimum)  # fmt: skip
    summary.score = score.total
    summary.score_reasons = score_reasons_json(score)


def _follow_up(session: Session, call: Call) -> FollowUp | None:
    link = (
        FollowUp.opportunity_id == call.opportunity_id
        if call.opportunity_id is not None
        else FollowUp.customer_id == call.customer_id
    )
    if call.customer_id is None and call.opportunity_id is None:
        return None
    pending = FollowUp.objective_outcome.is_(None) & (FollowUp.status == FollowUpStatus.OPEN)
    query = (
        select(FollowUp)
        .where(link, FollowUp.objective_primary.is_not(None),
               or_(FollowUp.objective_call_id == call.id, pending),
               or_(FollowUp.call_id.is_(None), FollowUp.call_id != call.id))
        .order_by(FollowUp.objective_call_id.is_(None), FollowUp.next_action_due, FollowUp.id)
    )  # fmt: skip
    return session.scalars(query.limit(1)).first()


def _opportunity(session: Session, call: Call) -> Opportunity | None:
    if call.opportunity_id is None:
        return None
    opportunity = session.get(Opportunity, call.opportunity_id)
    if opportunity is None or opportunity.objective_primary is None:
        return None
    if opportunity.objective_outcome is None or opportunity.objective_call_id == call.id:
        return opportunity
    return None
