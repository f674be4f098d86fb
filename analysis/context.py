"""What came before a turn, and what the turn itself signals, as features for the classifiers.

A label depends on the conversation: a refusal answers something the rep proposed or asked
for, while the same negative words after a discovery question state a need; an implication
question builds on a problem the customer has just told. So each turn carries a `TurnContext`
(the texts of the last rep and customer turns before it and its position in the call), and the
classifiers see, besides the turn's own words, a few named features drawn from it:

commitments (customer turns)
- `proposal`: the last rep turn proposed an action (and which one), offered to send something,
  asked the customer for data, asked whether they can talk, named a time;
- `rep_question`: the last rep turn asked a question, or only made a statement;
- `crossed`: the turn's own cues (below) crossed with what the last rep turn did
  (proposed or asked for data / asked a question / stated), e.g. `x:refusal_after_proposal`;
- `position`: the call's opening (first two turns) or closing (last three);
- `cues`: the turn's own pain words, refusal words, withholding (不方便说, 不能给你), positive
  reaction (听着不错), leading yes, time words, a counter-offer (one time refused, another
  offered), action words and question.
questions (rep turns)
- `customer_pain`: the last customer turn stated a problem or worry, asked something, or was
  short;
- `position`: as above;
- `cues`: the turn's own question cues, proposal form (an ask with an action), permission ask,
  ask for the customer's data, offer to send something.

A turn with nothing before it (a single turn, the first turn, a line of the old corpus files)
has an unknown context: no context feature at all, so the classifier decides from its text.
`python -m analysis.train --ablation` shows what each group adds; the labeller uses the groups
that earned their place (`analysis.labels.FeatureGroups`): `position` and the customer turn's
own `cues` (other than crossed) are off.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from analysis.cues import (
    ACCEPTANCE,
    ASK_FORM,
    ASKS_FOR_DATA,
    COUNTER_OFFER,
    LEAVING,
    OFFERS_INFO,
    PAIN,
    PASS_ON,
    PERMISSION,
    POSITIVE,
    POSTPONE,
    REFUSAL,
    WITHHOLDING,
    find_action,
    question_cues,
)
from analysis.dates import mentions_time

__all__ = [
    "COMMITMENT_GROUPS",
    "QUESTION_GROUPS",
    "UNKNOWN_CONTEXT",
    "TurnContext",
    "asks_for_a_step",
    "commitment_features",
    "dialogue_contexts",
    "question_features",
    "rep_proposes",
]

# Every group there is (the labeller's choice is analysis.labels.FeatureGroups).
COMMITMENT_GROUPS = ("proposal", "rep_question", "crossed", "position", "cues", "rep_words")
QUESTION_GROUPS = ("customer_pain", "position", "cues", "customer_words")
_OPENING_TURNS = 2
_CLOSING_TURNS = 3
_SHORT = 4  # characters: 嗯, 好的, 你说


@dataclass(frozen=True, slots=True)
class TurnContext:
    """The conversation before a turn; None where it is not known."""

    previous_rep: str | None = None  # the last rep turn before this one
    previous_customer: str | None = None  # the last customer turn before this one
    index: int | None = None  # this turn's position in the call, from 0
    count: int | None = None  # turns in the call


UNKNOWN_CONTEXT = TurnContext()


def dialogue_contexts(turns: Sequence[tuple[str, str]]) -> list[TurnContext]:
    """The context of each (speaker, text) turn of one conversation, in order."""
    contexts: list[TurnContext] = []
    last: dict[str, str | None] = {"rep": None, "customer": None}
    for index, (speaker, text) in enumerate(turns):
        contexts.append(TurnContext(last["rep"], last["customer"], index, len(turns)))
        if speaker in last:
            last[speaker] = text
    return contexts


def asks_for_a_step(rep: str | None) -> bool:
    """The rep's turn asks the customer for something a customer can refuse: an action (演示,
    试用…), data, or whether they can talk now."""
    if rep is None:
        return False
    return rep_proposes(rep) or bool(re.search(ASKS_FOR_DATA, rep) or re.search(PERMISSION, rep))


def rep_proposes(text: str) -> bool:
    """The rep asks the customer to agree to an action (演示, 试用, 上门…), not just to talk."""
    return bool(re.search(ASK_FORM, text)) and find_action(text) is not None


def commitment_features(text: str, context: TurnContext, groups: Collection[str]) -> list[str]:
    features: list[str] = []
    rep = context.previous_rep
    if rep is not None and "proposal" in groups:
        features += _proposal_features(rep)
    if rep is not None and "rep_question" in groups:
        features.append("rep:asks" if question_cues(rep, spoken=True) else "rep:states")
    if rep is not None and "crossed" in groups:
        features += _crossed(text, rep)
    if "position" in groups:
        features += _position(context)
    if "cues" in groups:
        features += _customer_cues(text)
    return features


def question_features(text: str, context: TurnContext, groups: Collection[str]) -> list[str]:
    features: list[str] = []
    customer = context.previous_customer
    if customer is not None and "customer_pain" in groups:
        features.append(_customer_said(customer))
    if "position" in groups:
        features += _position(context)
    if "cues" in groups:
        features += _rep_cues(text)
    return features


def _proposal_features(rep: str) -> list[str]:
    features = []
    if rep_proposes(rep):
        action = find_action(rep)
        features += ["rep:proposes", f"rep:action={action[0] if action else '-'}"]
    checks = (
        ("rep:offers_info", OFFERS_INFO),
        ("rep:asks_data", ASKS_FOR_DATA),
        ("rep:permission", PERMISSION),
    )
    features += [name for name, pattern in checks if re.search(pattern, rep)]
    if mentions_time(rep):
        features.append("rep:time")
    return features


def _crossed(text: str, rep: str) -> list[str]:
    """The turn's own cues crossed with what the rep did: a linear model cannot see on its own
    that 不行 after a proposal refuses it while 不行 after 有什么不顺手的 states a problem."""
    proposed = rep_proposes(rep) or bool(re.search(ASKS_FOR_DATA, rep))
    before = (
        "proposal" if proposed else "question" if question_cues(rep, spoken=True) else "statement"
    )
    own = [name.removeprefix("cue:") for name in _customer_cues(text)]
    crossed = ("pain", "refusal", "withholds", "positive", "yes", "time", "counter", "postpone",
               "pass_on", "leaving")  # fmt: skip
    return [f"x:{cue}_after_{before}" for cue in own if cue in crossed]


def _customer_said(text: str) -> str:
    stripped = re.sub(r"\W", "", text)
    if len(stripped) <= _SHORT:
        return "customer:short"
    if re.search(PAIN, text):
        return "customer:pain"
    if question_cues(text):
        return "customer:asks"
    return "customer:says"


def _position(context: TurnContext) -> list[str]:
    if context.index is None or context.count is None or context.count < 2 * _CLOSING_TURNS:
        return []
    if context.index < _OPENING_TURNS:
        return ["pos:opening"]
    if context.index >= context.count - _CLOSING_TURNS:
        return ["pos:closing"]
    return ["pos:middle"]


def _customer_cues(text: str) -> list[str]:
    checks = (
        ("cue:pain", PAIN),
        ("cue:refusal", REFUSAL),
        ("cue:withholds", WITHHOLDING),
        ("cue:positive", POSITIVE),
        ("cue:yes", ACCEPTANCE),
        ("cue:postpone", POSTPONE),
        ("cue:pass_on", PASS_ON),
        ("cue:leaving", LEAVING),
    )
    features = [name for name, pattern in checks if re.search(pattern, text)]
    if mentions_time(text):
        features.append("cue:time")
        if re.search(COUNTER_OFFER, text):
            features.append("cue:counter")
    if find_action(text) is not None:
        features.append("cue:action")
    if question_cues(text):
        features.append("cue:asks")
    return features


def _rep_cues(text: str) -> list[str]:
    features = [f"cue:{name}" for name in question_cues(text, spoken=True)]
    if rep_proposes(text):
        features.append("cue:proposal")
    checks = (
        ("cue:permission", PERMISSION),
        ("cue:asks_data", ASKS_FOR_DATA),
        ("cue:offers_info", OFFERS_INFO),
    )
    return features + [name for name, pattern in checks if re.search(pattern, text)]
