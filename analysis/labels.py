"""Label turns in their context: SPIN type for rep questions, commitment for customer turns.

Every label comes with its probability: the classifier's probability of that label (renormalised
over the labels the rules left open), so a reviewer can sort by how sure the labeller was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analysis.classifier import Prediction, Sample, TurnClassifier, strip_punctuation
from analysis.context import (
    UNKNOWN_CONTEXT,
    TurnContext,
    asks_for_a_step,
    commitment_features,
    question_features,
    rep_proposes,
)
from analysis.cues import (
    ASK_FORM,
    ASKS_FOR_DATA,
    COUNTER_OFFER,
    LEAVING,
    PAIN,
    PASS_ON,
    POSTPONE,
    REFUSAL,
    WITHHOLDING,
    find_action,
    question_cues,
    split_clauses,
)
from analysis.dates import DueDate, find_due_date
from analysis.examples import (
    NONE,
    Example,
    apply_corrections,
    load_corpus_examples,
    load_corrections,
)
from analysis.model_cache import cache_key, fit_cached
from analysis.segmentation import SalesTokenizer
from analysis.types import QUESTION_TYPES, SPIN_ORDER, Question

__all__ = ["DEFAULT_FEATURES", "CommitmentLabel", "FeatureGroups", "QuestionLabel", "TurnLabeler"]

_CONFIDENT = 0.6  # a question type the classifier is this sure of stands without a rule cue
_STRONG_CUES = frozenset({"question mark", "final particle 吗/呢/么", "tag question"})
_HOUR_WORDS = r"(上午|早上|早晨|中午|下午|傍晚|晚上|下昼|上昼)"
_DATED = frozenset({"advance", "continuation"})  # outcomes whose time words give a due date


@dataclass(frozen=True, slots=True)
class FeatureGroups:
    """Which named feature groups (analysis.context) each classifier uses, and their weight.

    The defaults are what `python -m analysis.train --ablation` supports: for questions the
    customer's preceding pain and the turn's own cues, at a third of a binary column's weight
    (beside TF-IDF values of ~0.1 a full weight drowned the words); for commitments what the rep
    proposed or asked and the crossed cues. `position` (and the customer turn's own `cues`) is
    left out: it helped cross-validation by a thousandth and cost the dev set two hundredths —
    it learns how this corpus's dialogues are laid out, not how calls go.
    """

    questions: Collection[str] = ("customer_pain", "cues")
    commitments: Collection[str] = ("proposal", "rep_question", "crossed", "cues")
    question_weight: float = 0.3
    commitment_weight: float = 1.0
    question_c: float = 10.0  # the linear model's inverse regularisation strength
    commitment_c: float = 10.0


DEFAULT_FEATURES = FeatureGroups()


@dataclass(frozen=True, slots=True)
class QuestionLabel:
    question_type: str | None
    questions: tuple[Question, ...]
    evidence: tuple[str, ...]
    probability: float = 1.0  # of question_type, or of "none" (see Turn.question_probability)


@dataclass(frozen=True, slots=True)
class CommitmentLabel:
    commitment: str | None
    action: str | None
    due: date | None
    time_text: str | None
    evidence: tuple[str, ...]
    probability: float = 1.0  # of commitment (of saying nothing about next steps, when None)


class TurnLabeler:
    """Owns the tokenizer and both classifiers; build once per process (a few seconds)."""

    def __init__(
        self,
        tokenizer: SalesTokenizer,
        questions: Sequence[Example],
        commitments: Sequence[Example],
        groups: FeatureGroups = DEFAULT_FEATURES,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: where fitted classifiers are kept between processes (none: always fit)."""
        self.tokenizer = tokenizer
        self.groups = groups
        self._questions = self._classifier(
            [self._rep_sample(e.text, e.context) for e in questions],
            [e.label for e in questions],
            (groups.question_weight, groups.question_c),
            cache_dir,
        )
        self._commitments = self._classifier(
            [self._customer_sample(e.text, e.context) for e in commitments],
            [e.label for e in commitments],
            (groups.commitment_weight, groups.commitment_c),
            cache_dir,
        )

    def _classifier(
        self,
        samples: list[Sample],
        labels: list[str],
        settings: tuple[float, float],
        cache_dir: Path | None,
    ) -> TurnClassifier:
        tokenize = self.tokenizer.tokens
        weight, c = settings

        def fit() -> TurnClassifier:
            return TurnClassifier(tokenize, c=c, feature_weight=weight).fit(samples, labels)

        if cache_dir is None:
            return fit()
        key = cache_key(samples, labels, ("weight, c", weight, c), self.tokenizer.dictionaries)
        return fit_cached(cache_dir, key, tokenize, fit)

    @classmethod
    def from_corpus(
        cls,
        tokenizer: SalesTokenizer,
        corrections: Sequence[Path] = (),
        cache_dir: Path | None = None,
    ) -> TurnLabeler:
        """Trained on analysis/corpus and on the reviewed corrections files given."""
        questions = load_corpus_examples("questions")
        commitments = load_corpus_examples("commitments")
        for path in corrections:
            found = load_corrections(path)
            questions = apply_corrections(questions, found.examples["questions"])
            commitments = apply_corrections(commitments, found.examples["commitments"])
        return cls(tokenizer, questions, commitments, cache_dir=cache_dir)

    def label_rep_turn(self, text: str, context: TurnContext = UNKNOWN_CONTEXT) -> QuestionLabel:
        """The whole turn's type (its labels are for whole turns: the most advanced question
        wins), checked against the rule cues of its clauses; then which clauses ask what."""
        sample = self._rep_sample(text, context)
        whole = self._questions.predict(sample)
        asked = [(c, cues) for c in split_clauses(text) if (cues := question_cues(c, spoken=True))]
        if whole.label == NONE and any(_STRONG_CUES.intersection(cues) for _, cues in asked):
            whole = self._questions.predict(sample, allowed=QUESTION_TYPES)  # a ？ or 吗 asks
        elif whole.label != NONE and not asked and whole.probability < _CONFIDENT:
            return QuestionLabel(None, (), (), whole.distribution[NONE])  # bare, and unsure
        if whole.label == NONE:
            return QuestionLabel(None, (), (), whole.probability)
        questions = self._questions_in(text, asked, context, whole)
        cues = sorted({cue for _, clause_cues in asked for cue in clause_cues})
        return QuestionLabel(whole.label, questions, _evidence(whole, cues), whole.probability)

    def _questions_in(
        self,
        text: str,
        asked: list[tuple[str, list[str]]],
        context: TurnContext,
        whole: Prediction,
    ) -> tuple[Question, ...]:
        """The clauses that ask, each with its type, none more advanced than the turn's; the
        clause likeliest to ask the turn's type carries it. No clause with a cue: the whole
        turn is the question (ASR often drops the question mark)."""
        found = []
        for clause, cues in asked:
            prediction = self._questions.predict(self._rep_sample(clause, context))
            weak = not _STRONG_CUES.intersection(cues)
            if not (weak and prediction.label == NONE and prediction.probability >= 0.5):
                found.append((clause, prediction.distribution))  # 很多老板都问… asks nothing
        if not found:
            found = [(text, whole.distribution)]
        allowed = SPIN_ORDER[: SPIN_ORDER.index(whole.label) + 1]
        carrier = max(range(len(found)), key=lambda i: found[i][1][whole.label])
        return tuple(
            _typed(clause, distribution, allowed, whole.label if i == carrier else None)
            for i, (clause, distribution) in enumerate(found)
        )

    def label_customer_turn(
        self, text: str, call_date: date | None, context: TurnContext = UNKNOWN_CONTEXT
    ) -> CommitmentLabel:
        sample = self._customer_sample(text, context)
        prediction = self._commitments.predict(sample, allowed=_allowed_outcomes(text, context))
        if prediction.label == NONE:
            return CommitmentLabel(None, None, None, None, (), prediction.probability)
        action = _action(text, context) if prediction.label == "advance" else None
        due = _due(text, context, call_date) if prediction.label in _DATED else None
        cues = [f"action: {action[1]}"] if action else []
        if due:
            cues.append(f"time: {due.time_text}")
        return CommitmentLabel(
            prediction.label,
            action[0] if action else None,
            due.day if due else None,
            due.time_text if due else None,
            _evidence(prediction, cues),
            prediction.probability,
        )

    def _rep_sample(self, text: str, context: TurnContext) -> Sample:
        named = question_features(text, context, self.groups.questions)
        if "customer_words" in self.groups.questions:
            named += self._words_of("c", context.previous_customer)
        return text, named

    def _customer_sample(self, text: str, context: TurnContext) -> Sample:
        named = commitment_features(text, context, self.groups.commitments)
        if "rep_words" in self.groups.commitments:
            named += self._words_of("r", context.previous_rep)
        return text, named

    def _words_of(self, prefix: str, text: str | None) -> list[str]:
        """The words of the turn before (what the rep proposed, what the customer said), as
        named features of their own: 行 after 周四下午过来演示可以吗 is not 行 after 您看呢."""
        if not text:
            return []
        return [f"{prefix}:{word}" for word in set(self.tokenizer.tokens(strip_punctuation(text)))]


def _typed(
    clause: str, distribution: dict[str, float], allowed: Sequence[str], forced: str | None
) -> Question:
    """A clause's question: its likeliest allowed type (or `forced`), with the probability of
    that type given that the clause asks something."""
    kind = forced or max(allowed, key=lambda t: distribution[t])
    asking = sum(distribution[t] for t in QUESTION_TYPES) or 1.0
    return Question(clause, kind, distribution[kind] / asking)


_ALL_OUTCOMES = frozenset({"advance", "continuation", "decline", NONE})


def _allowed_outcomes(text: str, context: TurnContext) -> frozenset[str]:
    """What the labelling standard leaves open for a customer turn in its context (LABELS.md):
    - a worry or complaint in answer to a discovery question (太贵了，预算卡得紧; 麻烦死了) is a
      need, not a decline, unless it says its no in so many words (不需要, 以后再说, 不方便说);
    - ending the call for a reason of one's own (来客户了，先挂了) while nothing was asked,
      and without a no, says nothing about next steps.
    With no rep turn before it, every outcome stays open."""
    rep = context.previous_rep
    if rep is None:
        return _ALL_OUTCOMES
    asked = asks_for_a_step(rep)
    says_no = any(re.search(cue, text) for cue in (REFUSAL, WITHHOLDING, POSTPONE))
    if not asked and not says_no and _only_leaving(text):
        return frozenset({NONE})
    worry = _asks_for_facts(rep) and not says_no and bool(re.search(PAIN, text))
    return _ALL_OUTCOMES - {"decline"} if worry else _ALL_OUTCOMES


def _only_leaving(text: str) -> bool:
    """The customer leaves the call (来客户了，先挂了) and asks nothing of the rep: no 你…, no
    "call me again" (你晚点再打吧 is a continuation)."""
    return bool(re.search(LEAVING, text)) and not re.search(r"你|您|" + PASS_ON, text)


_FACT_CUES = frozenset({"question word", "spoken question word"})  # 什么, 多少, 哪, 几个, 啥, 咋
_YES_NO = re.compile(ASK_FORM + r"|吗\s*[?？]?\s*$|[能会要可行好]不[能会要可以行好]")


def _asks_for_facts(rep: str) -> bool:
    """A discovery question: it asks what, how much, which… — not yes or no (能不能, 可以吗),
    which is an ask a customer can refuse."""
    cues = set(question_cues(rep, spoken=True))
    return bool(cues & _FACT_CUES) and not _YES_NO.search(rep) and not asks_for_a_step(rep)


def _action(text: str, context: TurnContext) -> tuple[str, str] | None:
    """The action the customer names, else the one the rep proposed (or the data the rep asked
    for) and the customer took up."""
    own = find_action(text)
    rep = context.previous_rep
    if own is not None or rep is None:
        return own
    if rep_proposes(rep):
        proposed = find_action(rep)
        return (proposed[0], f"{proposed[1]} (proposed by the rep)") if proposed else None
    if re.search(ASKS_FOR_DATA, rep):
        return "发送资料", "the data the rep asked for"
    return None


def _due(text: str, context: TurnContext, call_date: date | None) -> DueDate | None:
    """The time the customer names, else the time of the rep's proposal the customer accepted."""
    if call_date is None:
        return None
    counter = re.search(COUNTER_OFFER, text)  # 周三不行 周四上午可以: the time offered counts
    own = _offered_time(text, counter.end(1), call_date) if counter else None
    own = own or find_due_date(text, call_date)
    if own is not None or context.previous_rep is None or not rep_proposes(context.previous_rep):
        return own
    return find_due_date(context.previous_rep, call_date)


def _offered_time(text: str, cut: int, call_date: date) -> DueDate | None:
    """The time offered after a refused one, read in the refused one's frame: 下周二不行 周三吧 →
    next week's Wednesday; 周六上午没人 下午吧 → Saturday afternoon."""
    refused, offered = text[:cut], re.sub(r"^\W+", "", text[cut:])
    week = re.search(r"(下下|下个?|这个?|本)(?=周|星期|礼拜)", refused)
    bare_weekday = re.match(r"\W*(周|星期|礼拜)[一二三四五六日天]", offered)
    if week and bare_weekday:
        offered = week.group(0) + offered[bare_weekday.start(1) :]
    found = find_due_date(offered, call_date)
    if found is not None or not re.search(_HOUR_WORDS, offered):
        return found
    day = find_due_date(refused, call_date)
    if day is None:
        return None
    return find_due_date(re.sub(_HOUR_WORDS + "$", "", day.time_text) + offered, call_date)


def _evidence(prediction: Prediction, cues: list[str]) -> tuple[str, ...]:
    model = f"model: {prediction.label} p={prediction.probability:.2f} ({', '.join(prediction.features)})"
    return (*cues, model)
