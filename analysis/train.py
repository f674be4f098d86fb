"""Measure the turn labellers: cross-validation on the corpus, and the dev set of other authors.

    python -m analysis.train                          # CV (5 folds, fixed seed) + dev set
    python -m analysis.train --corrections fixes.jsonl  # train on reviewed corrections as well
    python -m analysis.train --ablation               # each context feature group's effect

Both measurements run the labeller as the service does (clause cues, rules, the context of the
turns before), not the bare classifier. Cross-validation keeps each dialogue in one fold, so a
conversation's turns never train the model that labels them. The dev set
(../shared/analysis-dev/dialogues_dev_*.jsonl, whole conversations written by other authors) is
never trained on; it is only a proxy for the held-out set the team measures on, so nothing here
is tuned to its sentences. Reviewed corrections (LABELING.md, "Corrections") are added to the
training data of both measurements, and relabel the corpus turns they correct.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from analysis.analyzer import Analyzer
from analysis.context import COMMITMENT_GROUPS, QUESTION_GROUPS
from analysis.examples import (
    CORPUS_DIR,
    KINDS,
    NONE,
    Dialogue,
    Example,
    apply_corrections,
    load_corpus_examples,
    load_corrections,
    load_dialogues,
)
from analysis.labels import DEFAULT_FEATURES, FeatureGroups, TurnLabeler
from analysis.segmentation import SalesTokenizer
from analysis.types import Utterance

__all__ = [
    "DEV_DIR",
    "Scores",
    "TrainingData",
    "conversation_accuracy",
    "cross_validate",
    "evaluate_dialogues",
    "load_dev_dialogues",
    "load_training_data",
    "macro_f1",
    "per_class_table",
]

DEV_DIR = Path(__file__).resolve().parents[2] / "shared" / "analysis-dev"
_CALL_DATE = date(2026, 11, 23)
Scores = dict[str, tuple[list[str], list[str]]]  # kind → (gold labels, predicted labels)


@dataclass(frozen=True, slots=True)
class TrainingData:
    examples: dict[str, list[Example]]  # by kind: corpus plus corrections
    notes: list[str]  # what the corrections added, replaced and rejected


def load_training_data(corrections: Sequence[Path] = ()) -> TrainingData:
    examples = {kind: load_corpus_examples(kind) for kind in KINDS}
    notes: list[str] = []
    for path in corrections:
        found = load_corrections(path)
        for kind in KINDS:
            added = found.examples[kind]
            before = len(examples[kind])
            examples[kind] = apply_corrections(examples[kind], added)
            replaced = before + len(added) - len(examples[kind])
            notes.append(
                f"{path.name}: {len(added)} {kind} corrections, {replaced} corpus turns relabelled"
            )
        notes += [f"{path.name}: rejected {reason}" for reason in found.rejected]
    return TrainingData(examples, notes)


def cross_validate(
    data: TrainingData,
    tokenizer: SalesTokenizer,
    groups: FeatureGroups = DEFAULT_FEATURES,
    folds: int = 5,
    seed: int = 7,
) -> Scores:
    """Each fold trains one labeller on the other folds and labels its own turns in context."""
    splits = {kind: _folds(data.examples[kind], folds, seed) for kind in KINDS}
    scores: Scores = {kind: ([], []) for kind in KINDS}
    for fold in range(folds):
        train = {
            kind: [e for e, f in zip(data.examples[kind], splits[kind], strict=True) if f != fold]
            for kind in KINDS
        }
        labeler = TurnLabeler(tokenizer, train["questions"], train["commitments"], groups)
        for kind in KINDS:
            tested = [
                e for e, f in zip(data.examples[kind], splits[kind], strict=True) if f == fold
            ]
            scores[kind][0].extend(e.label for e in tested)
            scores[kind][1].extend(_label(labeler, kind, e) for e in tested)
    return scores


def evaluate_dialogues(analyzer: Analyzer, dialogues: Sequence[Dialogue]) -> Scores:
    """Label whole conversations as the service does and compare each turn with its label."""
    scores: Scores = {kind: ([], []) for kind in KINDS}
    for dialogue in dialogues:
        utterances = [Utterance(speaker, text) for speaker, text, _ in dialogue.turns]
        turns = analyzer.analyze_turns(utterances, call_date=_CALL_DATE).turns
        for (speaker, _, gold), turn in zip(dialogue.turns, turns, strict=True):
            kind = "questions" if speaker == "rep" else "commitments"
            predicted = turn.question_type if speaker == "rep" else turn.commitment
            scores[kind][0].append(gold or NONE)
            scores[kind][1].append(predicted or NONE)
    return scores


def conversation_accuracy(
    analyzer: Analyzer, calls: Sequence[tuple[str, bool, list[Utterance]]]
) -> tuple[int, list[str]]:
    """How many (id, is_sales_call, turns) calls the conversation check gets right; the misses."""
    misses = []
    for call_id, expected, utterances in calls:
        check = analyzer.analyze_turns(utterances, call_date=_CALL_DATE).conversation
        if check.is_sales_call != expected:
            misses.append(f"{call_id}: said {check.is_sales_call} ({'; '.join(check.reasons)})")
    return len(calls) - len(misses), misses


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return float(f1_score(gold, predicted, average="macro", zero_division=0))


def per_class_table(title: str, gold: Sequence[str], predicted: Sequence[str]) -> str:
    """A Markdown table: precision, recall, F1 and support per class, then the macro average."""
    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    rows = [f"| {title} | precision | recall | F1 | n |", "|---|---|---|---|---|"]
    rows += [
        f"| {lab} | {p[i]:.3f} | {r[i]:.3f} | {f[i]:.3f} | {n[i]} |" for i, lab in enumerate(labels)
    ]
    rows.append(f"| **macro avg** | {p.mean():.3f} | {r.mean():.3f} | {f.mean():.3f} | {sum(n)} |")
    return "\n".join(rows)


def _folds(examples: Sequence[Example], folds: int, seed: int) -> list[int]:
    """The fold of each example; a group (one dialogue) stays in one fold."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    assigned = [0] * len(examples)
    labels = [e.label for e in examples]
    groups = [e.group for e in examples]
    for fold, (_, test) in enumerate(splitter.split(labels, labels, groups)):
        for i in test:
            assigned[i] = fold
    return assigned


