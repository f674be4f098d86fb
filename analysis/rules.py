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

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.types import Turn

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_TERMS",
    "RULE_KINDS",
    "Expression",
    "RuleHit",
    "RuleSyntaxError",
    "check_params",
    "evaluate",
    "parse_expression",
    "phrases_expression",
]


class RuleSyntaxError(ValueError):
    """A rule that cannot work: bad expression or parameters. The message says what to fix."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    turn_index: int | None
    start: float | None
    detail: str


# --- keyword expressions ---------------------------------------------------------------------
# Parsed in one pass (shunting-yard) into postfix order and evaluated with an explicit stack: no
# recursion, so no nesting depth or chain length can exhaust Python's stack, and the work is
# linear in the length of the expression. The limits keep stored rules cheap for every call.

MAX_EXPRESSION_CHARS = 2_000
MAX_EXPRESSION_TERMS = 100
MAX_EXPRESSION_DEPTH = 16

_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[^\s()"]+)')
_OPERATORS = {"and": "and", "&": "and", "&&": "and", "或": "or", "or": "or", "|": "or", "||": "or",
              "not": "not", "!": "not", "非": "not", "且": "and"}  # fmt: skip
_BINDING = {"or": 1, "and": 2, "not": 3}  # `not` binds tightest, then `and`, then `or`


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled keyword expression: call it with a turn's text."""

    program: tuple[tuple[str, str], ...]  # postfix: ("term", phrase) or ("op", and|or|not)

    def __call__(self, text: str) -> bool:
        stack: list[bool] = []
        for kind, value in self.program:
            if kind == "term":
                stack.append(value in text)
            elif value == "not":
                stack[-1] = not stack[-1]
            else:
                right, left = stack.pop(), stack.pop()
                stack.append(left and right if value == "and" else left or right)
        return stack[0]


@functools.lru_cache(maxsize=512)
def parse_expression(text: str) -> Expression:
    """Compile `(价格 or 报价) and not 折扣`; RuleSyntaxError names what is wrong or too big."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise RuleSyntaxError(
            f"the expression is {len(text)} characters long; the limit is {MAX_EXPRESSION_CHARS}"
        )
    return Expression(_Postfix().run(_tokenize(text)))


def phrases_expression(phrases: Sequence[str]) -> str:
    """The keyword expression that holds when any one of `phrases` is said (`"竞品" or "友商"`):
    how a tracker's word list runs on the same engine as the QA rules' expressions."""
    cleaned = [p.strip() for p in phrases]
    if not cleaned or not all(cleaned):
        raise RuleSyntaxError("give at least one phrase, none of them empty")
    if any('"' in p for p in cleaned):
        raise RuleSyntaxError("a phrase cannot contain a double quote")
    return " or ".join(f'"{p}"' for p in cleaned)


def _tokenize(text: str) -> list[str]:
    if not text.strip():
        raise RuleSyntaxError("the expression is empty")
    if text.count('"') % 2:
        raise RuleSyntaxError("a double quote is not closed")
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise RuleSyntaxError("the expression contains characters it cannot read")
    return [_OPERATORS.get(t.lower(), t) for t in tokens]


class _Postfix:
    """Shunting-yard over the tokens, checking the syntax and the limits as it goes."""

    def __init__(self) -> None:
        self.output: list[tuple[str, str]] = []
        self.pending: list[str] = []  # operators and open parentheses not yet emitted
        self.depth = 0
        self.terms = 0

    def run(self, tokens: list[str]) -> tuple[tuple[str, str], ...]:
        expect_operand = True
        for token in tokens:
            expect_operand = self._operand(token) if expect_operand else self._operator(token)
        if expect_operand:
            raise RuleSyntaxError("the expression ends where a phrase was expected")
        while self.pending:
            if self.pending[-1] == "(":
                raise RuleSyntaxError("a parenthesis is not closed")
            self.output.append(("op", self.pending.pop()))
        return tuple(self.output)

    def _operand(self, token: str) -> bool:
        """A phrase, `not` or `(`; returns whether an operand is still expected."""
        if token in ("not", "("):
            self.depth += token == "("
            if self.depth > MAX_EXPRESSION_DEPTH:
                raise RuleSyntaxError(f"parentheses nest deeper than {MAX_EXPRESSION_DEPTH}")
            self.pending.append(token)
            return True
        if token in (")", "and", "or"):
            raise RuleSyntaxError(f"{token!r} where a phrase was expected")
        self._term(token.strip('"'))
        return False

    def _term(self, phrase: str) -> None:
        if not phrase:
            raise RuleSyntaxError('an empty phrase ""')
        self.terms += 1
        if self.terms > MAX_EXPRESSION_TERMS:
            raise RuleSyntaxError(f"the expression has more than {MAX_EXPRESSION_TERMS} phrases")
        self.output.append(("term", phrase))

    def _operator(self, token: str) -> bool:
        """`and`, `or` or `)` after an operand; returns whether an operand is expected next."""
        if token == ")":
            self._close()
            return False
        if token not in ("and", "or"):
            raise RuleSyntaxError(f"unexpected {token!r} in the expression")
        while (
            self.pending
            and self.pending[-1] != "("
            and _BINDING[self.pending[-1]] >= _BINDING[token]
        ):
            self.output.append(("op", self.pending.pop()))
        self.pending.append(token)
        return True

    def _close(self) -> None:
        while self.pending and self.pending[-1] != "(":
            self.output.append(("op", self.pending.pop()))
        if not self.pending:
            raise RuleSyntaxError("a closing parenthesis has no opening one")
        self.pending.pop()
        self.depth -= 1


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


MAX_PHRASES = 200
MAX_PHRASE_CHARS = 100
MAX_NUMBER = 1_000_000  # seconds, characters a minute, interruptions: far above any real call
SPEAKERS = ("rep", "customer")


def check_params(kind: str, params: dict[str, Any]) -> None:
    """Raise RuleSyntaxError naming what is wrong with a rule's parameters."""
    if kind not in _PARAMS:
        raise RuleSyntaxError(f"unknown rule kind {kind!r}; use one of {', '.join(RULE_KINDS)}")
    for name, kinds in _PARAMS[kind].items():
        if not isinstance(params.get(name), kinds) or isinstance(params.get(name), bool):
            raise RuleSyntaxError(f"{kind} needs {name!r} ({_type_name(kinds)})")
        if isinstance(params[name], int | float):
            _check_number(name, params[name])
    if "phrases" in params:
        _check_phrases(params["phrases"])
    if params.get("speaker", "rep") not in SPEAKERS:
        raise RuleSyntaxError(f"speaker is one of {', '.join(SPEAKERS)}")
    if kind == "keyword_expression":
        parse_expression(params["expression"])
    if kind == "speech_rate" and params["min_cpm"] >= params["max_cpm"]:
        raise RuleSyntaxError("min_cpm must be below max_cpm")


def _check_number(name: str, value: float) -> None:
    if not (math.isfinite(value) and 0 <= value <= MAX_NUMBER):
        raise RuleSyntaxError(f"{name} must be a number from 0 to {MAX_NUMBER}")


def _check_phrases(phrases: list[Any]) -> None:
    if not 0 < len(phrases) <= MAX_PHRASES:
        raise RuleSyntaxError(f"give 1 to {MAX_PHRASES} phrases")
    if not all(isinstance(p, str) and 0 < len(p.strip()) <= MAX_PHRASE_CHARS for p in phrases):
        raise RuleSyntaxError(f"phrases must be texts of 1 to {MAX_PHRASE_CHARS} characters")


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
