"""Measure the turn labellers: leave one author out, and the dev files of other authors.

    python -m analysis.train                          # leave-one-author-out + each dev file
    python -m analysis.train --cv                     # also 5-fold CV on the whole corpus
    python -m analysis.train --corrections fixes.jsonl  # train on reviewed corrections as well
    python -m analysis.train --ablation               # each feature group's effect

**Leave one author out** is the figure that counts: for each author of the corpus
(corpus/authors.tsv) a labeller trained on every *other* author's files labels that author's
turns — a new voice, as the conversations of a new customer team are. Random-fold CV on one's
own corpus overstates the model (its folds share authors' habits), so it is only printed on
request. Every measurement runs the labeller as the service does (clause cues, rules, the
context of the turns before; whole dialogues through `Analyzer.analyze_turns`). The dev files
(../shared/analysis-dev/dialogues_dev_*.jsonl, by authors outside the team) are never trained
on, and are reported one by one: pooling lets a strong file hide a weak one. Besides the turns,
the call's outcome as the commitment rate counts it (advance if the customer agreed to any
concrete step, else decline, else continuation, else none) is compared per dialogue. Reviewed
corrections (LABELING.md, "Corrections") are added to the training data of every measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
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
    corpus_authors,
    load_corpus_examples,
    load_corrections,
    load_dialogues,
)
from analysis.labels import DEFAULT_FEATURES, FeatureGroups, TurnLabeler
from analysis.segmentation import SalesTokenizer
from analysis.types import Utterance

__all__ = [
    "DEV_DIR",
    "AuthorResult",
    "Scores",
    "TrainingData",
    "call_outcome",
    "conversation_accuracy",
    "cross_validate",
    "evaluate_dialogues",
    "leave_one_author_out",
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


@dataclass(frozen=True, slots=True)
class AuthorResult:
    """One held-out author's (or dev file's) turns and calls, labelled by a model that never
    saw them: gold and predicted per kind, and per call the outcome (gold, predicted)."""

    scores: Scores
    calls: list[tuple[str, str]]
    confidence: Confidence = field(default_factory=dict)

    def outcome_accuracy(self) -> float:
        return sum(g == p for g, p in self.calls) / len(self.calls) if self.calls else 0.0


def leave_one_author_out(
    data: TrainingData, tokenizer: SalesTokenizer, groups: FeatureGroups = DEFAULT_FEATURES
) -> dict[str, AuthorResult]:
    """For each author: a labeller trained on every other author labels that author's turns
    (whole dialogues through the analyzer; single-turn files turn by turn)."""
    # Corrections (no author) train every fold and are never held out.
    authors = sorted({e.author for kind in KINDS for e in data.examples[kind]} - {""})
    files = corpus_authors()
    results = {}
    for author in authors:
        train = {kind: [e for e in data.examples[kind] if e.author != author] for kind in KINDS}
        labeler = TurnLabeler(tokenizer, train["questions"], train["commitments"], groups)
        dialogues = [
            d for name, who in sorted(files.items())
            if who == author and name.startswith("dialogues")
            for d in load_dialogues(CORPUS_DIR / name)
        ]  # fmt: skip
        results[author] = _held_out(labeler, data, author, dialogues)
    return results


def _held_out(
    labeler: TurnLabeler, data: TrainingData, author: str, dialogues: Sequence[Dialogue]
) -> AuthorResult:
    result = _dialogue_result(Analyzer.with_labeler(labeler), dialogues)
    for kind in KINDS:  # the author's single turns (no dialogue around them)
        single = [e for e in data.examples[kind] if e.author == author and e.source == "corpus"]
        result.scores[kind][0].extend(e.label for e in single)
        result.scores[kind][1].extend(_label(labeler, kind, e) for e in single)
    return result


def call_outcome(labels: Sequence[str | None]) -> str:
    """A call's outcome as the commitment rate counts it, from its customer turns' labels."""
    for outcome in ("advance", "decline", "continuation"):
        if outcome in labels:
            return outcome
    return NONE


def outcomes_per_call(analyzer: Analyzer, dialogues: Sequence[Dialogue]) -> list[tuple[str, str]]:
    """(gold, predicted) call outcome of each dialogue."""
    found = []
    for dialogue in dialogues:
        utterances = [Utterance(speaker, text) for speaker, text, _ in dialogue.turns]
        turns = analyzer.analyze_turns(utterances, call_date=_CALL_DATE).turns
        gold = [label for speaker, _, label in dialogue.turns if speaker == "customer"]
        predicted = [t.commitment for t in turns if t.speaker == "customer"]
        found.append((call_outcome(gold), call_outcome(predicted)))
    return found


def evaluate_dialogues(analyzer: Analyzer, dialogues: Sequence[Dialogue]) -> Scores:
    """Label whole conversations as the service does and compare each turn with its label."""
    return _evaluate(analyzer, dialogues)[0]


Confidence = dict[str, list[tuple[float, bool]]]  # kind → (the label's probability, right?)


def _evaluate(analyzer: Analyzer, dialogues: Sequence[Dialogue]) -> tuple[Scores, Confidence]:
    scores: Scores = {kind: ([], []) for kind in KINDS}
    confidence: Confidence = {kind: [] for kind in KINDS}
    for dialogue in dialogues:
        utterances = [Utterance(speaker, text) for speaker, text, _ in dialogue.turns]
        turns = analyzer.analyze_turns(utterances, call_date=_CALL_DATE).turns
        for (speaker, _, gold), turn in zip(dialogue.turns, turns, strict=True):
            kind = "questions" if speaker == "rep" else "commitments"
            predicted = turn.question_type if speaker == "rep" else turn.commitment
            scores[kind][0].append(gold or NONE)
            scores[kind][1].append(predicted or NONE)
            probability = (
                turn.question_probability if speaker == "rep" else turn.commitment_probability
            )
            if probability is not None:
                confidence[kind].append((probability, (gold or NONE) == (predicted or NONE)))
    return scores, confidence


def calibration(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> tuple[float, str]:
    """Expected calibration error of (probability, right) pairs, and the reliability table:
    per probability band, how often a label that sure was right."""
    rows = ["| stated probability | labels | right | mean stated |", "|---|---|---|---|"]
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        band = [(p, ok) for p, ok in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if not band:
            continue
        right = sum(ok for _, ok in band) / len(band)
        stated = sum(p for p, _ in band) / len(band)
        error += len(band) / len(pairs) * abs(right - stated)
        rows.append(f"| {low:.1f}–{high:.1f} | {len(band)} | {right:.2f} | {stated:.2f} |")
    return error, "\n".join(rows)


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


def _ablation(data: TrainingData, tokenizer: SalesTokenizer, directory: Path) -> None:
    """The default features, then each group taken out (or, if off by default, put in):
    macro-F1 left one author out (all authors together) and on the dev files together."""
    print("\n| features | LOAO questions | LOAO commitments | dev questions | dev commitments |")
    print("|---|---|---|---|---|")
    for name, groups in _variants():
        loao = pooled(list(leave_one_author_out(data, tokenizer, groups).values()))
        labeler = TurnLabeler(
            tokenizer, data.examples["questions"], data.examples["commitments"], groups
        )
        dev = pooled(list(evaluate_dev(Analyzer.with_labeler(labeler), directory).values()))
        cells = [f"{macro_f1(*loao.scores[k]):.3f}" for k in KINDS]
        cells += [f"{macro_f1(*dev.scores[k]):.3f}" if dev.calls else "–" for k in KINDS]
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


def summary_row(name: str, result: AuthorResult) -> str:
    """| name | turns | SPIN | commitment | decline | continuation | calls right |"""
    gold_q, predicted_q = result.scores["questions"]
    gold_c, predicted_c = result.scores["commitments"]
    f1 = dict(zip(COMMITMENT_CLASSES, _class_f1(gold_c, predicted_c), strict=True))
    calls = f"{sum(g == p for g, p in result.calls)}/{len(result.calls)}" if result.calls else "–"
    return (f"| {name} | {len(gold_q)} + {len(gold_c)} | {macro_f1(gold_q, predicted_q):.3f} | "
            f"{macro_f1(gold_c, predicted_c):.3f} | {f1['decline']:.3f} | "
            f"{f1['continuation']:.3f} | {calls} |")  # fmt: skip


COMMITMENT_CLASSES = ("advance", "continuation", "decline", NONE)
SUMMARY_HEADER = (
    "| held out | rep + customer turns | SPIN macro-F1 | commitment macro-F1 | decline F1 "
    "| continuation F1 | call outcome right |\n|---|---|---|---|---|---|---|"
)


def _class_f1(gold: Sequence[str], predicted: Sequence[str]) -> list[float]:
    found = precision_recall_fscore_support(
        gold, predicted, labels=list(COMMITMENT_CLASSES), zero_division=0
    )[2]
    return [float(x) for x in found]


def pooled(results: Sequence[AuthorResult]) -> AuthorResult:
    scores: Scores = {kind: ([], []) for kind in KINDS}
    calls: list[tuple[str, str]] = []
    confidence: Confidence = {kind: [] for kind in KINDS}
    for result in results:
        for kind in KINDS:
            scores[kind][0].extend(result.scores[kind][0])
            scores[kind][1].extend(result.scores[kind][1])
            confidence[kind] += result.confidence.get(kind, [])
        calls += result.calls
    return AuthorResult(scores, calls, confidence)


def dev_files(directory: Path) -> dict[str, list[Dialogue]]:
    return {p.stem: load_dialogues(p) for p in sorted(directory.glob("dialogues_dev_*.jsonl"))}


def evaluate_dev(analyzer: Analyzer, directory: Path) -> dict[str, AuthorResult]:
    """Each dev file on its own: its turns and its calls' outcomes."""
    return {name: _dialogue_result(analyzer, found) for name, found in dev_files(directory).items()}


