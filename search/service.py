"""Search the analysed turns of the calls a principal may see: ranked, paged, filtered, with
the matches marked in each turn's text and a link that opens the call at that turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, select, table
from sqlalchemy.orm import Session

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
    conditions = [matcher.condition, visible(viewer, SEARCH_CALLS, Call), *_filters(query)]
    rows = select(CallTurn.call_id, CallTurn.idx, CallTurn.start, CallTurn.speaker, CallTurn.text,
                  Call.title, Call.rep, Call.happened_at)  # fmt: skip
    found = session.execute(
        _joined(rows, matcher)
        .where(*conditions)
        .order_by(matcher.rank, Call.happened_at.desc(), CallTurn.id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(_joined(select(func.count()), matcher).where(*conditions)) or 0
    return SearchPage([_hit(row, terms) for row in found], total, limit, offset)


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


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.rep_id is not None:
        found.append(Call.rep_id == query.rep_id)
    if query.team_id is not None:
        found.append(Call.rep_id.in_(select(Rep.id).where(Rep.team_id == query.team_id)))
    if query.customer_id is not None:
        found.append(Call.customer_id == query.customer_id)
    if query.occurred_from is not None:
        found.append(Call.happened_at >= query.occurred_from)
    if query.occurred_to is not None:
        found.append(Call.happened_at < query.occurred_to)
    if query.speaker is not None:
        found.append(CallTurn.speaker == query.speaker)
    if query.label in QUESTION_TYPES:
        found.append(CallTurn.question_type == query.label)
    elif query.label in COMMITMENTS:
        found.append(CallTurn.commitment == query.label)
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
