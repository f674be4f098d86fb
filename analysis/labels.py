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

from analysis.classifier import Prediction, Sample, TurnClassifier
from analysis.context import (
    COMMITMENT_GROUPS,
    QUESTION_GROUPS,
    UNKNOWN_CONTEXT,
    TurnContext,
    commitment_features,
    question_features,
    rep_proposes,
)
from analysis.cues import COUNTER_OFFER, find_action, question_cues, split_clauses
from analysis.dates import DueDate, find_due_date
from analysis.examples import (
    NONE,
    Example,
    apply_corrections,
    load_corpus_examples,
    load_corrections,
)
from analysis.segmentation import SalesTokenizer
from analysis.types import QUESTION_TYPES, SPIN_ORDER, Question

__all__ = ["ALL_FEATURES", "CommitmentLabel", "FeatureGroups", "QuestionLabel", "TurnLabeler"]

_CONFIDENT = 0.6  # a question type the classifier is this sure of stands without a rule cue
_STRONG_CUES = frozenset({"question mark", "final particle 吗/呢/么", "tag question"})
_DATED = frozenset({"advance", "continuation"})  # outcomes whose time words give a due date


@dataclass(frozen=True, slots=True)
class FeatureGroups:
    """Which named feature groups (analysis.context) the classifiers use: all by default."""

    questions: Collection[str] = QUESTION_GROUPS
    commitments: Collection[str] = COMMITMENT_GROUPS


ALL_FEATURES = FeatureGroups()


@dataclass(frozen=True, slots=True)
class QuestionLabel:
    question_type: str | None
    questions: tuple[Question, ...]
    evidence: tuple[str, ...]
    # The model's probability of question_type; for None, of asking nothing (low when the model
    # leaned towards a question that no rule cue confirmed: worth a review).
    probability: float = 1.0


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
        groups: FeatureGroups = ALL_FEATURES,
    ) -> None:
        self.tokenizer = tokenizer
        self.groups = groups
        self._questions = TurnClassifier(tokenizer.tokens).fit(
            [self._rep_sample(e.text, e.context) for e in questions], [e.label for e in questions]
        )
        self._commitments = TurnClassifier(tokenizer.tokens).fit(
            [self._customer_sample(e.text, e.context) for e in commitments],
            [e.label for e in commitments],
        )

    @classmethod
    def from_corpus(
        cls, tokenizer: SalesTokenizer, corrections: Sequence[Path] = ()
    ) -> TurnLabeler:
        """Trained on analysis/corpus and on the reviewed corrections files given."""
        questions = load_corpus_examples("questions")
        commitments = load_corpus_examples("commitments")
        for path in corrections:
            found = load_corrections(path)
            questions = apply_corrections(questions, found.examples["questions"])
            commitments = apply_corrections(commitments, found.examples["commitments"])
        return cls(tokenizer, questions, commitments)

    def label_rep_turn(self, text: str, context: TurnContext = UNKNOWN_CONTEXT) -> QuestionLabel:
        asked = [
            q
            for q in (self._clause_question(c, context) for c in split_clauses(text))
            if q is not None
        ]
        if not asked:  # no clause has a cue: the whole turn may still be a question ASR left bare
            whole = self._questions.predict(self._rep_sample(text, context))
            if whole.label != NONE and whole.probability >= _CONFIDENT:
                asked = [(Question(text, whole.label, whole.probability), whole)]
            else:
                return QuestionLabel(None, (), (), whole.distribution.get(NONE, 0.0))
        questions = tuple(q for q, _ in asked)
        top = max(asked, key=lambda pair: SPIN_ORDER.index(pair[0].question_type))
        return QuestionLabel(
            top[0].question_type,
            questions,
            _evidence(top[1], question_cues(top[0].text, spoken=True)),
            top[0].probability,
        )

    def label_customer_turn(
        self, text: str, call_date: date | None, context: TurnContext = UNKNOWN_CONTEXT
    ) -> CommitmentLabel:
        prediction = self._commitments.predict(self._customer_sample(text, context))
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

    def _clause_question(
        self, clause: str, context: TurnContext
    ) -> tuple[Question, Prediction] | None:
        """A clause is a question when a rule cue says so; its type is the best non-none class."""
        cues = question_cues(clause, spoken=True)
        if not cues:
            return None
        sample = self._rep_sample(clause, context)
        prediction = self._questions.predict(sample)
        if prediction.label == NONE:
            # A question word alone (我们有多少客户都…) is weak; a ？ or 吗 at the end is not.
            if not _STRONG_CUES.intersection(cues) and prediction.probability >= 0.5:
                return None
            prediction = self._questions.predict(sample, allowed=QUESTION_TYPES)
        return Question(clause, prediction.label, prediction.probability), prediction

    def _rep_sample(self, text: str, context: TurnContext) -> Sample:
        return text, question_features(text, context, self.groups.questions)

    def _customer_sample(self, text: str, context: TurnContext) -> Sample:
        return text, commitment_features(text, context, self.groups.commitments)


def _action(text: str, context: TurnContext) -> tuple[str, str] | None:
    """The action the customer names, else the one the rep proposed and the customer took up."""
    own = find_action(text)
    if own is not None or context.previous_rep is None or not rep_proposes(context.previous_rep):
        return own
    proposed = find_action(context.previous_rep)
    return (proposed[0], f"{proposed[1]} (proposed by the rep)") if proposed else None


def _due(text: str, context: TurnContext, call_date: date | None) -> DueDate | None:
    """The time the customer names, else the time of the rep's proposal the customer accepted."""
    if call_date is None:
        return None
    counter = re.search(COUNTER_OFFER, text)  # 周三不行 周四上午可以: the time offered counts
    own = find_due_date(text[counter.end(1) :], call_date) if counter else None
    own = own or find_due_date(text, call_date)
    if own is not None or context.previous_rep is None or not rep_proposes(context.previous_rep):
        return own
    return find_due_date(context.previous_rep, call_date)


def _evidence(prediction: Prediction, cues: list[str]) -> tuple[str, ...]:
    model = f"model: {prediction.label} p={prediction.probability:.2f} ({', '.join(prediction.features)})"
    return (*cues, model)