def _dialogue_result(analyzer: Analyzer, dialogues: Sequence[Dialogue]) -> AuthorResult:
    scores, confidence = _evaluate(analyzer, dialogues)
    return AuthorResult(scores, outcomes_per_call(analyzer, dialogues), confidence)


def _report(title: str, results: dict[str, AuthorResult]) -> None:
    print(f"\n{title}\n\n{SUMMARY_HEADER}")
    for name, result in results.items():
        print(summary_row(name, result))
    everything = pooled(list(results.values()))
    if len(results) > 1:
        print(summary_row("**all**", everything))
    _print_scores(f"{title}, all together, per class", everything.scores)
    for kind in KINDS:
        error, table = calibration(everything.confidence[kind])
        print(f"\n{title}, {kind}: how sure the labels said they were, and how often they were "
              f"right (expected calibration error {error:.3f})\n\n{table}")  # fmt: skip


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
    parser.add_argument("--cv", action="store_true", help="also random-fold cross-validation")
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
    _report("leave one author out", leave_one_author_out(data, tokenizer))
    labeler = TurnLabeler(tokenizer, data.examples["questions"], data.examples["commitments"])
    analyzer = Analyzer.with_labeler(labeler)
    if args.dev.is_dir():
        _report(f"dev files ({args.dev}), never trained on", evaluate_dev(analyzer, args.dev))
    else:
        print(f"\nno dev set at {args.dev}", file=sys.stderr)
    if args.cv:
        _print_scores(
            f"{args.folds}-fold cross-validation (seed {args.seed})",
            cross_validate(data, tokenizer, folds=args.folds, seed=args.seed),
        )
    dev = load_dev_dialogues(args.dev) if args.dev.is_dir() else []
    calls = _check_calls(CORPUS_DIR) + [
        (d.id, True, [Utterance(s, t) for s, t, _ in d.turns]) for d in dev
    ]
    right, misses = conversation_accuracy(analyzer, calls)
    print(f"\nconversation check: {right}/{len(calls)} calls right")
    for miss in misses:
        print(f"  {miss}")
    if args.ablation:
        _ablation(data, tokenizer, args.dev)


if __name__ == "__main__":
    main()
