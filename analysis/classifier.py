"""Turn classifiers: TF-IDF over characters and jieba words into a linear model.

Two models, each trained from the labelled corpus shipped in analysis/corpus/ (see its
LABELING.md): `questions` (rep turns → SPIN type or none) and `commitments` (customer turns →
advance / continuation / decline / none). Training takes about a second, so the models are
built in-process from the corpus (no network, no pickles to go stale); `python -m
analysis.train` prints the cross-validated precision/recall/F1 reported in the README.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = ["CORPUS_DIR", "Prediction", "TurnClassifier", "load_corpus"]

CORPUS_DIR = Path(str(resources.files("analysis") / "corpus"))
_PUNCTUATION = re.compile(r"[\s，。？！、；：,.?!;:…~～“”\"'（）()【】\[\]—-]+")


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    probability: float
    features: tuple[str, ...]  # the n-grams and words that pushed hardest towards `label`


def load_corpus(kind: str) -> tuple[list[str], list[str]]:
    """(texts, labels) from every analysis/corpus/{kind}*.jsonl file, in a fixed order."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(CORPUS_DIR.glob(f"{kind}*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(row["label"])
    return texts, labels


def strip_punctuation(text: str) -> str:
    """ASR output often has no punctuation: train and predict on text without it."""
    return _PUNCTUATION.sub(" ", text).strip()


class TurnClassifier:
    def __init__(self, tokenize: Callable[[str], list[str]], c: float = 10.0) -> None:
        self._tokenize = tokenize
        self._feature_names: np.ndarray[Any, Any] = np.array([])
        self._pipeline = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [("chars", _char_vectorizer()), ("words", self._word_vectorizer())]
                    ),
                ),
                ("model", LogisticRegression(C=c, class_weight="balanced", max_iter=3000)),
            ]
        )

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TurnClassifier:
        self._pipeline.fit([strip_punctuation(t) for t in texts], list(labels))
        # Looked up once: building the names list is 90 % of a prediction's cost otherwise.
        self._feature_names = self._pipeline.named_steps["features"].get_feature_names_out()
        return self

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self._pipeline.classes_]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return np.asarray(self._pipeline.predict_proba([strip_punctuation(t) for t in texts]))

    def predict(self, text: str, top: int = 4, exclude: str | None = None) -> Prediction:
        """The most likely label (other than `exclude`, when given) with its top features."""
        vector = self._pipeline.named_steps["features"].transform([strip_punctuation(text)]).tocsr()
        model: LogisticRegression = self._pipeline.named_steps["model"]
        probabilities = model.predict_proba(vector)[0]
        if exclude is not None:
            probabilities = np.where(np.array(self.labels) == exclude, -1.0, probabilities)
        best = int(np.argmax(probabilities))
        features = self._top_features(vector, best, top)
        return Prediction(self.labels[best], float(probabilities[best]), features)

    def _top_features(self, vector: Any, class_index: int, top: int) -> tuple[str, ...]:
        """The features present in this turn with the largest weight × value for the class."""
        model: LogisticRegression = self._pipeline.named_steps["model"]
        columns, values = vector.indices, vector.data
        contributions = values * model.coef_[class_index][columns]
        order = np.argsort(contributions)[::-1][:top]
        names = self._feature_names
        return tuple(_feature_label(str(names[columns[i]])) for i in order if contributions[i] > 0)

    def _word_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer=self._tokenize_for_tfidf, sublinear_tf=True)

    def _tokenize_for_tfidf(self, text: str) -> list[str]:
        words = self._tokenize(text)
        return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)


def _feature_label(name: str) -> str:
    """'chars__不需' → '不需', 'words__采购_也' → '采购 也'."""
    return name.split("__", 1)[-1].replace("_", " ").strip()
