"""Draft a follow-up record (跟进记录) from an analysed call, for the rep to confirm or edit.

- customer needs: what the customer said right after the rep's problem and implication questions;
- next actions: the customer's advances, with their due dates (the earliest becomes the due date);
- content: the call in one paragraph, with the rep's questions by SPIN type.
A draft is rewritten when the call is analysed again; a confirmed record is never touched.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import Analysis, Turn
from auth.permissions import WRITE_FOLLOW_UPS, authorize
from auth.principal import Principal
from models import Call, FollowUp, FollowUpStatus

__all__ = ["draft_follow_up"]

_SPIN_NAMES = {
    "situation": "情况",
    "problem": "难点",
    "implication": "暗示",
    "need_payoff": "需求效益",
    "other_question": "其他",
}


def draft_follow_up(
    session: Session, call: Call, analysis: Analysis, principal: Principal
) -> FollowUp | None:
    """Create or refresh the call's draft; None when the call is not linked to a rep and customer."""
    authorize(principal, WRITE_FOLLOW_UPS)
    if call.rep_id is None or call.customer_id is None:
        return None
    record = session.scalar(select(FollowUp).where(FollowUp.call_id == call.id))
    if record is not None and record.status != FollowUpStatus.DRAFT:
        return record
    if record is None:
        record = FollowUp(call_id=call.id, status=FollowUpStatus.DRAFT, channel="call")
        session.add(record)
    record.rep_id, record.customer_id, record.opportunity_id = (
        call.rep_id,
        call.customer_id,
        call.opportunity_id,
    )
    record.occurred_at = call.occurred_at or call.created_at
    record.content = _summary(call, analysis)
    record.customer_needs = _needs(analysis.turns) or None
    record.next_action = "；".join(f"{c.action}：{c.text}" for c in analysis.commitments) or None
    record.next_action_due = min((c.due for c in analysis.commitments if c.due), default=None)
    return record


def _needs(turns: tuple[Turn, ...]) -> str:
    """Customer turns that answer a problem or implication question."""
    answers = [
        answer.text
        for question, answer in itertools.pairwise(turns)
        if question.question_type in ("problem", "implication") and answer.speaker == "customer"
    ]
    return "；".join(answers)


def _summary(call: Call, analysis: Analysis) -> str:
    minutes = call.duration_s / 60
    counts = analysis.metrics.get("question_counts", {})
    asked = "，".join(f"{_SPIN_NAMES[k]}问题 {n} 个" for k, n in counts.items() if n)
    outcome = "客户同意了下一步" if analysis.commitment_secured else "未约定具体下一步"
    lines = [f"电话沟通 {minutes:.1f} 分钟，{outcome}。提问：{asked or '无'}。"]
    for turn in analysis.turns:
        if turn.speaker == "rep" and turn.question_type:
            lines.append(f"【{_SPIN_NAMES[turn.question_type]}】{turn.text}")
    return "\n".join(lines)
