"""Search scope and filters, checked against brute force over a random world in a real database.

A search's scope and filters are tokens in the search index (search/narrow.py, migration 0016)
that triggers keep in step with the calls and turns; when the scope is too wide for tokens the
search joins instead. Either way the results must be exactly the turns brute force finds: the
visible calls come from the permission model's own SQL condition, the rest is computed here in
Python. The same holds after the calls' rep, customer, uploader and date change, the labels in
effect change (as corrections change them) and calls are deleted. The tokens' results are also compared with the joining
search's, in order.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

import search.service
from analysis.segmentation import SalesTokenizer
from auth.permissions import SEARCH_CALLS, visible
from auth.principal import Principal
from core.paging import PageRequest
from huashu.runtime import Services
from models import (
    Call,
    CallLabel,
    CallTurn,
    Customer,
    Playlist,
    PlaylistItem,
    QaPlan,
    QaQueueItem,
    Rep,
    Team,
    call_scope,
)
from models.token import User
from search.schemas import SearchQuery
from search.service import search_turns

WORDS = ("价格", "预算", "老板", "方案", "竞品")
QUESTIONS = (None, "situation", "problem", "implication", "need_payoff", "other_question")
OUTCOMES = (None, "advance", "continuation", "decline")
BEIJING = timezone(timedelta(hours=8))
RANGES = (
    (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),  # a whole month
    (datetime(2025, 6, 10, tzinfo=BEIJING), datetime(2025, 6, 13, tzinfo=BEIJING)),  # cut days
    (datetime(2025, 6, 10, 15, 30, tzinfo=BEIJING), datetime(2025, 6, 10, 18, tzinfo=BEIJING)),
    (datetime(2025, 6, 20, 12, tzinfo=UTC), None),
    (None, datetime(2025, 6, 5, 7, 45, tzinfo=UTC)),
    (datetime(2024, 12, 31, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)),  # years
)


@dataclass
class World:
    principals: dict[str, Principal]
    reps: list[int]
    teams: list[int]
    customers: list[int]
    users: list[int]


def _moment(rng: random.Random) -> datetime:
    start = datetime(2025, 5, 20, tzinfo=UTC)
    return start + timedelta(seconds=rng.randint(0, 50 * 86400))


def _build(session: Session, rng: random.Random) -> World:
    teams = [Team(name=f"组{i}") for i in range(3)]
    session.add_all(teams)
    session.flush()
    reps = [Rep(name=f"销售{i}", team_id=teams[i % 3].id if i < 6 else None) for i in range(7)]
    customers = [Customer(company=f"客户{i}") for i in range(4)]
    session.add_all([*reps, *customers])
    session.flush()
    manager = User(name="经理", role="manager", team_id=teams[0].id)
    rep_user = User(name="销售", role="rep", rep_id=reps[0].id, team_id=teams[0].id)
    qa = User(name="质检", role="qa")
    session.add_all([manager, rep_user, qa])
    session.flush()
    users = [manager.id, rep_user.id, qa.id]
    world = World(
        {"admin": Principal(None, "admin", "admin"),
         "manager": Principal(None, "m", "manager", user_id=manager.id, team_id=teams[0].id),
         "rep": Principal(None, "r", "rep", user_id=rep_user.id, rep_id=reps[0].id,
                          team_id=teams[0].id),
         "qa": Principal(None, "q", "qa", user_id=qa.id)},
        [r.id for r in reps], [t.id for t in teams], [c.id for c in customers], users,
    )  # fmt: skip
    calls = [_call(session, rng, world, n) for n in range(60)]
    _share(session, rng, calls, world, teams[0].id, qa.id)
    return world


def _call(session: Session, rng: random.Random, world: World, n: int) -> int:
    when = _moment(rng)
    call = Call(title=f"通话{n}", rep_id=rng.choice([*world.reps, None]),
                customer_id=rng.choice([*world.customers, None]),
                uploaded_by_user_id=rng.choice([*world.users, None, None, None]),
                occurred_at=when, happened_at=when, status="done", progress=1.0,
                audio_sha256=f"{n:064x}", audio_path=f"x/{n}.wav", size_bytes=0,
                audio_format="wav", audio_codec="pcm_s16le", audio_channels=2,
                sample_rate=16000, duration_s=60.0, channels="rep-left")  # fmt: skip
    session.add(call)
    session.flush()
    for idx in range(4):
        speaker = "rep" if idx % 2 == 0 else "customer"
        tokens = [*rng.sample(WORDS, rng.randint(1, 3)), "我们"]
        session.add(CallTurn(call_id=call.id, idx=idx, speaker=speaker, start=idx * 5.0,
                             end=idx * 5.0 + 4, text="".join(tokens), tokens=tokens,
                             search_text=" ".join(tokens)))  # fmt: skip
        session.add_all(_labels(rng, call.id, idx, speaker))
    return call.id


def _labels(rng: random.Random, call_id: int, idx: int, speaker: str) -> list[CallLabel]:
    """The labels in effect (what analysis and corrections leave in call_labels): up to two
    questions a rep turn asks, an outcome of a customer turn."""
    kind, labels = ("question", QUESTIONS) if speaker == "rep" else ("commitment", OUTCOMES)
    drawn = [rng.choice(labels) for _ in range(2 if speaker == "rep" else 1)]
    chosen = {label for label in drawn if label is not None}
    return [CallLabel(call_id=call_id, turn_index=idx, kind=kind, label=label,
                      corrected=rng.random() < 0.2) for label in sorted(chosen)]  # fmt: skip


def _share(session: Session, rng: random.Random, calls: list[int], world: World, team: int,
           reviewer: int) -> None:  # fmt: skip
    """A playlist of the first team (read by its people) and a QA queue."""
    playlist = Playlist(name="好案例", team_id=team, created_by="m")
    plan = QaPlan(name="抽检", period_from=date(2025, 1, 1), period_to=date(2026, 1, 1),
                  filters={}, method="count", amount=5, seed=1, reviewer_user_id=reviewer)  # fmt: skip
    session.add_all([playlist, plan])
    session.flush()
    for call_id in rng.sample(calls, 4):
        session.add(PlaylistItem(playlist_id=playlist.id, call_id=call_id, from_turn=0, to_turn=1))
    for call_id in rng.sample(calls, 6):
        session.add(QaQueueItem(plan_id=plan.id, call_id=call_id, reviewer_user_id=reviewer))


def _queries(rng: random.Random, world: World, count: int) -> Iterator[SearchQuery]:
    for _ in range(count):
        low, high = rng.choice((None, None, *RANGES)) or (None, None)
        label = rng.choice([*QUESTIONS[1:], *OUTCOMES[1:], None, None, None])
        yield SearchQuery(
            rng.choice(WORDS), rep_id=rng.choice([*world.reps, None, None, None]),
            team_id=rng.choice([*world.teams, None, None, None]),
            customer_id=rng.choice([*world.customers, None, None, None]),
            occurred_from=low, occurred_to=high, speaker=rng.choice(["rep", "customer", None]),
            label=label,
        )  # fmt: skip


def _brute_force(session: Session, viewer: Principal, query: SearchQuery) -> set[tuple[int, int]]:
    seen = set(session.scalars(select(Call.id).where(visible(viewer, SEARCH_CALLS, Call))))
    team_reps = set(session.scalars(select(Rep.id).where(Rep.team_id == query.team_id)))
    labelled = {(x.call_id, x.turn_index) for x in session.scalars(select(CallLabel))
                if x.label == query.label}  # fmt: skip
    rows = session.execute(select(CallTurn, Call).join(Call, Call.id == CallTurn.call_id)).all()
    return {(call.id, turn.idx) for turn, call in rows
            if call.id in seen and query.q in turn.tokens and _passes(query, turn, call, team_reps)
            and (query.label is None or (call.id, turn.idx) in labelled)}  # fmt: skip


def _passes(query: SearchQuery, turn: CallTurn, call: Call, team_reps: set[int]) -> bool:
    checks = (
        query.rep_id is None or call.rep_id == query.rep_id,
        query.team_id is None or call.rep_id in team_reps,
        query.customer_id is None or call.customer_id == query.customer_id,
        query.occurred_from is None or call.happened_at >= query.occurred_from,
        query.occurred_to is None or call.happened_at < query.occurred_to,
        query.speaker is None or turn.speaker == query.speaker,
    )
    return all(checks)


@cache
def _tokenizer() -> SalesTokenizer:
    return SalesTokenizer()


def _search(session: Session, viewer: Principal, query: SearchQuery) -> Any:
    return search_turns(session, query, _tokenizer().tokens, viewer, PageRequest(1000, 0))


def _check_all(session: Session, world: World, seed: int, count: int = 60) -> int:
    """Every role × random searches against brute force; the number of turns found."""
    found = 0
    for query in _queries(random.Random(seed), world, count):
        for role, viewer in world.principals.items():
            page = _search(session, viewer, query)
            got = {(hit.call_id, hit.turn_index) for hit in page.items}
            expected = _brute_force(session, viewer, query)
            assert (got, page.total) == (expected, len(expected)), (role, query)
            found += len(got)
    return found


@pytest.fixture
def world(services: Services) -> World:
    with services.session_factory() as session, session.begin():
        return _build(session, random.Random(7))


def test_every_scope_and_filter_finds_what_brute_force_finds(
    services: Services, world: World
) -> None:
    with services.session_factory() as session:
        assert _check_all(session, world, seed=1, count=80) > 200  # the searches find things


def test_the_index_follows_changes_to_calls_and_turns(services: Services, world: World) -> None:
    rng = random.Random(3)
    with services.session_factory() as session, session.begin():
        for call_id in session.scalars(select(Call.id).order_by(Call.id).limit(20)):
            session.execute(update(Call).where(Call.id == call_id).values(
                rep_id=rng.choice([*world.reps, None]), customer_id=rng.choice(world.customers),
                uploaded_by_user_id=rng.choice(world.users), happened_at=_moment(rng)))  # fmt: skip
        _relabel(session, rng)
        session.execute(delete(Call).where(Call.id.in_(select(Call.id).limit(5))))
    with services.session_factory() as session:
        _check_all(session, world, seed=2)
        _assert_index_intact(session)


def _relabel(session: Session, rng: random.Random) -> None:
    """As a correction does: some turns lose their labels, some get a new one."""
    for label in session.scalars(select(CallLabel).limit(40)):
        session.delete(label)
    for turn in session.scalars(select(CallTurn).order_by(CallTurn.id.desc()).limit(40)):
        kind, labels = (
            ("question", QUESTIONS) if turn.speaker == "rep" else ("commitment", OUTCOMES)
        )
        session.add(CallLabel(call_id=turn.call_id, turn_index=turn.idx, kind=kind,
                              label=rng.choice(labels[1:]), corrected=True))  # fmt: skip
    for label in session.scalars(select(CallLabel).limit(10)):
        label.label = "advance" if label.kind == "commitment" else "problem"


def test_scope_tokens_rank_like_the_joining_search(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with services.session_factory() as session:
        queries = list(_queries(random.Random(5), world, 40))
        by_tokens = [_ids(session, world, q) for q in queries]
        monkeypatch.setattr(search.service, "narrowed", lambda *args: None)
        assert [_ids(session, world, q) for q in queries] == by_tokens


def test_too_wide_a_reach_falls_back_to_joining(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("search.narrow.MAX_TOKENS", 2)  # the QA queue holds 6 calls
    with services.session_factory() as session:
        qa = world.principals["qa"]
        for word in WORDS:
            query = SearchQuery(word)
            got = {(h.call_id, h.turn_index) for h in _search(session, qa, query).items}
            assert got == _brute_force(session, qa, query)


def _ids(session: Session, world: World, query: SearchQuery) -> list[list[tuple[int, int]]]:
    return [[(h.call_id, h.turn_index) for h in _search(session, viewer, query).items]
            for viewer in world.principals.values()]  # fmt: skip


def _assert_index_intact(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO call_turns_fts(call_turns_fts, rank) VALUES ('integrity-check', 1)")
        )
        indexed = session.scalar(text("SELECT count(*) FROM call_turns_fts"))
        assert indexed == session.scalar(select(text("count(*)")).select_from(CallTurn))


def test_a_query_of_scope_words_finds_only_spoken_words(services: Services, world: World) -> None:
    """`k1` or `srep` typed into the search box are words, not the index's scope tokens."""
    with services.session_factory() as session:
        viewer = world.principals["admin"]
        for word in ("k1", "srep", "lsituation", "m202506"):
            assert _search(session, viewer, replace(SearchQuery(word))).total == 0


