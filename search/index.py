"""The full-text index from the query side: a search text becomes terms of jieba tokens (the
same tokenizer that produced the stored tokens), and the terms become the backend's match
condition and rank — FTS5 `MATCH` and `bm25` on SQLite, `@@` and `ts_rank` on PostgreSQL.

Every term is a phrase: its tokens must occur in a row. An unquoted word that jieba splits
(价格太贵 → 价格 太贵) matches where the analyser split it the same way; a "quoted phrase" may
hold spaces. All terms must occur in the turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal_column
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from models import FTS_TABLE, CallTurn

__all__ = ["MAX_TERMS", "Matcher", "Term", "Tokenize", "matcher_for", "parse_query"]

Tokenize = Callable[[str], Sequence[str]]
MAX_TERMS = 16
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as typed, for highlighting
    tokens: tuple[str, ...]


def parse_query(q: str, tokenize: Tokenize) -> list[Term]:
    """Words and "quoted phrases" of `q` as terms; 422 when nothing searchable is left."""
    terms = []
    for match in _TERM.finditer(q):
        raw = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        tokens = tuple(t for t in tokenize(raw) if any(ch.isalnum() for ch in t))
        if tokens:
            terms.append(Term(raw, tokens))
    if not terms:
        raise InvalidInput("the search has no words in it", field="q")
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"search for at most {MAX_TERMS} words or phrases", field="q")
    return terms


@dataclass(frozen=True, slots=True)
class Matcher:
    """The backend's condition on a turn, its rank (lower is better) and the FROM it needs."""

    condition: ColumnElement[bool]
    rank: ColumnElement[Any]
    joins_fts: bool


def matcher_for(session: Session, terms: Sequence[Term]) -> Matcher:
    if session.get_bind().dialect.name == "postgresql":
        return _postgres(terms)
    return _sqlite(terms)


def _sqlite(terms: Sequence[Term]) -> Matcher:
    expression = " AND ".join(_fts_phrase(t.tokens) for t in terms)
    fts: ColumnElement[Any] = literal_column(FTS_TABLE)
    condition = fts.op("MATCH")(bindparam("fts_query", expression))
    return Matcher(condition, func.bm25(fts), joins_fts=True)


def _fts_phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


_SIMPLE = "'simple'::regconfig"  # a literal: the planner matches it to the GIN index expression


def _postgres(terms: Sequence[Term]) -> Matcher:
    config: ColumnElement[Any] = literal_column(_SIMPLE)
    vector = func.to_tsvector(config, CallTurn.search_text)
    queries = [func.phraseto_tsquery(config, " ".join(t.tokens)) for t in terms]
    query: ColumnElement[Any] = queries[0]
    for more in queries[1:]:
        query = query.op("&&")(more)
    condition = and_(vector.op("@@")(query))
    return Matcher(condition, -func.ts_rank(vector, query), joins_fts=False)
