"""The full-text index from the query side: a search text becomes terms of jieba tokens (the
same tokenizer that produced the stored tokens), and the terms become the backend's match
condition and rank — FTS5 `MATCH` and `bm25` on SQLite, `@@` and `ts_rank` on PostgreSQL.

Every term is a phrase: its tokens must occur in a row. An unquoted word that jieba splits
(价格太贵 → 价格 太贵) matches where the analyser split it the same way; a "quoted phrase" may
hold spaces. All terms must occur in the turn.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from core.errors import InvalidInput
from models import FTS_TABLE, Call, CallTurn
from search.narrow import NOTHING, Narrowed

__all__ = ["MAX_TERMS", "Index", "Term", "Tokenize", "index_for", "parse_query", "scoped_matches"]

Tokenize = Callable[[str], Sequence[str]]
MAX_TERMS = 16
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_FTS = table(FTS_TABLE, column("rowid"))
_FTS_TABLE: ColumnElement[Any] = literal_column(FTS_TABLE)


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


class Index(ABC):
    """The backend's full-text index: the (turn_id, rank) of the turns that say `terms` and
    carry a token of every scope group (lower rank is better; the rank weighs the words only)."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = terms

    @abstractmethod
    def matches(self, groups: Sequence[Sequence[str]] = ()) -> Select[Any]: ...

    @abstractmethod
    def joined(self, matches: Select[Any]) -> Select[Any]:
        """`matches` joined to the turns and their calls, for conditions on their columns."""

    def follower(self, column: Any) -> Any:
        """`column` for a condition that must not lead the query plan (the index match does)."""
        return column


def index_for(session: Session, terms: Sequence[Term]) -> Index:
    if session.get_bind().dialect.name == "postgresql":
        return _PostgresIndex(terms)
    return _SqliteIndex(terms)


def scoped_matches(
    index: Index, narrowed: Narrowed, in_range: Sequence[ColumnElement[bool]]
) -> Select[Any] | CompoundSelect[Any]:
    """The matches within `narrowed`, from the index alone; the turns of the days a date range
    cuts are checked against `in_range` on their call."""
    groups = list(narrowed.scope)
    if narrowed.whole_days is None:
        return index.matches(groups)
    parts: list[Select[Any]] = []
    if narrowed.whole_days:
        parts.append(index.matches([*groups, narrowed.whole_days]))
    if narrowed.edge_days:
        edges = index.matches([*groups, narrowed.edge_days])
        parts.append(index.joined(edges).where(*in_range))
    if not parts:  # a range with no day in it
        return index.matches([*groups, (NOTHING,)])
    return parts[0] if len(parts) == 1 else union_all(*parts)


class _SqliteIndex(Index):
    """FTS5: the words in column search_text, the scope tokens in column search_scope."""

    def matches(self, groups: Sequence[Sequence[str]] = ()) -> Select[Any]:
        words = "search_text : (" + " AND ".join(_fts_phrase(t.tokens) for t in self.terms) + ")"
        scope = [f"search_scope : ({' OR '.join(group)})" for group in groups]
        match = _FTS_TABLE.op("MATCH")(literal(" AND ".join([words, *scope])))
        rank = func.bm25(_FTS_TABLE, 1.0, 0.0)  # weight 0: the scope column ranks nothing
        return select(_FTS.c.rowid.label("turn_id"), rank.label("rank")).where(match)

    def joined(self, matches: Select[Any]) -> Select[Any]:
        turns = matches.join(CallTurn, CallTurn.id == _FTS.c.rowid)
        return turns.join(Call, Call.id == CallTurn.call_id)

    def follower(self, column: Any) -> Any:
        """`+column`: SQLite then never drives the search from that column's index (probing the
        FTS index row by row from, say, every `situation` turn took seconds)."""
        return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _fts_phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


_SIMPLE = "'simple'::regconfig"


class _PostgresIndex(Index):
    """call_turns.search_vector: the words' lexemes, and the scope tokens as lexemes marked
    with `#`, which no parsed word can be."""

    def matches(self, groups: Sequence[Sequence[str]] = ()) -> Select[Any]:
        config: ColumnElement[Any] = literal_column(_SIMPLE)
        queries = [func.phraseto_tsquery(config, " ".join(t.tokens)) for t in self.terms]
        words: ColumnElement[Any] = queries[0]
        for more in queries[1:]:
            words = words.op("&&")(more)
        wanted = words
        if groups:
            scope = " & ".join("(" + " | ".join(f"'#{t}'" for t in g) + ")" for g in groups)
            wanted = words.op("&&")(cast(literal(scope), TSQUERY))
        # Not a mapped column: SQLite's turns have no such column (see migration 0016).
        vector: ColumnElement[Any] = literal_column("call_turns.search_vector")
        rank = -func.ts_rank(vector, words)
        return select(CallTurn.id.label("turn_id"), rank.label("rank")).where(
            vector.op("@@")(wanted)
        )

    def joined(self, matches: Select[Any]) -> Select[Any]:
        return matches.join(Call, Call.id == CallTurn.call_id)
