"""A coaching score from 0 to 100, with the reasons that make it up.

| criterion  | points | full marks when |
|------------|--------|-----------------|
| commitment | 30     | the customer agreed to an advance (a continuation earns 10) |
| discovery  | 25     | the rep asked problem (8), implication (9) and need-payoff (8) questions |
| talk_ratio | 15     | the rep spoke 35–60 % of the time (falling to 0 at 15 % / 85 %) |
| monologue  | 10     | no rep monologue over 60 s (5 up to 120 s) |
| questions  | 10     | at least 5 questions (2 points each) |
| patience   | 5      | on average ≥ 0.5 s pause before answering the customer (2 from 0.2 s) |
| fillers    | 5      | fewer than 3 fillers per 100 words (0 from 8) |

Where the rep set a commitment objective (承诺目标) for the call, `with_objective` judges the
commitment part against it instead (`objective`, the same 30 points): the primary advance 30, the
minimum 20, a weaker advance or only a continuation 5, a refusal 0. Aiming high and landing the
minimum is still a good call; an advance below the minimum is treated as a continuation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from analysis.types import Score, Turn

__all__ = [
    "OBJECTIVE_POINTS",
    "coaching_score",
    "score_from_json",
    "score_reasons_json",
    "with_corrected_labels",
    "with_objective",
]

OBJECTIVE_POINTS = {
    "primary_achieved": (30, "达成主要承诺目标"),
    "minimum_achieved": (20, "达成最低承诺目标，未达主要目标"),
    "continuation_only": (5, "未达最低承诺目标：客户只给了延续或更弱的推进"),
    "declined": (0, "客户拒绝，承诺目标未达成"),
}


def coaching_score(turns: Sequence[Turn], metrics: dict[str, Any]) -> Score:
    parts = [
        _commitment(turns),
        _discovery(metrics),
        _talk_ratio(metrics.get("talk_ratio")),
        _monologue(metrics.get("longest_rep_monologue_s") or 0.0),
        _questions(metrics.get("question_count") or 0),
        _patience(metrics.get("patience_s")),
        _fillers((metrics.get("filler_rate") or {}).get("rep")),
    ]
    return Score(total=sum(points for _, points, _ in parts), reasons=tuple(parts))


def _commitment(turns: Sequence[Turn]) -> tuple[str, int, str]:
    return _commitment_of({t.commitment for t in turns if t.speaker == "customer"})


def _commitment_of(outcomes: Collection[str | None]) -> tuple[str, int, str]:
    if "advance" in outcomes:
        return ("commitment", 30, "客户同意了具体的下一步")
    if "continuation" in outcomes:
        return ("commitment", 10, "客户态度积极，但没有约定具体的下一步")
    return ("commitment", 0, "没有约定下一步")


def _discovery(metrics: dict[str, Any]) -> tuple[str, int, str]:
    counts = metrics.get("question_counts") or {}
    weights = {"problem": 8, "implication": 9, "need_payoff": 8}
    asked = [kind for kind in weights if counts.get(kind)]
    missing = [kind for kind in weights if kind not in asked]
    names = {"problem": "难点问题", "implication": "暗示问题", "need_payoff": "需求效益问题"}
    note = (
        f"问了{'、'.join(names[k] for k in asked)}" if asked else "没有问难点、暗示或需求效益问题"
    )
    gaps = f"；缺少{'、'.join(names[k] for k in missing)}" if missing and asked else ""
    return ("discovery", sum(weights[k] for k in asked), note + gaps)


def _talk_ratio(ratio: float | None) -> tuple[str, int, str]:
    if ratio is None:
        return ("talk_ratio", 0, "没有可计时的对话")
    if 0.35 <= ratio <= 0.6:
        points = 15
    elif ratio > 0.6:
        points = round(15 * max(0.0, (0.85 - ratio) / 0.25))
    else:
        points = round(15 * max(0.0, (ratio - 0.15) / 0.20))
    return ("talk_ratio", points, f"销售说话占比 {ratio:.0%}（目标 35–60%）")


def _monologue(seconds: float) -> tuple[str, int, str]:
    points = 10 if seconds <= 60 else 5 if seconds <= 120 else 0
    return ("monologue", points, f"销售最长独白 {seconds:.0f} 秒")


def _questions(count: int) -> tuple[str, int, str]:
    return ("questions", min(10, 2 * count), f"共提问 {count} 个")


def _patience(seconds: float | None) -> tuple[str, int, str]:
    if seconds is None:
        return ("patience", 0, "没有客户到销售的话轮交接")
    points = 5 if seconds >= 0.5 else 2 if seconds >= 0.2 else 0
    return ("patience", points, f"回应前平均停顿 {seconds:.1f} 秒")


def _fillers(rate: float | None) -> tuple[str, int, str]:
    if rate is None:
        return ("fillers", 0, "销售没有说话")
    points = 5 if rate < 3 else round(5 * max(0.0, (8 - rate) / 5))
    return ("fillers", points, f"每百词口头禅 {rate:.1f} 个")


def with_objective(score: Score, outcome: str, primary: str, minimum: str | None) -> Score:
    """`score` with its commitment part judged against the objective `primary`/`minimum`."""
    points, verdict = OBJECTIVE_POINTS[outcome]
    goal = f"（目标：{primary}" + (f"，最低：{minimum}）" if minimum else "）")
    judged = ("objective", points, verdict + goal)
    return _replacing(score, {"commitment": judged, "objective": judged})


def with_corrected_labels(
    score: Score, outcomes: Collection[str], question_counts: Mapping[str, int]
) -> Score:
    """`score` with the parts that rest on labels (commitment, discovery) taken again from the
    labels in effect after a person corrected some; an `objective` part stays as judged."""
    fresh = {"commitment": _commitment_of(outcomes),
             "discovery": _discovery({"question_counts": question_counts})}  # fmt: skip
    return _replacing(score, fresh)


def _replacing(score: Score, fresh: Mapping[str, tuple[str, int, str]]) -> Score:
    """`score` with the parts named in `fresh` replaced, in place, and the total summed again."""
    parts = tuple(fresh.get(part[0], part) for part in score.reasons)
    return Score(total=sum(p for _, p, _ in parts), reasons=parts)


def score_reasons_json(score: Score) -> list[dict[str, Any]]:
    """The parts as stored and served: `[{"criterion", "points", "reason"}]`."""
    return [{"criterion": c, "points": p, "reason": r} for c, p, r in score.reasons]


def score_from_json(total: int, reasons: Sequence[Mapping[str, Any]]) -> Score:
    """A stored score (total and `score_reasons_json` parts) back as a `Score`."""
    parts = tuple((r["criterion"], int(r["points"]), r["reason"]) for r in reasons)
    return Score(total, parts)
