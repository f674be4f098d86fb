"""Turn classifiers: TF-IDF over characters and jieba words, plus named features, into a linear
model.

Two models, each trained from the labelled corpus shipped in analysis/corpus/ (see its
LABELING.md and `analysis.examples`): `questions` (rep turns → SPIN type or none) and
`commitments` (customer turns → advance / continuation / decline / none). Besides the turn's
own words each sample carries named features (`analysis.context`: what the previous turn
proposed or stated, the turn's own cue words), one binary column each. Training takes a few
seconds, so the models are built in-process from the corpus (no network, no pickles to go
stale); `python -m analysis.train` prints the cross-validated and dev-set figures.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

__all__ = ["Prediction", "Sample", "TurnClassifier", "strip_punctuation"]

_PUNCTUATION = re.compile(r"[\s，。？！、；：,.?!;:…~～“”\"'（）()【】\[\]—-]+")

Sample = tuple[str, Sequence[str]]  # (the turn's text, its named features)


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    probability: float  # of `label`, among the labels that were allowed
    features: tuple[str, ...]  # the n-grams, words and named features that pushed hardest
    distribution: dict[str, float] = field(default_factory=dict)  # every label, all allowed


def strip_punctuation(text: str) -> str:
    """ASR output often has no punctuation: train and predict on text without it."""
    return _PUNCTUATION.sub(" ", text).strip()


class _NamedFeatures:
    """One binary column per named feature seen in training (unseen names are ignored)."""

    def __init__(self, weight: float) -> None:
        self.weight = weight
        self.vocabulary: dict[str, int] = {}

    def fit(self, rows: Sequence[Sequence[str]]) -> _NamedFeatures:
        names = sorted({name for row in rows for name in row})
        self.vocabulary = {name: i for i, name in enumerate(names)}
        return self

    def transform(self, rows: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        data, indices, pointers = [], [], [0]
        for row in rows:
            columns = sorted({self.vocabulary[n] for n in row if n in self.vocabulary})
            indices += columns
            data += [self.weight] * len(columns)
            pointers.append(len(indices))
        shape = (len(rows), max(1, len(self.vocabulary)))
        return sparse.csr_matrix((data, indices, pointers), shape=shape, dtype=np.float64)

    def names(self) -> list[str]:
        return list(self.vocabulary) or ["(no named features)"]


class TurnClassifier:
    def __init__(
        self, tokenize: Callable[[str], list[str]], c: float = 10.0, feature_weight: float = 1.0
    ) -> None:
        self._tokenize = tokenize
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._words = TfidfVectorizer(analyzer=self._tokenize_for_tfidf, sublinear_tf=True)
        self._named = _NamedFeatures(feature_weight)
        self._model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        self._feature_names: np.ndarray[Any, Any] = np.array([])
        self._labels: list[str] = []

    def fit(self, samples: Sequence[Sample], labels: Sequence[str]) -> TurnClassifier:
        texts = [strip_punctuation(text) for text, _ in samples]
        matrix = sparse.hstack(
            [
                self._chars.fit_transform(texts),
                self._words.fit_transform(texts),
                self._named.fit([named for _, named in samples]).transform(
                    [named for _, named in samples]
                ),
            ]
        ).tocsr()
        self._model.fit(matrix, list(labels))
        self._labels = [str(label) for label in self._model.classes_]
        # Looked up once: building the names list is 90 % of a prediction's cost otherwise.
        self._feature_names = np.array(
            [
                *self._chars.get_feature_names_out(),
                *self._words.get_feature_names_out(),
                *self._named.names(),
            ],
            dtype=object,
        )
        return self

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def probabilities(self, samples: Sequence[Sample]) -> np.ndarray[Any, Any]:
        return np.asarray(self._model.predict_proba(self._vectors(samples)))

    def predict(
        self, sample: Sample, top: int = 4, allowed: Collection[str] | None = None
    ) -> Prediction:
        """The most likely label among `allowed` (all when None), its probability renormalised
        over them, and the features that pushed hardest towards it."""
        vector = self._vectors([sample])
        probabilities = self._model.predict_proba(vector)[0]
        distribution = {
            label: float(p) for label, p in zip(self._labels, probabilities, strict=True)
        }
        if allowed is not None:
            mask = np.array([label in allowed for label in self._labels])
            probabilities = np.where(mask, probabilities, 0.0)
            probabilities = probabilities / max(float(probabilities.sum()), 1e-12)
        best = int(np.argmax(probabilities))
        features = self._top_features(vector, best, top)
        return Prediction(self._labels[best], float(probabilities[best]), features, distribution)

    def _vectors(self, samples: Sequence[Sample]) -> sparse.csr_matrix:
        texts = [strip_punctuation(text) for text, _ in samples]
        return sparse.hstack(
            [
                self._chars.transform(texts),
                self._words.transform(texts),
                self._named.transform([named for _, named in samples]),
            ]
        ).tocsr()

    def _top_features(self, vector: Any, class_index: int, top: int) -> tuple[str, ...]:
        """The features present in this turn with the largest weight × value for the class."""
        columns, values = vector.indices, vector.data
        coefficients = self._model.coef_
        # With two classes scikit-learn keeps one row of weights, for the second class.
        row = coefficients[0] * (1 if class_index == 1 else -1) if len(coefficients) == 1 else None
        weights = row if row is not None else coefficients[class_index]
        contributions = values * weights[columns]
        order = np.argsort(contributions)[::-1][:top]
        names = self._feature_names
        return tuple(_feature_label(str(names[columns[i]])) for i in order if contributions[i] > 0)

    def _tokenize_for_tfidf(self, text: str) -> list[str]:
        words = self._tokenize(text)
        return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def _feature_label(name: str) -> str:
    """'采购_也' → '采购 也'; named features ('rep:proposes') stay as they are."""
    return name if ":" in name else name.replace("_", " ").strip()
