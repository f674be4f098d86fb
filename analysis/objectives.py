"""Commitment objectives (承诺目标), pure: before a call the rep names the advance to aim for
(primary) and the least one worth the call (minimum); after it, the call's commitments give one
outcome with its evidence.

The ladder (`RUNGS`) ranks how far each action moves a deal (发送资料 < 会面, 报价 < 演示,
引入决策人, 现场考察 < 试用/POC < 付款/下单, 签约), and says which customer outcomes (LABELS.md)
meet each rung, so that an objective can be met by what the labels can say:
- 发送资料: any advance, or a `continuation` in which the customer takes the materials the rep
  offered (行，你发吧; 发我邮箱看看) — by the labelling standard that is no advance, and it is
  exactly what this rung asks for;
- 报价: an advance naming 报价 or higher, or a continuation taking the rep's quote (好，你明天把
  报价单出给我);
- every other rung: an advance naming that action or one higher (the customer who agrees to
  sign has agreed to more than a demo).
Outcomes, first match wins:
- `primary_achieved`: the primary rung is met;
- `minimum_achieved`: the minimum rung is met;
- `declined`: neither, and the customer refused a next step;
- `continuation_only`: anything else (no next step, or only a weaker one than the minimum).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.cues import OFFERS_INFO
from analysis.types import Turn

__all__ = [
    "ACTION_LADDER",
    "OBJECTIVE_ACTIONS",
    "OBJECTIVE_OUTCOMES",
    "RUNGS",
    "Assessment",
    "Rung",
    "assess_objective",
    "continuations",
]


@dataclass(frozen=True, slots=True)
class Rung:
    """A step on the ladder. `offered`/`taken`: what a rep's offer of this step and a customer's
    taking of it look like, where a continuation meets the rung (the rep sends it, the customer
    commits to nothing more, and that is the step); None where only an advance does."""

    action: str  # as the analysis names a commitment's action (analysis.cues.ACTIONS)
    level: int
    offered: str | None = None
    taken: str | None = None

    def met_by(self, action: str) -> bool:
        """An advance naming `action` meets this rung."""
        return action == self.action or ACTION_LADDER.get(action, 0) > self.level

    def taken_in(self, rep: str, customer: str) -> bool:
        """A continuation `customer` said after `rep` takes this rung's step."""
        if self.offered is None or self.taken is None:
            return False
        return bool(re.search(self.offered, rep) or re.search(self.taken, customer))


# The customer takes what the rep sends: 你发吧, 发我看看, 发到邮箱, 资料给我; a quote: 报个价给我.
_TAKES_MATERIALS = (
    r"(你|您)?(先)?发(吧|过来|来|我|给我|到|一下|一份|个)|(邮箱|微信).{0,6}(发|给)|"
    r"(资料|材料|方案|介绍|链接|彩页|案例).{0,6}(发|给)(我|过来)?"
)
_QUOTE = r"报价|报个价|价格表|价目表|出.{0,4}价"
_TAKES_QUOTE = rf"({_QUOTE}).{{0,8}}(发|给|出|报)|(发|给|出|报).{{0,6}}({_QUOTE})"
RUNGS = (
    Rung("发送资料", 1, offered=OFFERS_INFO, taken=_TAKES_MATERIALS), Rung("会面", 2),
    Rung("报价", 2, offered=rf"(我|我们).{{0,12}}({_QUOTE})", taken=_TAKES_QUOTE),
    Rung("演示", 3), Rung("引入决策人", 3), Rung("现场考察", 3), Rung("试用/POC", 4),
    Rung("付款/下单", 5), Rung("签约", 5),
)  # fmt: skip
ACTION_LADDER = {rung.action: rung.level for rung in RUNGS}
OBJECTIVE_ACTIONS = tuple(ACTION_LADDER)
OBJECTIVE_OUTCOMES = ("primary_achieved", "minimum_achieved", "continuation_only", "declined")
_RUNG = {rung.action: rung for rung in RUNGS}


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: str
    evidence: tuple[str, ...]


def continuations(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    """(the rep's turn before, the customer's turn) of each customer turn labelled continuation:
    what a rung that a continuation can meet looks at."""
    found, rep = [], ""
    for turn in turns:
        if turn.speaker == "rep":
            rep = turn.text
        elif turn.commitment == "continuation":
            found.append((rep, turn.text))
    return found


def assess_objective(
    primary: str,
    minimum: str | None,
    advances: Sequence[tuple[str, str]],
    declines: Sequence[str],
    continued: Sequence[tuple[str, str]] = (),
) -> Assessment:
    """`advances`: (action, customer's words) per advance; `declines`: the refusing turns;
    `continued`: (rep's turn before, customer's words) per continuation (`continuations`)."""
    for target, outcome in (
        (primary, "primary_achieved"),
        (minimum or primary, "minimum_achieved"),
    ):
        met = _meeting(_RUNG[target], advances, continued)
        if met:
            return Assessment(outcome, met)
    if declines:
        return Assessment("declined", tuple(f"拒绝：{text}" for text in declines))
    weaker = tuple(f"{action}（低于最低目标）：{text}" for action, text in advances)
    return Assessment("continuation_only", weaker or ("没有约定具体的下一步",))


def _meeting(
    rung: Rung, advances: Sequence[tuple[str, str]], continued: Sequence[tuple[str, str]]
) -> tuple[str, ...]:
    met = [f"{action}：{text}" for action, text in advances if rung.met_by(action)]
    met += [f"{rung.action}（接受）：{text}" for rep, text in continued if rung.taken_in(rep, text)]
    return tuple(met)
