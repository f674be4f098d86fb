"""Labelled examples for the turn classifiers: the corpus, dialogue files and reviewed corrections.

Three sources, one `Example` each (see analysis/corpus/LABELING.md for the formats):
- `questions*.jsonl` / `commitments*.jsonl`: single turns, context unknown (the first corpus);
- `dialogues*.jsonl`: whole conversations, `{"id", "industry", "channel", "style", "turns":
  [{"speaker", "text", "label"}]}` — each turn becomes an example with its context (the dev set
  in ../shared/analysis-dev has the same shape and is read by the same function);
- corrections exported from review (`load_corrections`): one corrected turn a line, with the text
  of the turns before it and who corrected it when.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from analysis.context import UNKNOWN_CONTEXT, TurnContext, dialogue_contexts

__all__ = [
    "COMMITMENT_LABELS",
    "CORPUS_DIR",
    "KINDS",
    "NONE",
    "QUESTION_LABELS",
    "Corrections",
    "Dialogue",
    "Example",
    "apply_corrections",
    "corpus_authors",
    "dialogue_examples",
    "load_corpus_examples",
    "load_corrections",
    "load_dialogues",
]

CORPUS_DIR = Path(str(resources.files("analysis") / "corpus"))
AUTHORS_FILE = "authors.tsv"
NONE = "none"
QUESTION_LABELS = ("situation", "problem", "implication", "need_payoff", "other_question", NONE)
COMMITMENT_LABELS = ("advance", "continuation", "decline", NONE)
# kind → (the speaker whose turns it labels, its labels)
KINDS = {"questions": ("rep", QUESTION_LABELS), "commitments": ("customer", COMMITMENT_LABELS)}
_REQUIRED = ("speaker", "text", "label", "corrected_by", "corrected_at")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # "none" where the turn has no label (null in the files)
    context: TurnContext = UNKNOWN_CONTEXT
    group: str = ""  # cross-validation keeps a group in one fold: a dialogue, or a single line
    source: str = "corpus"  # "corpus" | "dialogue" | "correction" | "dev"
    author: str = ""  # who wrote it (corpus/authors.tsv): leave-one-author-out holds one out


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: str
    industry: str
    turns: tuple[tuple[str, str, str | None], ...]  # (speaker, text, label or None)


@dataclass(frozen=True, slots=True)
class Corrections:
    examples: dict[str, list[Example]]  # by kind
    rejected: list[str]  # "line N: why", for lines that could not be used


def load_corpus_examples(kind: str, directory: Path = CORPUS_DIR) -> list[Example]:
    """Every example of one kind in the corpus, each with its author: single-turn files, then
    dialogue files."""
    authors = corpus_authors(directory)
    examples: list[Example] = []
    for path in sorted(directory.glob(f"{kind}*.jsonl")):
        for number, row in _rows(path):
            group = f"{path.name}:{number}"
            examples.append(Example(row["text"], row["label"] or NONE, UNKNOWN_CONTEXT, group,
                                    author=authors[path.name]))  # fmt: skip
    for path in sorted(directory.glob("dialogues*.jsonl")):
        found = dialogue_examples(load_dialogues(path), kind, "dialogue")
        examples += [replace(e, author=authors[path.name]) for e in found]
    return examples


def corpus_authors(directory: Path = CORPUS_DIR) -> dict[str, str]:
    """File name → author, from the directory's authors.tsv (a file missing from it is an
    error: every example must have an author for leave-one-author-out)."""
    authors = {}
    for line in (directory / AUTHORS_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, author, *_ = line.split("\t")
            authors[name] = author
    return authors


def load_dialogues(path: Path) -> list[Dialogue]:
    return [
        Dialogue(
            str(row["id"]),
            str(row.get("industry", "")),
            tuple((t["speaker"], t["text"], t.get("label")) for t in row["turns"]),
        )
        for _, row in _rows(path)
    ]


def dialogue_examples(dialogues: Iterable[Dialogue], kind: str, source: str) -> list[Example]:
    """The turns of `kind`'s speaker, each with the context the conversation gives it."""
    speaker = KINDS[kind][0]
    examples = []
    for dialogue in dialogues:
        contexts = dialogue_contexts([(s, text) for s, text, _ in dialogue.turns])
        for (who, text, label), context in zip(dialogue.turns, contexts, strict=True):
            if who == speaker:
                examples.append(Example(text, label or NONE, context, dialogue.id, source))
    return examples


def load_corrections(path: Path) -> Corrections:
    """Reviewed corrections (JSONL, LABELING.md "Corrections"); bad lines are listed, not used."""
    examples: dict[str, list[Example]] = {kind: [] for kind in KINDS}
    rejected: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            kind, example = _correction(json.loads(line), f"{path.name}:{number}")
        except (ValueError, TypeError, AttributeError) as error:
            rejected.append(f"line {number}: {error}")
            continue
        examples[kind].append(example)
    return Corrections(examples, rejected)


def apply_corrections(examples: Sequence[Example], corrections: Sequence[Example]) -> list[Example]:
    """The corpus with the corrections added; a corpus turn a correction relabels (same text and,
    where the correction gives it, the same previous turn) is dropped: the review wins."""
    corrected = {(c.text, c.context.previous_rep, c.context.previous_customer) for c in corrections}
    corrected_texts = {c.text for c in corrections if c.context == UNKNOWN_CONTEXT}

    def overridden(example: Example) -> bool:
        key = (example.text, example.context.previous_rep, example.context.previous_customer)
        return key in corrected or example.text in corrected_texts

    return [e for e in examples if not overridden(e)] + list(corrections)


def _correction(row: Any, group: str) -> tuple[str, Example]:
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    kind = next((k for k, (speaker, _) in KINDS.items() if speaker == row["speaker"]), None)
    if kind is None:
        raise ValueError(f"speaker must be rep or customer, not {row['speaker']!r}")
    label = row["label"] or NONE
    if label not in KINDS[kind][1]:
        raise ValueError(f"label {label!r} is not one of {', '.join(KINDS[kind][1])} (or null)")
    if not isinstance(row["text"], str) or not row["text"].strip():
        raise ValueError("text is empty")
    context = TurnContext(
        _optional_text(row, "previous_rep_text"),
        _optional_text(row, "previous_customer_text"),
        _optional_number(row, "turn_index"),
        _optional_number(row, "turn_count"),
    )
    return kind, Example(row["text"], label, context, group, "correction")


def _optional_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be text or null")
    return value or None


def _optional_number(row: dict[str, Any], key: str) -> int | None:
    value = row.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{key} must be a whole number or null")
    return value


def _rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            yield number, json.loads(line)
