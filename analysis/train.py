"""Cross-validate the turn classifiers on the shipped corpus and print per-class figures.

python -m analysis.train            # 5-fold stratified CV, fixed seed: reproducible
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import classification_report
from sklearn.model_selection import StratifiedKFold

from analysis.classifier import TurnClassifier, load_corpus
from analysis.segmentation import SalesTokenizer

__all__ = ["cross_validate"]


def cross_validate(kind: str, tokenizer: SalesTokenizer, folds: int = 5, seed: int = 7) -> str:
    texts, labels = load_corpus(kind)
    predicted = np.empty(len(texts), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        model = TurnClassifier(tokenizer.tokens).fit(
            [texts[i] for i in train], [labels[i] for i in train]
        )
        probabilities = model.probabilities([texts[i] for i in test])
        predicted[test] = [model.labels[j] for j in probabilities.argmax(axis=1)]
    return str(classification_report(labels, list(predicted), digits=3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    tokenizer = SalesTokenizer()
    for kind in ("questions", "commitments"):
        print(f"== {kind} ({args.folds}-fold cross-validation) ==")
        print(cross_validate(kind, tokenizer, args.folds))


if __name__ == "__main__":
    main()