def test_a_call_shared_twice_hides_no_other(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team's playlists name each of their four calls twice: a rep's reach (their upload,
    their rep, the four calls) still fits six tokens, and finds what brute force finds."""
    with services.session_factory() as session, session.begin():
        first = session.scalars(select(Playlist)).one()
        again = Playlist(name="再听一遍", team_id=first.team_id, created_by="m")
        session.add(again)
        session.flush()
        for item in session.scalars(select(PlaylistItem)).all():
            session.add(
                PlaylistItem(playlist_id=again.id, call_id=item.call_id, from_turn=0, to_turn=1)
            )
    monkeypatch.setattr("search.narrow.MAX_TOKENS", 6)
    with services.session_factory() as session:
        _check_all(session, world, seed=4, count=20)


def test_the_index_is_what_the_scope_definition_says(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The triggers and the stored tokens follow models/call_scope.CALL_SCOPE: installed once
    (the migrations' sync), replaced with every turn indexed again when the definition changes,
    and back again when it changes back — after which every search still finds what brute force
    finds."""

    def sync() -> bool:
        with services.engine.begin() as connection:
            return call_scope.sync_scope_index(connection)

    def customer_tokens() -> int:
        with services.session_factory() as session:
            return sum(len(_CUSTOMER_TOKEN.findall(text)) for text in _scope_texts(session))

    assert not sync()  # the migrations left the index as the definition says
    assert customer_tokens() > 0
    with services.engine.begin() as connection:  # as a batch migration rebuilding `calls` does
        on = "" if connection.dialect.name == "sqlite" else " ON calls"
        trigger = "calls_fts_update" if on == "" else "calls_search_scope"
        connection.execute(text(f"DROP TRIGGER {trigger}{on}"))
    assert sync()
    monkeypatch.setattr(call_scope, "CALL_SCOPE", tuple(
        c for c in call_scope.CALL_SCOPE if c is not call_scope.CUSTOMER))  # fmt: skip
    assert sync() and customer_tokens() == 0
    monkeypatch.undo()
    assert sync() and customer_tokens() > 0
    with services.session_factory() as session:
        _check_all(session, world, seed=6, count=20)
        _assert_index_intact(session)


_CUSTOMER_TOKEN = re.compile(r"(?:^|[\s'#])c\d+")


def _scope_texts(session: Session) -> list[str]:
    if session.get_bind().dialect.name == "sqlite":
        return list(session.scalars(text("SELECT search_scope FROM call_turns_fts")))
    return list(session.scalars(text("SELECT search_vector::text FROM call_turns")))
