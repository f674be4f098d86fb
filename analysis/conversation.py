"""Is a recording a two-party sales conversation at all?

A podcast clip, a lecture, an IVR menu, a voicemail or a call where only one side speaks must
get no commitments and no coaching score. The check is a handful of explainable signals:

- one side only: when either side says nothing but back-channels, it is no conversation
  (decisive: the verdict is "no" whatever else the text says) — unless all there is is one
  short turn, a snippet sent to be labelled;
- against: broadcast and lecture phrases (欢迎收听, 本期节目, 同学们, 大家好…), the network's
  announcements and voicemail (您拨打的电话已关机, 请在提示音后留言), menu prompts (请按, 转人工:
  weighed by the share of turns they fill, as a real call may start with a menu), one turn
  holding most of the words;
- for: the rep introducing themself or their company, sales topics (报价, 试用, 合同, 保费…),
  the customer addressed as 您, discovery questions, and customer commitments.
Each signal adds to a score (log-odds). It starts slightly for: this is a sales-call service, and a
short exchange between two sides may show no sign of anything; but a conversation of four turns
or more with no sign of selling at all (no introduction, sales topic, 您 or customer outcome)
counts against. The verdict is the score's sign, the confidence its logistic, and the reasons name
the signals with the words that triggered them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from analysis.cues import BROADCAST, INTRODUCTION, IVR, NO_ANSWER, SALES_WORDS
from analysis.turns import is_backchannel
from analysis.types import ConversationCheck, SpeakerGuess, Turn

# Reasons are read by people on the call page: in Chinese.
_SIDE_NAMES = {"rep": "销售", "customer": "客户"}
_OUTCOME_NAMES = {"advance": "推进", "continuation": "延续", "decline": "拒绝"}
__all__ = ["check_conversation"]

_PRIOR = 0.5  # two sides talking, nothing against: a sales call (this is a sales-call service)
_TOO_SHORT_CHARS = 40  # one turn this short, alone, may be a snippet sent to be labelled
_QUIET_TURNS = 4  # a conversation this long with no sign of selling is something else
_SURE = 0.6  # an outcome the labeller is this sure of is a sign of selling
_DISCOVERY = frozenset({"situation", "problem", "implication", "need_payoff"})
_SELLING_QUESTIONS = frozenset({"problem", "implication", "need_payoff"})
_LONG_TURN_SHARE = 0.7  # one turn with this share of a call's words is a monologue…
_LONG_CALL_CHARS = 400  # …when the call is long enough for that to mean something


class _Signal(NamedTuple):
    points: float  # log-odds for (> 0) or against (< 0) a sales call
    reason: str
    sign_of_selling: bool = False


def check_conversation(turns: Sequence[Turn], speakers: SpeakerGuess) -> ConversationCheck:
    silent = _silent_side(turns)
    if silent is not None:
        return ConversationCheck(False, 0.95, (silent,))
    text = "\n".join(t.text for t in turns)
    signals = [*_against(turns, text), *_for(turns, text), *_discovery(turns)]
    if len(turns) >= _QUIET_TURNS and not any(s.sign_of_selling for s in signals):
        why = "没有销售迹象：没有自我介绍、销售话题、“您”、难点问题或客户结果"
        signals.append(_Signal(-2.5, why))
    if speakers.method == "heuristic" and speakers.confidence <= 0.5:
        signals.append(_Signal(-0.5, "单声道通话，分不清两位说话人"))
    return _verdict(signals)


def _verdict(signals: list[_Signal]) -> ConversationCheck:
    score = _PRIOR + sum(s.points for s in signals)
    probability = 1 / (1 + math.exp(-score))
    sales = score > 0
    reasons = tuple(s.reason for s in sorted(signals, key=lambda s: -abs(s.points)))
    confidence = round(probability if sales else 1 - probability, 2)
    return ConversationCheck(sales, confidence, reasons or ("双方都在说话",))


def _silent_side(turns: Sequence[Turn]) -> str | None:
    """Why only one side talks, when it does; a single short turn is too little to tell."""
    if sum(len(t.text) for t in turns) < _TOO_SHORT_CHARS and len(turns) < 2:
        return None
    for side, other in (("rep", "customer"), ("customer", "rep")):
        if not any(t.speaker == side and _says_something(t) for t in turns):
            return (
                f"只有一方在说话：{_SIDE_NAMES[side]}只有应答声，{_SIDE_NAMES[other]}一直在独自说"
            )
    return None


def _says_something(turn: Turn) -> bool:
    """More than a back-channel — or a back-channel that answers (行 to a proposal)."""
    return not is_backchannel(turn.text) or turn.commitment is not None


def _against(turns: Sequence[Turn], text: str) -> list[_Signal]:
    signals = []
    if broadcast := _distinct(BROADCAST, text):
        points = -min(6.0, 2.0 * len(broadcast))
        signals.append(_Signal(points, f"广播或讲座用语：{_list(broadcast)}"))
    if unanswered := _distinct(NO_ANSWER, text):
        signals.append(_Signal(-6.0, f"无人接听：{_list(unanswered)}"))
    if menu := _distinct(
        IVR, text
    ):  # weighed by how much of the call it fills: calls may start with one
        share = sum(1 for t in turns if re.search(IVR, t.text)) / len(turns)
        signals.append(_Signal(-7.5 * share - 1.0, f"自动语音菜单：{_list(menu)}"))
    total = sum(len(t.text) for t in turns)
    longest = max((len(t.text) for t in turns), default=0)
    if total >= _LONG_CALL_CHARS and longest / total >= _LONG_TURN_SHARE:
        signals.append(_Signal(-2.0, f"一句话占了全部字数的 {longest / total:.0%}：是独白"))
    return signals


def _for(turns: Sequence[Turn], text: str) -> list[_Signal]:
    signals = []
    rep_text = "\n".join(t.text for t in turns if t.speaker == "rep")
    if introduction := _distinct(INTRODUCTION, rep_text):
        signals.append(_Signal(1.5, f"销售做了自我介绍：{introduction[0]}", True))
    if topics := _distinct(SALES_WORDS, text):
        signals.append(_Signal(min(3.0, 0.5 * len(topics)), f"销售话题：{_list(topics)}", True))
    if text.count("您") >= 2:
        signals.append(_Signal(1.0, "称呼客户为“您”", True))
    if answered := _outcomes(turns):
        points = min(1.5, 0.75 * len(answered))
        signals.append(
            _Signal(
                points, f"客户结果：{_list([_OUTCOME_NAMES.get(a, a) for a in answered])}", True
            )
        )
    return signals


def _outcomes(turns: Sequence[Turn]) -> list[str]:
    return [
        t.commitment
        for t in turns
        if t.speaker == "customer" and t.commitment and (t.commitment_probability or 0) >= _SURE
    ]


def _discovery(turns: Sequence[Turn]) -> list[_Signal]:
    """Questions about the customer's problems and their cost are a sign of selling; questions
    about the current state alone are not (any meeting has them), they only add weight."""
    kinds = [t.question_type for t in turns if t.speaker == "rep" and t.question_type in _DISCOVERY]
    if not kinds:
        return []
    selling = sum(1 for kind in kinds if kind in _SELLING_QUESTIONS)
    points = min(2.0, 0.5 * len(kinds)) if selling else 0.5
    why = f"销售提了 {len(kinds)} 个探询问题（其中 {selling} 个关于难点）"
    return [_Signal(points, why, selling > 0)]


def _distinct(pattern: str, text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in re.finditer(pattern, text)))


def _list(words: Sequence[str], most: int = 4) -> str:
    return "、".join(words[:most]) + ("…" if len(words) > most else "")
