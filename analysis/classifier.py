"""Turn classifiers: TF-IDF over characters and jieba words, plus named features, into a linear
model.

Two models, each trained from the labelled corpus shipped in analysis/corpus/ (see its
LABELING.md and `analysis.examples`): `questions` (rep turns → SPIN type or none) and
`commitments` (customer turns → advance / continuation / decline / none). Besides the turn's
own words each sample carries named features (`analysis.context`: what the previous turn
proposed or stated, the turn's own cue words), one binary column each. The models are built
in-process from the corpus (no network); a fitted model's numbers can be kept as a
`ClassifierState` (`analysis.model_cache` stores them as plain arrays, keyed by a hash of what
they were trained on, so none goes stale); `python -m analysis.train` prints the figures.
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

__all__ = ["ClassifierState", "Prediction", "Sample", "TurnClassifier", "strip_punctuation"]

_PUNCTUATION = re.compile(r"[\s，。？！、；：,.?!;:…~～“”\"'（）()【】\[\]—-]+")

Sample = tuple[str, Sequence[str]]  # (the turn's text, its named features)


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    probability: float  # of `label`, among the labels that were allowed
    features: tuple[str, ...]  # the n-grams, words and named features that pushed hardest
    distribution: dict[str, float] = field(default_factory=dict)  # every label, all allowed


@dataclass(frozen=True)
class ClassifierState:
    """Everything a fitted `TurnClassifier` learned, as plain arrays (no pickled objects)."""

    char_terms: np.ndarray[Any, Any]  # the character n-grams, in column order
    char_idf: np.ndarray[Any, Any]
    word_terms: np.ndarray[Any, Any]  # the words and word pairs, in column order
    word_idf: np.ndarray[Any, Any]
    named_terms: np.ndarray[Any, Any]  # the named features, in column order
    feature_weight: float
    labels: np.ndarray[Any, Any]
    coef: np.ndarray[Any, Any]
    intercept: np.ndarray[Any, Any]


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

    @classmethod
    def from_state(
        cls, tokenize: Callable[[str], list[str]], state: ClassifierState
    ) -> TurnClassifier:
        """The classifier `state` describes, ready to predict as the one it was taken from."""
        classifier = cls(tokenize, feature_weight=state.feature_weight)
        classifier._chars = _fitted_tfidf(classifier._chars, state.char_terms, state.char_idf)
        classifier._words = _fitted_tfidf(classifier._words, state.word_terms, state.word_idf)
        classifier._named.vocabulary = {str(n): i for i, n in enumerate(state.named_terms)}
        model = classifier._model
        model.classes_ = np.asarray(state.labels)
        model.coef_ = np.asarray(state.coef)
        model.intercept_ = np.asarray(state.intercept)
        model.n_features_in_ = int(state.coef.shape[1])
        classifier._remember_names()
        return classifier

    def state(self) -> ClassifierState:
        return ClassifierState(
            char_terms=_terms_in_column_order(self._chars.vocabulary_),
            char_idf=np.asarray(self._chars.idf_),
            word_terms=_terms_in_column_order(self._words.vocabulary_),
            word_idf=np.asarray(self._words.idf_),
            named_terms=np.array(list(self._named.vocabulary), dtype=np.str_),
            feature_weight=self._named.weight,
            labels=np.array(self._labels, dtype=np.str_),
            coef=np.asarray(self._model.coef_),
            intercept=np.asarray(self._model.intercept_),
        )

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
        self._remember_names()
        return self

    def _remember_names(self) -> None:
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


def _terms_in_column_order(vocabulary: dict[str, int]) -> np.ndarray[Any, Any]:
    return np.array(sorted(vocabulary, key=vocabulary.__getitem__), dtype=np.str_)


def _fitted_tfidf(
    unfitted: TfidfVectorizer, terms: np.ndarray[Any, Any], idf: np.ndarray[Any, Any]
) -> TfidfVectorizer:
    """A vectorizer with the same settings and a given vocabulary and idf (scikit-learn's way
    to carry a fitted TF-IDF over: a fixed `vocabulary`, then `idf_`)."""
    vectorizer = TfidfVectorizer(
        **{**unfitted.get_params(), "vocabulary": {str(t): i for i, t in enumerate(terms)}}
    )
    vectorizer.idf_ = np.asarray(idf)
    return vectorizer


def _feature_label(name: str) -> str:
    """'采购_也' → '采购 也'; named features ('rep:proposes') stay as they are."""
    return name if ":" in name else name.replace("_", " ").strip()
