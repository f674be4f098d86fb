"""QA rules (质检规则): check an analysed call against rules and say where each one is hit.

Kinds and their parameters:
- `required_phrase` {"phrases": [...], "within_s": 30, "speaker": "rep"}: hit when the speaker
  says none of the phrases within the first `within_s` seconds (开场问候, 自报家门).
- `forbidden_phrase` {"phrases": [...], "speaker": "rep"}: hit on every turn that says one.
- `keyword_expression` {"expression": "(价格 or 报价) and not 折扣", "speaker": "rep"}: hit on
  every turn where the expression holds; and / or / not / parentheses; a phrase with spaces goes
  in double quotes.
- `silence` {"max_s": 10}: hit when the call's longest silence is longer.
- `speech_rate` {"min_cpm": 150, "max_cpm": 330}: hit when the rep's characters per minute fall
  outside the range.
- `interruptions` {"max": 3}: hit when the rep cut in more often (stereo calls).
- `talk_ratio` {"max": 0.65}: hit when the rep's share of speaking time is higher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.types import Turn

__all__ = [
    "RULE_KINDS",
    "Expression",
    "RuleHit",
    "RuleSyntaxError",
    "check_params",
    "evaluate",
    "parse_expression",
]


class RuleSyntaxError(ValueError):
    """A rule that cannot work: bad expression or parameters. The message says what to fix."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    turn_index: int | None
    start: float | None
    detail: str


# --- keyword expressions ---------------------------------------------------------------------

Expression = Callable[[str], bool]
_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[^\s()"]+)')
_OPERATORS = {"and": "and", "&": "and", "&&": "and", "或": "or", "or": "or", "|": "or", "||": "or",
              "not": "not", "!": "not", "非": "not", "且": "and"}  # fmt: skip


def parse_expression(text: str) -> Expression:
    tokens = _tokenize(text)
    expression, rest = _parse_or(tokens)
    if rest:
        raise RuleSyntaxError(f"unexpected {rest[0]!r} in the expression")
    return expression


def _tokenize(text: str) -> list[str]:
    if not text.strip():
        raise RuleSyntaxError("the expression is empty")
    if text.count('"') % 2:
        raise RuleSyntaxError("a double quote is not closed")
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise RuleSyntaxError("the expression contains characters it cannot read")
    return [_OPERATORS.get(t.lower(), t) for t in tokens]


Parser = Callable[[list[str]], tuple[Expression, list[str]]]


def _parse_or(tokens: list[str]) -> tuple[Expression, list[str]]:
    return _parse_chain(tokens, "or", _parse_and, lambda a, b: lambda s: a(s) or b(s))


def _parse_and(tokens: list[str]) -> tuple[Expression, list[str]]:
    return _parse_chain(tokens, "and", _parse_not, lambda a, b: lambda s: a(s) and b(s))


def _parse_chain(
    tokens: list[str],
    operator: str,
    operand: Parser,
    combine: Callable[[Expression, Expression], Expression],
) -> tuple[Expression, list[str]]:
    """operand (operator operand)*, left to right; `and` binds tighter than `or`."""
    left, tokens = operand(tokens)
    while tokens and tokens[0] == operator:
        right, tokens = operand(tokens[1:])
        left = combine(left, right)
    return left, tokens


def _parse_not(tokens: list[str]) -> tuple[Expression, list[str]]:
    if not tokens:
        raise RuleSyntaxError("the expression ends where a phrase was expected")
    head, rest = tokens[0], tokens[1:]
    if head == "not":
        inner, rest = _parse_not(rest)
        return (lambda a: lambda s: not a(s))(inner), rest
    if head == "(":
        inner, rest = _parse_or(rest)
        if not rest or rest[0] != ")":
            raise RuleSyntaxError("a parenthesis is not closed")
        return inner, rest[1:]
    if head in (")", "and", "or"):
        raise RuleSyntaxError(f"{head!r} where a phrase was expected")
    phrase = head.strip('"')
    if not phrase:
        raise RuleSyntaxError('an empty phrase ""')
    return (lambda p: lambda s: p in s)(phrase), rest


# --- rules -----------------------------------------------------------------------------------

_PARAMS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "required_phrase": {"phrases": list, "within_s": (int, float)},
    "forbidden_phrase": {"phrases": list},
    "keyword_expression": {"expression": str},
    "silence": {"max_s": (int, float)},
    "speech_rate": {"min_cpm": (int, float), "max_cpm": (int, float)},
    "interruptions": {"max": int},
    "talk_ratio": {"max": (int, float)},
}
RULE_KINDS = tuple(_PARAMS)


