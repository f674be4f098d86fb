"""QA rules: create, change and list them; check calls against them; report the hits.

A call's hits are stored with the rules version they were computed at. Changing any rule bumps
the version, and a call whose hits are stale is checked again when its report is read (from the
stored turns and metrics: no transcription, no analysis).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from analysis import Turn
from analysis.rules import RuleHit, RuleSyntaxError, check_params, evaluate
from auth.permissions import READ_QA_RULES, REANALYZE_CALLS, WRITE_QA_RULES, authorize
from auth.principal import Principal
from core.errors import InvalidInput, NotFound, TranscriptNotReady
from ingest.calls import get_call
from models import CallAnalysis, CallRuleHit, CallTurn, QaRule, QaRulesVersion

__all__ = [
    "RuleIn",
    "RuleReport",
    "StoredHit",
    "check_call",
    "create_rule",
    "delete_rule",
    "list_rules",
    "refresh_hits",
    "rule_report",
    "try_rule",
    "update_rule",
]

_log = logging.getLogger("huashu.qa")
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True, slots=True)
class RuleIn:
    name: str
    kind: str
    params: dict[str, Any]
    severity: str = "warning"
    points: int = 5
    active: bool = True


def create_rule(session: Session, rule: RuleIn, editor: Principal) -> QaRule:
    authorize(editor, WRITE_QA_RULES)
    _validate(rule)
    row = QaRule(name=rule.name.strip(), kind=rule.kind, params=rule.params, severity=rule.severity,
                 points=rule.points, active=rule.active)  # fmt: skip
    session.add(row)
    _bump_version(session)
    session.flush()
    return row


def update_rule(session: Session, rule_id: int, rule: RuleIn, editor: Principal) -> QaRule:
    authorize(editor, WRITE_QA_RULES)
    row = _rule(session, rule_id)
    _validate(rule)
    row.name, row.kind, row.params = rule.name.strip(), rule.kind, rule.params
    row.severity, row.points, row.active = rule.severity, rule.points, rule.active
    _bump_version(session)
    return row


def delete_rule(session: Session, rule_id: int, editor: Principal) -> None:
    authorize(editor, WRITE_QA_RULES)
    session.delete(_rule(session, rule_id))
    _bump_version(session)


def list_rules(session: Session, viewer: Principal) -> list[QaRule]:
    authorize(viewer, READ_QA_RULES)
    return list(session.scalars(select(QaRule).order_by(QaRule.id)))


def try_rule(session: Session, rule: RuleIn, call_id: int, editor: Principal) -> list[RuleHit]:
    """What an unsaved rule would hit on one analysed call (“test on this call”); stores nothing."""
    authorize(editor, WRITE_QA_RULES)
    _validate(rule)
    call = get_call(session, call_id, editor)
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        raise TranscriptNotReady(
            f"call {call_id} has not been analysed yet (status: {call.status})"
        )
    rows = session.scalars(
        select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx)
    )
    return evaluate(rule.kind, rule.params, [_turn(row) for row in rows], summary.metrics)


def check_call(session: Session, call_id: int, principal: Principal) -> None:
    """Replace the call's hits with those of the active rules now (the worker's step)."""
    authorize(principal, REANALYZE_CALLS)
    _check_call(session, call_id)


def _check_call(session: Session, call_id: int) -> None:
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        return
    turns = [
        _turn(row)
        for row in session.scalars(
            select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx)
        )
    ]
    session.execute(delete(CallRuleHit).where(CallRuleHit.call_id == call_id))
    for rule in session.scalars(select(QaRule).where(QaRule.active)):
        for hit in _hits(rule, turns, summary.metrics):
            session.add(CallRuleHit(call_id=call_id, rule_id=rule.id, turn_index=hit.turn_index,
                                    start=hit.start, detail=hit.detail))  # fmt: skip
    summary.rules_version = _version(session)


def _hits(rule: QaRule, turns: list[Turn], metrics: dict[str, Any]) -> list[RuleHit]:
    """A stored rule that no longer passes the checks (saved before a limit existed) is skipped,
    so one bad rule cannot stop every call from being checked; editing it shows what is wrong."""
    try:
        return evaluate(rule.kind, rule.params, turns, metrics)
    except RuleSyntaxError:
        _log.warning("QA rule %s cannot be evaluated and is skipped", rule.id)
        return []


def refresh_hits(session: Session, summary: CallAnalysis) -> None:
    """Check the call again only if a rule changed since its hits were stored."""
    if summary.rules_version != _version(session):
        _check_call(session, summary.call_id)
        session.flush()


@dataclass(frozen=True, slots=True)
class StoredHit:
    """A rule's hit on a call, with the rule."""

    rule_id: int
    rule: str
    kind: str
    severity: str
    points: int
    turn_index: int | None
    start: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class RuleReport:
    call_id: int
    hits: list[StoredHit]
    rules_hit: int  # how many different rules the call hits
    qa_score: int  # 100 minus the points of each rule hit (once per rule)


def rule_report(session: Session, call_id: int, viewer: Principal) -> RuleReport:
    call = get_call(session, call_id, viewer)
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        raise TranscriptNotReady(
            f"call {call_id} has not been analysed yet (status: {call.status})"
        )
    refresh_hits(session, summary)
    rows = session.execute(
        select(CallRuleHit, QaRule).join(QaRule, QaRule.id == CallRuleHit.rule_id)
        .where(CallRuleHit.call_id == call_id).order_by(CallRuleHit.id)
    ).all()  # fmt: skip
    hits = [
        StoredHit(r.id, r.name, r.kind, r.severity, r.points, h.turn_index, h.start, h.detail)
        for h, r in rows
    ]
    points = {r.id: r.points for _, r in rows}  # each rule deducts once, however often it is hit
    return RuleReport(call_id, hits, len(points), max(0, 100 - sum(points.values())))


def _validate(rule: RuleIn) -> None:
    if not rule.name.strip():
        raise InvalidInput("a rule needs a name", field="name")
    if rule.severity not in SEVERITIES:
        raise InvalidInput(f"severity is one of {', '.join(SEVERITIES)}", field="severity")
    if not 0 <= rule.points <= 100:
        raise InvalidInput("points go from 0 to 100", field="points")
    try:
        check_params(rule.kind, rule.params)
    except RuleSyntaxError as exc:
        raise InvalidInput(f"the rule cannot work: {exc}", field="params") from None


def _rule(session: Session, rule_id: int) -> QaRule:
    row = session.get(QaRule, rule_id)
    if row is None:
        raise NotFound(f"QA rule {rule_id} does not exist")
    return row


def _version(session: Session) -> int:
    return int(session.scalar(select(QaRulesVersion.version).where(QaRulesVersion.id == 1)) or 0)


def _bump_version(session: Session) -> None:
    session.execute(
        update(QaRulesVersion)
        .where(QaRulesVersion.id == 1)
        .values(version=QaRulesVersion.version + 1)
    )


def _turn(row: CallTurn) -> Turn:
    return Turn(row.idx, row.speaker, row.start, row.end, row.text, tuple(row.tokens))
