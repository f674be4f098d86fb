"""Reviewed corrections flow back into training: the file format, and what train.py does with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analysis import Utterance
from analysis.examples import (
    NONE,
    Example,
    apply_corrections,
    load_corpus_examples,
    load_corrections,
)
from analysis.labels import TurnLabeler
from analysis.segmentation import SalesTokenizer
from analysis.train import load_training_data
from ingest.call_analysis import AnalyzerHolder

PROPOSAL = "那我把报价单发您微信上 您先看看 好吗"
REVIEWED = {"corrected_by": "wang.manager", "corrected_at": "2026-11-24T10:00:00+08:00"}


def _write(path: Path, rows: list[Any]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_lines_are_read_and_bad_ones_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "corrections.jsonl",
        [
            {"speaker": "customer", "text": "行 你发吧", "label": "continuation",
             "previous_rep_text": PROPOSAL, "original_label": "advance", **REVIEWED},
            {"speaker": "rep", "text": "一个月电费大概多少", "label": "situation",
             "previous_customer_text": "电费太高了", "turn_index": 4, "turn_count": 12, **REVIEWED},
            {"speaker": "customer", "text": "嗯", "label": None, **REVIEWED},
            {"speaker": "customer", "text": "行", "label": "maybe", **REVIEWED},
            {"speaker": "boss", "text": "行", "label": "advance", **REVIEWED},
            {"speaker": "rep", "text": "您好", "label": None},
            "{not json",
        ],
    )  # fmt: skip
    found = load_corrections(path)
    customer, rep = found.examples["commitments"], found.examples["questions"]
    assert [(e.text, e.label) for e in customer] == [("行 你发吧", "continuation"), ("嗯", NONE)]
    assert customer[0].context.previous_rep == PROPOSAL and customer[0].source == "correction"
    assert rep[0].context.previous_customer == "电费太高了" and rep[0].context.index == 4
    assert [reason.split(":")[0] for reason in found.rejected] == [
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "maybe" in found.rejected[0] and "corrected_by" in found.rejected[2]


def test_a_correction_replaces_the_corpus_turn_it_relabels() -> None:
    corpus = [Example("行 你发吧", "advance"), Example("可以", "advance")]
    fixed = Example("行 你发吧", "continuation", source="correction")
    merged = apply_corrections(corpus, [fixed])
    assert [(e.text, e.label) for e in merged] == [
        ("可以", "advance"),
        ("行 你发吧", "continuation"),
    ]


def test_train_reports_and_uses_the_corrections(tmp_path: Path, analyzer: AnalyzerHolder) -> None:
    corpus_size = len(load_corpus_examples("commitments"))
    text = "嗯呐 这个事情咱就先这么滴 回见哈"  # nothing like it in the corpus
    before = analyzer.get().analyze_turns([Utterance("customer", text)], call_date=None)
    assert before.turns[0].commitment != "decline"
    rows = [{"speaker": "customer", "text": text, "label": "decline", **REVIEWED}]
    path = _write(tmp_path / "fixes.jsonl", [*rows, {"speaker": "rep"}])
    data = load_training_data([path])
    assert len(data.examples["commitments"]) == corpus_size + 1
    assert any("1 commitments corrections" in note for note in data.notes)
    assert any("rejected line 2" in note for note in data.notes)
    labeler = TurnLabeler(
        SalesTokenizer(), data.examples["questions"], data.examples["commitments"]
    )
    assert labeler.label_customer_turn(text, None).commitment == "decline"


@pytest.mark.parametrize("field", ["turn_index", "previous_rep_text"])
def test_context_fields_must_have_the_right_type(tmp_path: Path, field: str) -> None:
    row = {"speaker": "customer", "text": "行", "label": "advance", field: [1], **REVIEWED}
    found = load_corrections(_write(tmp_path / "c.jsonl", [row]))
    assert found.examples["commitments"] == [] and field in found.rejected[0]
