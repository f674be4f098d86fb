"""The labels on each dev file (../shared/analysis-dev: dialogues by other authors, never trained
on) must not fall below what they reach now, minus a small margin.

Floors: measured with `python -m analysis.train` on this corpus (seventeen authors, issue 20),
per file (macro-F1, questions / commitments): dev_1 0.953 / 0.749, dev_2 0.970 / 0.900, dev_3
0.853 / 0.804, minus 0.02. Per file, because pooling lets a strong file hide a weak one. dev_1's
commitments sit lower than before issue 20 (0.795): its author labels agreeing to take the call
(嗯 你说吧) a continuation, which LABELING.md and the reviewed corpus call none — a convention,
not a loss. The labeller is deterministic, so the margin is not for noise: it lets the corpus
grow (a few new lines move a file's macro-F1 by about a hundredth) while still failing on a real
loss, like dropping the context features (−0.05 on commitments).
"""

from __future__ import annotations

import pytest

from analysis.examples import load_dialogues
from analysis.train import DEV_DIR, evaluate_dialogues, macro_f1
from ingest.call_analysis import AnalyzerHolder

FLOORS = {
    "dialogues_dev_1.jsonl": {"questions": 0.93, "commitments": 0.73},
    "dialogues_dev_2.jsonl": {"questions": 0.95, "commitments": 0.88},
    "dialogues_dev_3.jsonl": {"questions": 0.83, "commitments": 0.78},
}


@pytest.mark.skipif(not DEV_DIR.is_dir(), reason=f"no dev set at {DEV_DIR}")
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_dev_file_macro_f1_stays_above_its_floor(analyzer: AnalyzerHolder, name: str) -> None:
    dialogues = load_dialogues(DEV_DIR / name)
    assert len(dialogues) >= 12
    scores = evaluate_dialogues(analyzer.get(), dialogues)
    reached = {kind: round(macro_f1(*scores[kind]), 3) for kind in FLOORS[name]}
    assert all(reached[kind] >= floor for kind, floor in FLOORS[name].items()), reached