def check_params(kind: str, params: dict[str, Any]) -> None:
    """Raise RuleSyntaxError naming what is wrong with a rule's parameters."""
    if kind not in _PARAMS:
        raise RuleSyntaxError(f"unknown rule kind {kind!r}; use one of {', '.join(RULE_KINDS)}")
    for name, kinds in _PARAMS[kind].items():
        if not isinstance(params.get(name), kinds) or isinstance(params.get(name), bool):
            raise RuleSyntaxError(f"{kind} needs {name!r} ({_type_name(kinds)})")
    if "phrases" in params and not all(isinstance(p, str) and p.strip() for p in params["phrases"]):
        raise RuleSyntaxError("phrases must be a list of non-empty texts")
    if kind == "keyword_expression":
        parse_expression(params["expression"])
    if kind == "speech_rate" and params["min_cpm"] >= params["max_cpm"]:
        raise RuleSyntaxError("min_cpm must be below max_cpm")


def _type_name(kinds: type | tuple[type, ...]) -> str:
    names = [k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,))]
    return {"list": "a list of phrases", "str": "text"}.get(names[0], "a number")


def evaluate(
    kind: str, params: dict[str, Any], turns: Sequence[Turn], metrics: dict[str, Any]
) -> list[RuleHit]:
    check_params(kind, params)
    speaker = params.get("speaker", "rep")
    spoken = [t for t in turns if t.speaker == speaker]
    return _EVALUATORS[kind](params, spoken, metrics)


def _required(params: dict[str, Any], turns: Sequence[Turn], _m: dict[str, Any]) -> list[RuleHit]:
    early = [t for t in turns if (t.start or 0.0) <= params["within_s"]]
    if any(p in t.text for t in early for p in params["phrases"]):
        return []
    return [
        RuleHit(None, 0.0, f"前 {params['within_s']} 秒内没有说：{' / '.join(params['phrases'])}")
    ]


def _forbidden(params: dict[str, Any], turns: Sequence[Turn], _m: dict[str, Any]) -> list[RuleHit]:
    hits = []
    for turn in turns:
        said = next((p for p in params["phrases"] if p in turn.text), None)
        if said is not None:
            hits.append(RuleHit(turn.index, turn.start, f"说了「{said}」：{turn.text[:60]}"))
    return hits


def _expression(params: dict[str, Any], turns: Sequence[Turn], _m: dict[str, Any]) -> list[RuleHit]:
    matches = parse_expression(params["expression"])
    return [RuleHit(t.index, t.start, t.text[:60]) for t in turns if matches(t.text)]


def _silence(params: dict[str, Any], _t: Sequence[Turn], metrics: dict[str, Any]) -> list[RuleHit]:
    longest = metrics.get("longest_silence_s") or 0.0
    return [RuleHit(None, None, f"最长静音 {longest:.0f} 秒")] if longest > params["max_s"] else []


def _speech_rate(
    params: dict[str, Any], _t: Sequence[Turn], metrics: dict[str, Any]
) -> list[RuleHit]:
    rate = (metrics.get("speech_rate_cpm") or {}).get("rep")
    if rate is None or params["min_cpm"] <= rate <= params["max_cpm"]:
        return []
    return [
        RuleHit(
            None, None, f"销售语速 {rate:.0f} 字/分钟，超出 {params['min_cpm']}–{params['max_cpm']}"
        )
    ]


def _interruptions(
    params: dict[str, Any], _t: Sequence[Turn], metrics: dict[str, Any]
) -> list[RuleHit]:
    count = (metrics.get("interruptions") or {}).get("rep", 0)
    return [RuleHit(None, None, f"销售抢话 {count} 次")] if count > params["max"] else []


def _talk_ratio(
    params: dict[str, Any], _t: Sequence[Turn], metrics: dict[str, Any]
) -> list[RuleHit]:
    ratio = metrics.get("talk_ratio")
    return (
        [RuleHit(None, None, f"销售说话占比 {ratio:.0%}")]
        if ratio is not None and ratio > params["max"]
        else []
    )


_EVALUATORS: dict[
    str, Callable[[dict[str, Any], Sequence[Turn], dict[str, Any]], list[RuleHit]]
] = {
    "required_phrase": _required,
    "forbidden_phrase": _forbidden,
    "keyword_expression": _expression,
    "silence": _silence,
    "speech_rate": _speech_rate,
    "interruptions": _interruptions,
    "talk_ratio": _talk_ratio,
}
