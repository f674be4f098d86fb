"""Continuation traps (继续陷阱), pure: a deal that collects only continuations is stalling.

Each analysed call linked to an opportunity has one outcome: `advance` when the customer agreed
to at least one concrete next step, else `decline` when they refused one, else `continuation`
(friendly talk, "let's keep in touch": no progress). An open deal is stalled when
- its last N calls all ended without an advance, or
- it has had no advance for D days (counted from its last advance, else from its creation).
A closed deal "fell into the trap" when either was ever true while it was open.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "OUTCOME_NAMES",
    "CallOutcome",
    "StallRule",
    "call_outcome",
    "fell_into_trap",
    "last_advance",
    "stall_reasons",
]

OUTCOME_NAMES = {"advance": "推进", "continuation": "继续", "decline": "拒绝"}


@dataclass(frozen=True, slots=True)
class StallRule:
    calls: int = 2  # N: this many calls in a row without an advance
    days: int = 30  # D: this many days without an advance


@dataclass(frozen=True, slots=True)
class CallOutcome:
    call_id: int
    day: date  # the call's date in the business time zone
    outcome: str  # advance / continuation / decline


def call_outcome(advances: int, declines: int) -> str:
    if advances > 0:
        return "advance"
    return "decline" if declines > 0 else "continuation"


def last_advance(outcomes: Sequence[CallOutcome]) -> date | None:
    return max((o.day for o in outcomes if o.outcome == "advance"), default=None)


def stall_reasons(
    outcomes: Sequence[CallOutcome], created_on: date, today: date, rule: StallRule
) -> tuple[str, ...]:
    """Why an open deal counts as stalled (empty: it does not). `outcomes` oldest first."""
    reasons = []
    recent = outcomes[-rule.calls :]
    if len(recent) == rule.calls and all(o.outcome != "advance" for o in recent):
        said = "、".join(OUTCOME_NAMES[o.outcome] for o in recent)
        reasons.append(f"最近 {rule.calls} 次通话都没有推进（{said}）")
    since = last_advance(outcomes) or created_on
    idle = (today - since).days
    if idle >= rule.days:
        what = "上次推进" if last_advance(outcomes) else "商机创建"
        reasons.append(f"{idle} 天没有推进（{what}于 {since}，上限 {rule.days} 天）")
    return tuple(reasons)


def fell_into_trap(
    outcomes: Sequence[CallOutcome], created_on: date, closed_on: date, rule: StallRule
) -> bool:
    """Whether a closed deal was ever stalled while it was open."""
    run = 0
    for outcome in outcomes:
        run = 0 if outcome.outcome == "advance" else run + 1
        if run >= rule.calls:
            return True
    anchors = [created_on, *(o.day for o in outcomes if o.outcome == "advance"), closed_on]
    return any(
        (later - earlier).days >= rule.days for earlier, later in itertools.pairwise(anchors)
    )
