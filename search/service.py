"""Search the analysed turns of the calls a principal may see: ranked, paged, filtered, with
the matches marked in each turn's text and a link that opens the call at that turn."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, select
from sqlalchemy.orm import Session

from analysis import COMMITMENTS, QUESTION_TYPES
from auth.permissions import SEARCH_CALLS, CallReach, call_reach, visible
from auth.principal import Principal
from core.errors import InvalidInput
from core.paging import Page, PageRequest
from models import Call, CallLabel, CallTurn, Rep
from search.index import Term, Tokenize, index_for, parse_query, scoped_matches
from search.narrow import narrowed
from search.schemas import SPEAKER_SIDES, Piece, SearchHit, SearchQuery

__all__ = ["LABELS", "highlight", "search_turns"]

LABELS = (*QUESTION_TYPES, *COMMITMENTS)
Follower = Callable[[Any], Any]


def search_turns(
    session: Session,
    query: SearchQuery,
    tokenize: Tokenize,
    viewer: Principal,
    page: PageRequest,
) -> Page[SearchHit]:
    """The turns matching `query` in the calls `viewer` may open, best first (ties: the turn
    indexed last first)."""
    reach = call_reach(viewer, SEARCH_CALLS)
    _check(query)
    terms = parse_query(query.q, tokenize)
    # OFFSET 0 keeps the subquery whole: PostgreSQL would otherwise carry every match's vector
    # through the window count (spilling it to disk) and rank afterwards.
    ranked = _ranked(session, terms, query, viewer, reach).offset(0).subquery()
    # The page's ids and the total in one pass over the matches (a window count). The rank is a
    # column of the subquery: SQLite refuses bm25() in a query that has a window function.
    rows = session.execute(
        select(ranked.c.turn_id, func.count().over().label("total"))
        .order_by(ranked.c.rank, ranked.c.turn_id.desc())
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    total = rows[0].total if rows else _count(session, ranked, page.offset)
    hits = _details(session, [row.turn_id for row in rows])
    found = [_hit(hits[row.turn_id], terms) for row in rows]
    return Page(found, total, page.limit, page.offset)


def _ranked(
    session: Session, terms: Sequence[Term], query: SearchQuery, viewer: Principal,
    reach: CallReach,
) -> Select[Any] | CompoundSelect[Any]:  # fmt: skip
    """(turn_id, rank) of every match: inside the index where the scope can be written as its
    tokens, else by joining each match to its turn and call."""
    index = index_for(session, terms)
    scope = narrowed(session, reach, query)
    if scope is not None:
        return scoped_matches(index, scope, _in_range(query, index.follower))
    conditions = [visible(viewer, SEARCH_CALLS, Call), *_filters(query, index.follower)]
    return index.joined(index.matches()).where(*conditions)


def _in_range(query: SearchQuery, c: Follower) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.occurred_from is not None:
        found.append(c(Call.happened_at) >= query.occurred_from)
    if query.occurred_to is not None:
        found.append(c(Call.happened_at) < query.occurred_to)
    return found


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


def _check(query: SearchQuery) -> None:
    if query.speaker is not None and query.speaker not in SPEAKER_SIDES:
        raise InvalidInput(f"speaker is one of {', '.join(SPEAKER_SIDES)}", field="speaker")
    if query.label is not None and query.label not in LABELS:
        raise InvalidInput(f"label is one of {', '.join(LABELS)}", field="label")
    if query.occurred_from and query.occurred_to and query.occurred_to <= query.occurred_from:
        raise InvalidInput("'to' must be after 'from'", field="to")


def _filters(query: SearchQuery, c: Follower) -> list[ColumnElement[bool]]:
    found = _in_range(query, c)
    if query.rep_id is not None:
        found.append(c(Call.rep_id) == query.rep_id)
    if query.team_id is not None:
        found.append(c(Call.rep_id).in_(select(Rep.id).where(Rep.team_id == query.team_id)))
    if query.customer_id is not None:
        found.append(c(Call.customer_id) == query.customer_id)
    if query.speaker is not None:
        found.append(c(CallTurn.speaker) == query.speaker)
    if query.label is not None:  # the labels in effect: a person's correction wins
        labelled = select(CallLabel.id).where(
            CallLabel.call_id == CallTurn.call_id,
            CallLabel.turn_index == CallTurn.idx,
            CallLabel.label == query.label,
        )
        found.append(labelled.exists())
    return found


def _hit(row: Any, terms: Sequence[Term]) -> SearchHit:
    start = row.start
    moment = f"?t={start:g}" if start is not None else ""
    return SearchHit(row.call_id, row.idx, start, row.speaker, row.text, highlight(row.text, terms),
                     f"/ui/calls/{row.call_id}{moment}", row.title, row.rep, row.happened_at)  # fmt: skip


def highlight(text: str, terms: Sequence[Term]) -> list[Piece]:
    """The text cut into pieces, `match` true on the pieces that say a term or one of its words
    (longest first); joined, the pieces are the text again."""
    needles = {n for t in terms for n in (t.text, t.text.replace(" ", ""), *t.tokens) if n.strip()}
    ordered = sorted(needles, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
    pieces: list[Piece] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append(Piece(text[at : match.start()], False))
        pieces.append(Piece(match.group(0), True))
        at = match.end()
    if at < len(text):
        pieces.append(Piece(text[at:], False))
    return pieces
