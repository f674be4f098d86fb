"""Fitted classifiers kept on disk (analysis.model_cache): a stored classifier predicts exactly as
the one it was taken from, and anything that decides the model changes its key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from analysis.classifier import TurnClassifier
from analysis.examples import Example
from analysis.labels import TurnLabeler
from analysis.model_cache import cache_key, fit_cached
from analysis.segmentation import SALES_DICTIONARY, SalesTokenizer

SAMPLES = [
    ("预算大概多少", ["rep:asks"]),
    ("你们现在用的是什么系统", []),
    ("这个问题影响到你们的交付了吗", ["customer:pain"]),
    ("如果能省一半时间对你们有什么帮助", []),
    ("好的 下周二来演示吧", ["rep:proposes"]),
    ("不用了 我们不需要", ["rep:proposes"]),
    ("嗯 我再看看", []),
    ("行 那就周五签合同", ["rep:time"]),
]
LABELS = ["situation", "situation", "implication", "need_payoff", "a", "d", "c", "a"]
UNSEEN = [("周四下午来公司演示吧", ["rep:proposes"]), ("我们预算不多", []), ("什么", [])]


@pytest.fixture(scope="module")
def tokenizer() -> SalesTokenizer:
    return SalesTokenizer()


def _fit(tokenizer: SalesTokenizer) -> TurnClassifier:
    return TurnClassifier(tokenizer.tokens, feature_weight=0.5).fit(SAMPLES, LABELS)


def test_a_stored_classifier_predicts_as_the_one_it_was_taken_from(
    tokenizer: SalesTokenizer, tmp_path: Path
) -> None:
    fitted = fit_cached(tmp_path, "k", tokenizer.tokens, lambda: _fit(tokenizer))
    assert [p.name for p in tmp_path.iterdir()] == ["classifier-k.npz"]

    def must_not_train() -> TurnClassifier:
        raise AssertionError("trained again although a stored classifier was there")

    stored = fit_cached(tmp_path, "k", tokenizer.tokens, must_not_train)
    assert stored.labels == fitted.labels
    np.testing.assert_array_equal(stored.probabilities(UNSEEN), fitted.probabilities(UNSEEN))
    for sample in UNSEEN:
        assert stored.predict(sample) == fitted.predict(sample)  # label, p, the features shown


def test_a_damaged_file_is_trained_over(tokenizer: SalesTokenizer, tmp_path: Path) -> None:
    (tmp_path / "classifier-k.npz").write_bytes(b"half a file")
    trained: list[bool] = []

    def fit() -> TurnClassifier:
        trained.append(True)
        return _fit(tokenizer)

    fit_cached(tmp_path, "k", tokenizer.tokens, fit)
    assert trained == [True]
    fit_cached(tmp_path, "k", tokenizer.tokens, fit)
    assert trained == [True]  # the rewritten file is read
    assert not list(tmp_path.glob("*.tmp"))


def test_the_key_changes_with_whatever_decides_the_model(tmp_path: Path) -> None:
    base = cache_key(SAMPLES, LABELS, 0.5, [SALES_DICTIONARY])
    assert base == cache_key(list(SAMPLES), list(LABELS), 0.5, [SALES_DICTIONARY])
    other_text = [("预算大概多少钱", ["rep:asks"]), *SAMPLES[1:]]
    other_feature = [("预算大概多少", ["rep:time"]), *SAMPLES[1:]]
    user_dictionary = tmp_path / "team.txt"
    user_dictionary.write_text("云帆 10 n\n", encoding="utf-8")
    changed = {
        cache_key(other_text, LABELS, 0.5, [SALES_DICTIONARY]),
        cache_key(other_feature, LABELS, 0.5, [SALES_DICTIONARY]),
        cache_key(SAMPLES, ["problem", *LABELS[1:]], 0.5, [SALES_DICTIONARY]),
        cache_key(SAMPLES, LABELS, 1.0, [SALES_DICTIONARY]),
        cache_key(SAMPLES, LABELS, 0.5, [SALES_DICTIONARY, user_dictionary]),
    }
    assert base not in changed and len(changed) == 5


def test_the_labeller_reads_its_classifiers_back(
    tokenizer: SalesTokenizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    questions = [Example(t, label) for (t, _), label in zip(SAMPLES[:4], LABELS[:4], strict=True)]
    questions += [Example("您好 我是小李", "none"), Example("现在方便说话吗", "other_question")]
    questions += [Example("你们最头疼的是什么问题", "problem")]
    commitments = [
        Example(t, {"a": "advance", "d": "decline", "c": "continuation"}[label])
        for (t, _), label in zip(SAMPLES[4:], LABELS[4:], strict=True)
    ]
    first = TurnLabeler(tokenizer, questions, commitments, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("classifier-*.npz"))) == 2
    monkeypatch.setattr(TurnClassifier, "fit", None)  # a second fit would fail
    second = TurnLabeler(tokenizer, questions, commitments, cache_dir=tmp_path)
    for text in ("那周三过来演示吧", "不用 谢谢"):
        monday = date(2026, 12, 7)
        assert second.label_customer_turn(text, monday) == first.label_customer_turn(text, monday)
    assert second.label_rep_turn("你们一年预算多少？") == first.label_rep_turn("你们一年预算多少？")
