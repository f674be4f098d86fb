"""Search benchmark: latency of `search_turns` over 100 000 calls, against a LIKE scan.

    .venv/bin/python bench/search.py                          # 100 000 calls × 20 turns, SQLite
    .venv/bin/python bench/search.py --calls 10000 --repeat 5 # a quick look
    .venv/bin/python bench/search.py --postgres postgresql+psycopg://user@host/db   # also there

What it does:
1. Makes a temporary SQLite database at the latest schema and fills it like bench/metrics.py
   (teams, reps, customers, opportunities, calls spread over 2025–2026, one analysis per call),
   with `--turns-per-call` turns per call whose texts are the corpus's sentences
   (analysis/corpus/*.jsonl, ~4 700 distinct), tokenised once by the analyser's own jieba
   tokenizer (SalesTokenizer) — so the turns and their tokens are what analysis stores. The
   FTS5 index is filled by its triggers while the turns go in, as in production. With
   `--postgres URL` (an empty database, or one the bench may wipe) the same rows go there too.
2. Times typical searches through the service function `search.service.search_turns` (the
   route is a thin wrapper): a common word, a rare one, two words, a quoted phrase, a word with
   speaker and label filters, a one-month range, a manager's (team) and a rep's (own) scope, a
   year, a week in Beijing time (its first and last UTC days are cut), a team and speaker
   filter, and a manager's search with a label and a month; 20 results a page with the total.
   `--repeat` runs each after one warm-up; p50 and p95 in ms.
3. The baseline, measured in the same run on the same rows: the same searches as a LIKE scan
   (`text LIKE '%word%'` for every word, the same scope and filters, newest first, page and
   total), fewer repetitions (`--baseline-repeat`) because it is slow. Prints its p50 and p95
   and how many times slower it is than the index.

Exits 1 if any index p95 is over the 200 ms goal, else 0.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, and_, func, select, text
from sqlalchemy.orm import Session

from analysis.segmentation import SalesTokenizer
from auth.permissions import SEARCH_CALLS, visible
from auth.principal import Principal
from bench.metrics import (
    COMMITMENTS,
    SPIN,
    Options,
    add_fill_arguments,
    analysis_rows,
    call_rows,
    customer_rows,
    opportunity_rows,
    rep_rows,
    rng_for,
    team_rows,
    timed_fill,
)
from core.paging import PageRequest
from ingest.call_analysis import search_text
from models import (
    Call,
    CallAnalysis,
    CallLabel,
    CallTurn,
    Customer,
    Opportunity,
    Rep,
    SessionFactory,
    Team,
    create_db_engine,
    make_session_factory,
)
from models.migrate import upgrade_to_head
from search.schemas import SearchQuery
from search.service import search_turns

GOAL_MS = 200.0
CORPUS = Path(__file__).resolve().parents[1] / "analysis" / "corpus"
ADMIN = Principal(None, "bench-admin", "admin", user_id=None)
MANAGER = Principal(None, "bench-manager", "manager", user_id=None, team_id=1)
REP = Principal(None, "bench-rep", "rep", user_id=None, rep_id=1, team_id=1)
MONTH = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
YEAR = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
BEIJING = timezone(timedelta(hours=8))
# A week in Beijing time: it starts and ends inside UTC days, so two of its days are checked.
WEEK = (datetime(2025, 6, 2, tzinfo=BEIJING), datetime(2025, 6, 9, tzinfo=BEIJING))


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    query: SearchQuery
    viewer: Principal = ADMIN


CASES = (
    Case("common word 价格", SearchQuery("价格")),
    Case("rare word 竞品", SearchQuery("竞品")),
    Case("two words 价格 预算", SearchQuery("价格 预算")),
    Case('phrase "什么 时候"', SearchQuery('"什么 时候"')),
    Case("老板, rep, situation", SearchQuery("老板", speaker="rep", label="situation")),
    Case("方案, one month", SearchQuery("方案", occurred_from=MONTH[0], occurred_to=MONTH[1])),
    Case("价格 as a manager (team)", SearchQuery("价格"), MANAGER),
    Case("价格 as a rep (own)", SearchQuery("价格"), REP),
    Case("价格, a year", SearchQuery("价格", occurred_from=YEAR[0], occurred_to=YEAR[1])),
    Case("价格, a week (UTC+8)", SearchQuery("价格", occurred_from=WEEK[0], occurred_to=WEEK[1])),
    Case("价格, team 2, customer side", SearchQuery("价格", team_id=2, speaker="customer")),
    Case(
        "价格, manager, advance, month",
        SearchQuery("价格", label="advance", occurred_from=MONTH[0], occurred_to=MONTH[1]),
        MANAGER,
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    options: Options
    baseline_repeat: int
    postgres: str | None


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_fill_arguments(parser)
    parser.add_argument("--repeat", type=int, default=30, help="timed searches per case")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="timed LIKE scans per case")
    parser.add_argument("--postgres", help="also fill and time this PostgreSQL database")
    a = parser.parse_args(argv)
    options = Options(
        a.calls,
        a.turns_per_call,
        a.opportunities,
        a.reps,
        a.repeat,
        a.seed,
        False,
        max(1, a.opportunities // 4),
    )
    return Settings(options, a.baseline_repeat, a.postgres)


# --- filling -------------------------------------------------------------------------------


def corpus_sentences() -> dict[str, list[tuple[str, list[str]]]]:
    """Every distinct corpus sentence per side, with the tokens the analyser gives it."""
    tokenizer, seen = SalesTokenizer(), {"rep": set(), "customer": set()}
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            for turn in json.loads(line).get("turns") or []:
                if turn.get("speaker") in seen and turn.get("text", "").strip():
                    seen[turn["speaker"]].add(turn["text"].strip())
    return {side: [(t, tokenizer.tokens(t)) for t in sorted(texts)] for side, texts in seen.items()}


def turn_rows(
    o: Options, lines: dict[str, list[tuple[str, list[str]]]]
) -> Iterator[dict[str, Any]]:
    rng = rng_for(o.seed, "search-turns")
    for call_id in range(1, o.calls + 1):
        for idx in range(o.turns_per_call):
            speaker = "rep" if idx % 2 == 0 else "customer"
            sentence, tokens = rng.choice(lines[speaker])
            yield _turn(rng, call_id, idx, speaker, sentence, tokens)


def _turn(rng: random.Random, call_id: int, idx: int, speaker: str, sentence: str,
          tokens: list[str]) -> dict[str, Any]:  # fmt: skip
    question = rng.choice(SPIN) if speaker == "rep" and rng.random() < 0.35 else None
    commitment = rng.choice(COMMITMENTS) if speaker == "customer" and rng.random() < 0.08 else None
    return {"call_id": call_id, "idx": idx, "speaker": speaker, "start": idx * 8.0,
            "end": idx * 8.0 + 7.5, "text": sentence, "tokens": tokens,
            "search_text": search_text(tokens), "question_type": question, "questions": [],
            "commitment": commitment, "commitment_action": None, "commitment_due": None,
            "evidence": []}  # fmt: skip


def label_rows(
    o: Options, lines: dict[str, list[tuple[str, list[str]]]]
) -> Iterator[dict[str, Any]]:
    """The labels in effect of the turns `turn_rows` makes (the same draws): what analysis keeps
    in call_labels, which the search's label filter reads. Stored before the turns, so that each
    turn is indexed once with its labels."""
    for turn in turn_rows(o, lines):
        for kind in ("question_type", "commitment"):
            if turn[kind]:
                yield {"call_id": turn["call_id"], "turn_index": turn["idx"],
                       "kind": "question" if kind == "question_type" else "commitment",
                       "label": turn[kind], "probability": 0.9, "corrected": False}  # fmt: skip


def fill(
    factory: SessionFactory, o: Options, lines: dict[str, list[tuple[str, list[str]]]]
) -> None:
    now = datetime.now(UTC)
    customers = max(1, o.opportunities // 4)
    opps = list(opportunity_rows(o.opportunities, customers, o.reps, o.seed, now))
    owners = [(row["customer_id"], row["owner_rep_id"]) for row in opps]
    started = time.perf_counter()
    for model, rows in ((Team, team_rows(now)), (Rep, rep_rows(o.reps, now)),
                        (Customer, customer_rows(customers, o.reps, o.seed, now)), (Opportunity, opps),
                        (Call, call_rows(o.calls, owners, o)), (CallAnalysis, analysis_rows(o.calls, o.seed, now)),
                        (CallLabel, label_rows(o, lines)), (CallTurn, turn_rows(o, lines))):  # fmt: skip
        timed_fill(factory, model, rows)
    print(f"Filled in {time.perf_counter() - started:.1f} s", flush=True)


# --- timing --------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(
    factory: SessionFactory, run: Callable[[Session], int], repeat: int
) -> tuple[float, float, int]:
    """One warm-up, then `repeat` runs in fresh read sessions; (p50 ms, p95 ms, total found)."""
    with factory() as session:
        total = run(session)
    samples = []
    for _ in range(repeat):
        with factory() as session:
            started = time.perf_counter()
            run(session)
            samples.append((time.perf_counter() - started) * 1000)
    return *percentiles(samples), total


def indexed(case: Case, tokenize: Callable[[str], list[str]]) -> Callable[[Session], int]:
    def run(session: Session) -> int:
        return search_turns(session, case.query, tokenize, case.viewer, PageRequest(20, 0)).total

    return run


def like_scan(case: Case) -> Callable[[Session], int]:
    """The baseline: what a search without an index does, with the same scope and filters."""
    words = [w.strip('"') for w in case.query.q.replace('"', " ").split()]
    q = case.query
    conditions = [CallTurn.text.like(f"%{w}%") for w in words] + [
        visible(case.viewer, SEARCH_CALLS, Call)
    ]
    conditions += [c for c in (
        CallTurn.speaker == q.speaker if q.speaker else None,
        CallTurn.question_type == q.label if q.label in SPIN else None,
        CallTurn.commitment == q.label if q.label in COMMITMENTS else None,  # one label a turn
        Call.rep_id.in_(select(Rep.id).where(Rep.team_id == q.team_id)) if q.team_id else None,
        Call.happened_at >= q.occurred_from if q.occurred_from else None,
        Call.happened_at < q.occurred_to if q.occurred_to else None,
    ) if c is not None]  # fmt: skip
    where = and_(*conditions)

    def run(session: Session) -> int:
        base = select(CallTurn.call_id, CallTurn.idx, CallTurn.text).join(
            Call, Call.id == CallTurn.call_id
        )
        session.execute(base.where(where).order_by(Call.happened_at.desc()).limit(20)).all()
        counted = select(func.count()).select_from(CallTurn).join(Call, Call.id == CallTurn.call_id)
        return int(session.scalar(counted.where(where)) or 0)

    return run


def bench(
    label: str, factory: SessionFactory, s: Settings, tokenize: Callable[[str], list[str]]
) -> bool:
    print(
        f"\n{label}: {s.options.calls:,} calls × {s.options.turns_per_call} turns; p50 / p95 in ms"
    )
    print(
        f"{'search':<28} {'found':>8} {'index p50':>10} {'p95':>8} {'LIKE p50':>10} {'p95':>8} {'LIKE/index':>11}"
    )
    ok = True
    for case in CASES:
        p50, p95, total = timed(factory, indexed(case, tokenize), s.options.repeat)
        l50, l95, like_total = timed(factory, like_scan(case), s.baseline_repeat)
        ok &= p95 <= GOAL_MS
        note = "" if p95 <= GOAL_MS else "  over the goal"
        print(f"{case.name:<28} {total:>8,} {p50:>10.1f} {p95:>8.1f} {l50:>10.1f} {l95:>8.1f} "
              f"{l50 / p50:>10.1f}×{note}  (LIKE found {like_total:,})", flush=True)  # fmt: skip
    return ok


def prepared(
    url: str, s: Settings, lines: dict[str, list[tuple[str, list[str]]]]
) -> SessionFactory:
    engine = create_db_engine(url)
    _wipe_postgres(engine)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    fill(factory, s.options, lines)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return factory


def _wipe_postgres(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def main(argv: list[str] | None = None) -> int:
    s = parse_args(argv)
    lines = corpus_sentences()
    tokenizer = SalesTokenizer()
    print(f"Corpus: {len(lines['rep']):,} rep and {len(lines['customer']):,} customer sentences")
    ok = True
    with tempfile.TemporaryDirectory(prefix="huashu-search-bench-") as folder:
        factory = prepared(f"sqlite:///{folder}/bench.db", s, lines)
        ok &= bench("SQLite FTS5", factory, s, tokenizer.tokens)
    if s.postgres:
        factory = prepared(s.postgres, replace(s), lines)
        ok &= bench("PostgreSQL full-text", factory, s, tokenizer.tokens)
    print(f"\nGoal: p95 under {GOAL_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
