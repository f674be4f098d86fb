"""The labels a report counts per analysed call: corrected where a person corrected them, and,
with a minimum confidence, only the model's labels at least that sure (a corrected label always
counts: a person checked it). Only sales conversations have a row: a voicemail, an IVR menu or a
podcast (analysis/conversation.py) is no call where a commitment could have been asked for, so it
stays out of every commitment rate and SPIN mix.

Without a minimum the summary's counts serve (ingest/labels_in_effect.py keeps them in effect); with one,
they are counted from `call_labels`, the same labels with their probabilities.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select

from models import CallAnalysis, CallLabel

__all__ = ["SPIN_TYPES", "call_label_counts"]

SPIN_TYPES = ("situation", "problem", "implication", "need_payoff")


def call_label_counts(min_confidence: float | None) -> Subquery:
    """One row per analysed call: call_id, committed (0/1), advances, questions (every type, other
    questions too) and one column per SPIN type."""
    if min_confidence is None:
        return _summary_counts()
    counted = or_(CallLabel.corrected, CallLabel.probability >= min_confidence)
    advances = _count(CallLabel.kind == "commitment", CallLabel.label == "advance")
    spin = [_count(CallLabel.kind == "question", CallLabel.label == kind).label(kind)
            for kind in SPIN_TYPES]  # fmt: skip
    return (
        select(
            CallAnalysis.call_id,
            case((advances > 0, 1), else_=0).label("committed"),
            advances.label("advances"),
            _count(CallLabel.kind == "question").label("questions"),
            *spin,
        )
        .outerjoin(CallLabel, and_(CallLabel.call_id == CallAnalysis.call_id, counted))
        .where(CallAnalysis.is_sales_call)
        .group_by(CallAnalysis.call_id)
        .subquery()
    )


def _summary_counts() -> Subquery:
    a = CallAnalysis
    return (
        select(
            a.call_id,
            case((a.commitment_secured, 1), else_=0).label("committed"),
            a.advance_count.label("advances"),
            a.question_count.label("questions"),
            a.situation_count.label("situation"),
            a.problem_count.label("problem"),
            a.implication_count.label("implication"),
            a.need_payoff_count.label("need_payoff"),
        )
        .where(a.is_sales_call)
        .subquery()
    )


def _count(*conditions: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)
