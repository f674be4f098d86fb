"""Commitment objectives (承诺目标), pure: before a call the rep names the advance to aim for
(primary) and the least one worth the call (minimum); after it, the call's commitments give one
outcome with its evidence.

Actions are the commitment actions the analysis names, on a ladder of how far each moves a deal
(发送资料 < 会面, 报价 < 演示, 引入决策人, 现场考察 < 试用/POC < 付款/下单, 签约). An objective
is met by an advance naming that action or one strictly higher on the ladder (the customer who
agrees to sign has agreed to more than a demo). Outcomes, first match wins:
- `primary_achieved`: an advance meets the primary objective;
- `minimum_achieved`: an advance meets the minimum one;
- `declined`: no advance that meets the minimum, and the customer refused a next step;
- `continuation_only`: anything else (no next step, or only a weaker one than the minimum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ACTION_LADDER",
    "OBJECTIVE_ACTIONS",
    "OBJECTIVE_OUTCOMES",
    "Assessment",
    "assess_objective",
]

ACTION_LADDER = {
    "发送资料": 1, "会面": 2, "报价": 2, "演示": 3, "引入决策人": 3, "现场考察": 3,
    "试用/POC": 4, "付款/下单": 5, "签约": 5,
}  # fmt: skip
OBJECTIVE_ACTIONS = tuple(ACTION_LADDER)
OBJECTIVE_OUTCOMES = ("primary_achieved", "minimum_achieved", "continuation_only", "declined")


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: str
    evidence: tuple[str, ...]


def _meets(action: str, target: str) -> bool:
    return action == target or ACTION_LADDER.get(action, 0) > ACTION_LADDER[target]


def assess_objective(
    primary: str,
    minimum: str | None,
    advances: Sequence[tuple[str, str]],
    declines: Sequence[str],
) -> Assessment:
    """`advances`: (action, customer's words) per advance; `declines`: the refusing turns."""
    for target, outcome in (
        (primary, "primary_achieved"),
        (minimum or primary, "minimum_achieved"),
    ):
        met = tuple(f"{action}：{text}" for action, text in advances if _meets(action, target))
        if met:
            return Assessment(outcome, met)
    if declines:
        return Assessment("declined", tuple(f"拒绝：{text}" for text in declines))
    weaker = tuple(f"{action}（低于最低目标）：{text}" for action, text in advances)
    return Assessment("continuation_only", weaker or ("没有约定具体的下一步",))