def _label(labeler: TurnLabeler, kind: str, example: Example) -> str:
    if kind == "questions":
        return labeler.label_rep_turn(example.text, example.context).question_type or NONE
    return labeler.label_customer_turn(example.text, None, example.context).commitment or NONE


def load_dev_dialogues(directory: Path) -> list[Dialogue]:
    return [d for p in sorted(directory.glob("dialogues_dev_*.jsonl")) for d in load_dialogues(p)]


def _check_calls(directory: Path) -> list[tuple[str, bool, list[Utterance]]]:
    """The conversation-check cases (calls_*.jsonl) and every corpus dialogue (all sales calls)."""
    calls = []
    for path in sorted(directory.glob("calls_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                turns = [Utterance(t["speaker"], t["text"]) for t in row["turns"]]
                calls.append((row["id"], bool(row["is_sales_call"]), turns))
    for path in sorted(directory.glob("dialogues*.jsonl")):
        for dialogue in load_dialogues(path):
            calls.append((dialogue.id, True, [Utterance(s, t) for s, t, _ in dialogue.turns]))
    return calls


def _print_scores(name: str, scores: Scores) -> None:
    for kind, title in (("questions", "questions"), ("commitments", "commitments")):
        gold, predicted = scores[kind]
        print(f"\n{name}, {kind}:\n")
        print(per_class_table(title, gold, predicted))


def _ablation(
    data: TrainingData, tokenizer: SalesTokenizer, dev: Sequence[Dialogue], folds: int, seed: int
) -> None:
    """The default features, then each group taken out (or, if off by default, put in)."""
    print("\n| features | CV questions | CV commitments | dev questions | dev commitments |")
    print("|---|---|---|---|---|")
    for name, groups in _variants():
        cv = cross_validate(data, tokenizer, groups, folds, seed)
        labeler = TurnLabeler(
            tokenizer, data.examples["questions"], data.examples["commitments"], groups
        )
        dev_scores = evaluate_dialogues(Analyzer.with_labeler(labeler), dev) if dev else None
        cells = [f"{macro_f1(*cv[k]):.3f}" for k in KINDS]
        cells += [f"{macro_f1(*dev_scores[k]):.3f}" if dev_scores else "–" for k in KINDS]
        print(f"| {name} | {' | '.join(cells)} |", flush=True)


def _variants() -> list[tuple[str, FeatureGroups]]:
    default = DEFAULT_FEATURES
    variants = [("default", default)]
    for kind, available in (("questions", QUESTION_GROUPS), ("commitments", COMMITMENT_GROUPS)):
        chosen = tuple(getattr(default, kind))
        for group in available:
            changed = (
                tuple(g for g in chosen if g != group) if group in chosen else (*chosen, group)
            )
            sign = "−" if group in chosen else "+"
            groups = (
                replace(default, questions=changed)
                if kind == "questions"
                else replace(default, commitments=changed)
            )
            variants.append((f"{kind} {sign} {group}", groups))
    variants.append(
        ("text only (no named features)", replace(default, questions=(), commitments=()))
    )
    return variants


def main(argv: Collection[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dev", type=Path, default=DEV_DIR, help="folder of dialogues_dev_*.jsonl")
    parser.add_argument(
        "--corrections",
        type=Path,
        action="append",
        default=[],
        help="JSONL file of reviewed corrections (repeatable)",
    )
    parser.add_argument(
        "--ablation", action="store_true", help="also measure each feature group's effect"
    )
    args = parser.parse_args(None if argv is None else list(argv))
    tokenizer = SalesTokenizer()
    data = load_training_data(args.corrections)
    for note in data.notes:
        print(note)
    sizes = ", ".join(f"{len(data.examples[k])} {k}" for k in KINDS)
    print(f"training data: {sizes}")
    _print_scores(
        f"{args.folds}-fold cross-validation (seed {args.seed})",
        cross_validate(data, tokenizer, folds=args.folds, seed=args.seed),
    )
    labeler = TurnLabeler(tokenizer, data.examples["questions"], data.examples["commitments"])
    analyzer = Analyzer.with_labeler(labeler)
    dev = load_dev_dialogues(args.dev) if args.dev.is_dir() else []
    if dev:
        _print_scores(
            f"dev set ({len(dev)} dialogues in {args.dev})", evaluate_dialogues(analyzer, dev)
        )
    else:
        print(f"\nno dev set at {args.dev}", file=sys.stderr)
    calls = _check_calls(CORPUS_DIR) + [
        (d.id, True, [Utterance(s, t) for s, t, _ in d.turns]) for d in dev
    ]
    right, misses = conversation_accuracy(analyzer, calls)
    print(f"\nconversation check: {right}/{len(calls)} calls right")
    for miss in misses:
        print(f"  {miss}")
    if args.ablation:
        _ablation(data, tokenizer, dev, args.folds, args.seed)


if __name__ == "__main__":
    main()
