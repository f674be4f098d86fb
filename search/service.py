"""Search the analysed turns of the calls a principal may see: ranked, paged, filtered, with
the matches marked in each turn's text and a link that opens the call at that turn."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from analysis import COMMITMENTS, QUESTION_TYPES
from auth.permissions import SEARCH_CALLS, authorize, visible
from auth.principal import Principal
from core.errors import InvalidInput
from models import FTS_TABLE, Call, CallTurn, Rep
from search.index import Matcher, Term, Tokenize, matcher_for, parse_query
from search.schemas import SPEAKER_SIDES, SearchHit, SearchPage, SearchQuery

__all__ = ["LABELS", "highlight", "search_turns"]

LABELS = (*QUESTION_TYPES, *COMMITMENTS)
_FTS = table(FTS_TABLE, column("rowid"))


def search_turns(
    session: Session,
    query: SearchQuery,
    tokenize: Tokenize,
    viewer: Principal,
    *,
    limit: int,
    offset: int,
) -> SearchPage:
    """The turns matching `query` in the calls `viewer` may open, best first."""
    authorize(viewer, SEARCH_CALLS)
    _check(query)
    terms = parse_query(query.q, tokenize)
    matcher = matcher_for(session, terms)
    filters = _filters(query, _unindexed if matcher.joins_fts else _as_is)
    conditions = [matcher.condition, visible(viewer, SEARCH_CALLS, Call), *filters]
    ranked = _joined(select(CallTurn.id.label("turn_id"), matcher.rank.label("rank"),
                            Call.happened_at.label("happened_at")), matcher).where(*conditions).subquery()  # fmt: skip
    # The page's ids and the total in one pass over the matches (a window count). The rank is a
    # column of the subquery: SQLite refuses bm25() in a query that has a window function.
    page = session.execute(
        select(ranked.c.turn_id, func.count().over().label("total"))
        .order_by(ranked.c.rank, ranked.c.happened_at.desc(), ranked.c.turn_id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = page[0].total if page else _count(session, ranked, offset)
    hits = _details(session, [row.turn_id for row in page])
    return SearchPage([_hit(hits[row.turn_id], terms) for row in page], total, limit, offset)


def _details(session: Session, turn_ids: list[int]) -> dict[int, Any]:
    rows = session.execute(
        select(CallTurn.id, CallTurn.call_id, CallTurn.idx, CallTurn.start, CallTurn.speaker,
               CallTurn.text, Call.title, Call.rep, Call.happened_at)
        .join(Call, Call.id == CallTurn.call_id)
        .where(CallTurn.id.in_(turn_ids))
    )  # fmt: skip
    return {row.id: row for row in rows}


def _count(session: Session, ranked: Any, offset: int) -> int:
    """The total when the page came back empty: none at all, or a page past the end."""
    if offset == 0:
        return 0
    return session.scalar(select(func.count()).select_from(ranked)) or 0


def _joined(query: Select[*tuple[Any, ...]], matcher: Matcher) -> Select[*tuple[Any, ...]]:
    """FROM the FTS5 table (SQLite) or the turns (PostgreSQL), joined to the calls."""
    if matcher.joins_fts:
        query = query.select_from(_FTS).join(CallTurn, CallTurn.id == _FTS.c.rowid)
    else:
        query = query.select_from(CallTurn)
    return query.join(Call, Call.id == CallTurn.call_id)


def _check(query: SearchQuery) -> None:
    if query.speaker is not None and query.speaker not in SPEAKER_SIDES:
        raise InvalidInput(f"speaker is one of {', '.join(SPEAKER_SIDES)}", field="speaker")
    if query.label is not None and query.label not in LABELS:
        raise InvalidInput(f"label is one of {', '.join(LABELS)}", field="label")
    if query.occurred_from and query.occurred_to and query.occurred_to <= query.occurred_from:
        raise InvalidInput("'to' must be after 'from'", field="to")


def _as_is(column: Any) -> Any:
    return column


def _unindexed(column: Any) -> Any:
    """`+column`: SQLite then never drives the search from that column's index (probing the FTS
    index row by row from, say, every `situation` turn took seconds); the FTS match leads."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _filters(query: SearchQuery, c: Callable[[Any], Any]) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.rep_id is not None:
        found.append(c(Call.rep_id) == query.rep_id)
    if query.team_id is not None:
        found.append(c(Call.rep_id).in_(select(Rep.id).where(Rep.team_id == query.team_id)))
    if query.customer_id is not None:
        found.append(c(Call.customer_id) == query.customer_id)
    if query.occurred_from is not None:
        found.append(c(Call.happened_at) >= query.occurred_from)
    if query.occurred_to is not None:
        found.append(c(Call.happened_at) < query.occurred_to)
    if query.speaker is not None:
        found.append(c(CallTurn.speaker) == query.speaker)
    if query.label in QUESTION_TYPES:
        found.append(c(CallTurn.question_type) == query.label)
    elif query.label in COMMITMENTS:
        found.append(c(CallTurn.commitment) == query.label)
    return found


def _hit(row: Any, terms: Sequence[Term]) -> SearchHit:
    start = row.start
    moment = f"?t={start:g}" if start is not None else ""
    return SearchHit(row.call_id, row.idx, start, row.speaker, row.text, highlight(row.text, terms),
                     f"/ui/calls/{row.call_id}{moment}", row.title, row.rep, row.happened_at)  # fmt: skip


def highlight(text: str, terms: Sequence[Term]) -> list[dict[str, object]]:
    """The text cut into pieces, `match` true on the pieces that say a term or one of its words
    (longest first); joined, the pieces are the text again."""
    needles = {n for t in terms for n in (t.text, t.text.replace(" ", ""), *t.tokens) if n.strip()}
    ordered = sorted(needles, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
    pieces: list[dict[str, object]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append({"text": text[at : match.start()], "match": False})
        pieces.append({"text": match.group(0), "match": True})
        at = match.end()
    if at < len(text):
        pieces.append({"text": text[at:], "match": False})
    return pieces
