"""Label turns: SPIN type for rep questions, commitment outcome for customer turns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analysis.classifier import Prediction, TurnClassifier, load_corpus
from analysis.cues import find_action, question_cues, split_clauses
from analysis.dates import find_due_date
from analysis.segmentation import SalesTokenizer
from analysis.types import SPIN_ORDER, Question

__all__ = ["CommitmentLabel", "QuestionLabel", "TurnLabeler"]

NONE = "none"
_CONFIDENT = 0.6  # a question type the classifier is this sure of stands without a rule cue
_STRONG_CUES = frozenset({"question mark", "final particle 吗/呢/么", "tag question"})


@dataclass(frozen=True, slots=True)
class QuestionLabel:
    question_type: str | None
    questions: tuple[Question, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CommitmentLabel:
    commitment: str | None
    action: str | None
    due: date | None
    time_text: str | None
    evidence: tuple[str, ...]


class TurnLabeler:
    """Owns the tokenizer and both classifiers; build once per process (a few seconds)."""

    def __init__(self, tokenizer: SalesTokenizer) -> None:
        self.tokenizer = tokenizer
        self._questions = TurnClassifier(tokenizer.tokens).fit(*load_corpus("questions"))
        self._commitments = TurnClassifier(tokenizer.tokens).fit(*load_corpus("commitments"))

    def label_rep_turn(self, text: str) -> QuestionLabel:
        asked = [
            q for q in (self._clause_question(c) for c in split_clauses(text)) if q is not None
        ]
        if not asked:  # no clause has a cue: the whole turn may still be a question ASR left bare
            whole = self._questions.predict(text)
            if whole.label != NONE and whole.probability >= _CONFIDENT:
                asked = [(Question(text, whole.label), whole)]
        if not asked:
            return QuestionLabel(None, (), ())
        questions = tuple(q for q, _ in asked)
        top = max(asked, key=lambda pair: SPIN_ORDER.index(pair[0].question_type))
        return QuestionLabel(
            top[0].question_type, questions, _evidence(top[1], question_cues(top[0].text))
        )

    def label_customer_turn(self, text: str, call_date: date | None) -> CommitmentLabel:
        prediction = self._commitments.predict(text)
        if prediction.label == NONE:
            return CommitmentLabel(None, None, None, None, ())
        action = find_action(text) if prediction.label == "advance" else None
        due = (
            find_due_date(text, call_date) if prediction.label == "advance" and call_date else None
        )
        cues = [f"action: {action[1]}"] if action else []
        if due:
            cues.append(f"time: {due.time_text}")
        return CommitmentLabel(
            prediction.label,
            action[0] if action else None,
            due.day if due else None,
            due.time_text if due else None,
            _evidence(prediction, cues),
        )

    def _clause_question(self, clause: str) -> tuple[Question, Prediction] | None:
        """A clause is a question when a rule cue says so; its type is the best non-none class."""
        cues = question_cues(clause)
        if not cues:
            return None
        prediction = self._questions.predict(clause)
        if prediction.label == NONE:
            # A question word alone (我们有多少客户都…) is weak; a ？ or 吗 at the end is not.
            if not _STRONG_CUES.intersection(cues) and prediction.probability >= 0.5:
                return None
            prediction = self._questions.predict(clause, exclude=NONE)
        return Question(clause, prediction.label), prediction


def _evidence(prediction: Prediction, cues: list[str]) -> tuple[str, ...]:
    model = f"model: {prediction.label} p={prediction.probability:.2f} ({', '.join(prediction.features)})"
    return (*cues, model)
