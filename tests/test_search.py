"""Search and trackers on the real transcripts of the shared calls, over HTTP on a real database.

The four shared sales calls go through the real pipeline (upload, analysis with the real jieba
tokenizer and classifiers, storage), with a transcriber that hands back each call's labelled
turns instead of running Whisper. The expected results are computed here by brute force over
the turns the analysis stored (`GET /analysis`), never written down by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from asr import AudioLimits, ChannelLayout, Segment, Speaker, Transcript, probe_audio
from asr.transcriber import ProgressCallback
from auth.tokens import create_token
from huashu.runtime import Services
from models import session_scope
from tests.audio_files import CALLS
from tests.conftest import AUTH, SYSTEM, wait_for, wait_for_status

NAMES = ("dev01", "dev02", "dev03", "dev04")


class LabelledTranscriber:
    """Whisper's stand-in: the reference transcript of whichever shared call was uploaded."""

    model_name = "labelled-turns"

    def __init__(self) -> None:
        self.by_sha = {_sha(CALLS / f"{n}.stereo.wav"): n for n in NAMES}

    def transcribe(
        self,
        path: Path,
        layout: ChannelLayout,
        on_progress: ProgressCallback | None = None,
        *,
        hotwords: Sequence[str] = (),
        limits: AudioLimits | None = None,
    ) -> Transcript:
        turns = _reference(self.by_sha[_sha(path)])
        segments = tuple(
            Segment(t["start"], t["end"], t["text"], Speaker(t["speaker"])) for t in turns
        )
        return Transcript("zh", probe_audio(path).duration, self.model_name, segments)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reference(name: str) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = json.loads((CALLS / f"{name}.json").read_text("utf-8"))["turns"]
    return turns


@pytest.fixture
def fake() -> LabelledTranscriber:
    return LabelledTranscriber()


@dataclass
class World:
    calls: dict[str, int] = field(default_factory=dict)  # dev01… → call id
    reps: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    turns: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # as stored
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # role → auth header


def _post(client: TestClient, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# dev01 and dev02 belong to team A's reps, dev03 to team B's, dev04 to nobody's team.
_OWNERS = {"dev01": ("A1", "A"), "dev02": ("A2", "A"), "dev03": ("B1", "B"), "dev04": (None, None)}


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    w = World()
    w.teams = {t: _post(client, "teams", {"name": f"团队{t}"}) for t in ("A", "B")}
    w.reps = {r: _post(client, "reps", {"name": f"销售{r}", "team_id": w.teams[r[0]]})
              for r in ("A1", "A2", "B1")}  # fmt: skip
    for day, name in enumerate(NAMES, start=1):
        rep, _ = _OWNERS[name]
        w.customers[name] = _post(client, "customers", {"company": f"客户{name}"})
        fields = {"channels": "rep-left", "customer_id": str(w.customers[name]),
                  "occurred_at": f"2026-11-0{day}T10:00:00+08:00"}  # fmt: skip
        if rep:  # dev01 and dev03 won, dev02 lost
            fields["rep_id"] = str(w.reps[rep])
            fields["opportunity_id"] = str(_opportunity(client, w, name, rep))
        with (CALLS / f"{name}.stereo.wav").open("rb") as f:
            response = client.post("/api/v1/calls", headers=AUTH, data=fields,
                                   files={"audio": (f"{name}.wav", f, "audio/wav")})  # fmt: skip
        w.calls[name] = int(response.json()["id"])
    for call_id in w.calls.values():
        # Generous: the first call also waits for the analyzer to be built (seconds, or more
        # on a busy machine).
        assert wait_for(lambda c=call_id: _status(client, c) in ("done", "failed"), timeout=240)
        assert _status(client, call_id) == "done"
        w.turns[call_id] = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()[
            "turns"
        ]
    with session_scope(services.session_factory) as session:
        made = {
            "manager": create_token(session, "A经理", "manager", SYSTEM, team_id=w.teams["A"]),
            "rep": create_token(session, "销售A1", "rep", SYSTEM, rep_id=w.reps["A1"]),
            "qa": create_token(session, "质检", "qa", SYSTEM),
        }
    w.tokens = {role: {"Authorization": f"Bearer {secret}"} for role, (_, secret) in made.items()}
    return w


def _status(client: TestClient, call_id: int) -> str:
    return str(client.get(f"/api/v1/calls/{call_id}", headers=AUTH).json()["status"])


def _opportunity(client: TestClient, w: World, name: str, rep: str) -> int:
    status = "won" if name in WON else "lost"
    return _post(client, "opportunities", {"name": f"商机{name}", "customer_id": w.customers[name],
                                           "owner_rep_id": w.reps[rep], "stage": "成交", "status": status,
                                           "created_on": "2026-10-01", "closed_on": "2026-11-20"})  # fmt: skip


WON = ("dev01", "dev03")


def _search(client: TestClient, headers: dict[str, str] = AUTH, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", headers=headers, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _found(body: dict[str, Any]) -> set[tuple[int, int]]:
    return {(item["call_id"], item["turn_index"]) for item in body["items"]}


def _says(tokens: list[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(
        [t.lower() for t in tokens[i : i + n]] == [p.lower() for p in phrase]
        for i in range(len(tokens) - n + 1)
    )


def _expected(w: World, *phrases: Sequence[str], calls: Sequence[int] | None = None,
              **where: Any) -> set[tuple[int, int]]:  # fmt: skip
    """Brute force over the stored turns: every phrase's tokens in a row, and the columns."""
    return {
        (call_id, t["index"])
        for call_id, turns in w.turns.items()
        if calls is None or call_id in calls
        for t in turns
        if all(_says(t["tokens"], p) for p in phrases) and all(t[k] == v for k, v in where.items())
    }


def _common_tokens(w: World, least: int = 2) -> list[str]:
    """Words (two characters or more) said in turns of more than one call."""
    seen: dict[str, set[int]] = {}
    for call_id, turns in w.turns.items():
        for t in turns:
            for token in t["tokens"]:
                if len(token) >= 2 and any(ch.isalnum() for ch in token):
                    seen.setdefault(token, set()).add(call_id)
    return sorted(t for t, calls in seen.items() if len(calls) >= least)


def test_words_and_phrases_find_exactly_the_turns_that_say_them(
    client: TestClient, world: World, analyzer: Any
) -> None:
    words = _common_tokens(world)
    assert len(words) >= 3, words
    for word in words[:8]:
        body = _search(client, q=word)
        assert _found(body) == _expected(world, [word]) != set(), word
        assert body["total"] == len(body["items"])
    # Two words: both in the turn, anywhere; a quoted phrase: its words in a row.
    longest = max((t for turns in world.turns.values() for t in turns),
                  key=lambda t: len(t["tokens"]))  # fmt: skip
    first, second, third = longest["tokens"][:3]
    both = _search(client, q=f"{first} {third}")
    assert _found(both) == _expected(world, [first], [third])
    phrase = _search(client, q=f'"{first} {second}"')
    assert _found(phrase) == _expected(world, [first, second]) != set()
    assert _found(phrase) <= _found(both)  # a phrase is stricter than its words anywhere
    # Typed without spaces, the words of a run-on phrase are split by the same tokenizer.
    joined = analyzer.get().tokens(first + second)
    assert _found(_search(client, q=first + second)) == _expected(world, joined)


def test_hits_carry_the_turn_its_moment_and_the_match_marked(
    client: TestClient, world: World
) -> None:
    word = _common_tokens(world)[0]
    body = _search(client, q=word)
    stored = {(c, t["index"]): t for c, turns in world.turns.items() for t in turns}
    for item in body["items"]:
        turn = stored[(item["call_id"], item["turn_index"])]
        assert (item["text"], item["speaker"], item["start"]) == (
            turn["text"], turn["speaker"], turn["start"],
        )  # fmt: skip
        assert "".join(p["text"] for p in item["highlight"]) == item["text"]
        marked = [p["text"] for p in item["highlight"] if p["match"]]
        assert marked and all(m.lower() == word.lower() for m in marked)
        assert item["link"] == f"/ui/calls/{item['call_id']}?t={turn['start']:g}"
    ranked = _search(client, q=word, limit=1)
    assert (ranked["total"], len(ranked["items"])) == (body["total"], 1)


def test_paging_walks_the_ranked_results_once(client: TestClient, world: World) -> None:
    word = max(_common_tokens(world, least=1), key=lambda w: len(_expected(world, [w])))
    everything = _search(client, q=word)
    assert everything["total"] >= 3
    pages = [_search(client, q=word, limit=2, offset=o)["items"]
             for o in range(0, everything["total"], 2)]  # fmt: skip
    walked = [(i["call_id"], i["turn_index"]) for page in pages for i in page]
    assert walked == [(i["call_id"], i["turn_index"]) for i in everything["items"]]
    past = _search(client, q=word, limit=2, offset=everything["total"] + 3)
    assert (past["items"], past["total"]) == ([], everything["total"])


def test_filters_narrow_the_results(client: TestClient, world: World) -> None:
    word = max(_common_tokens(world), key=lambda w: len(_expected(world, [w])))
    calls, a1 = world.calls, world.reps["A1"]
    team_a = [calls["dev01"], calls["dev02"]]
    cases: list[tuple[dict[str, Any], set[tuple[int, int]]]] = [
        ({"rep_id": a1}, _expected(world, [word], calls=[calls["dev01"]])),
        ({"team_id": world.teams["A"]}, _expected(world, [word], calls=team_a)),
        ({"customer_id": world.customers["dev03"]}, _expected(world, [word], calls=[calls["dev03"]])),
        ({"from": "2026-11-02", "to": "2026-11-04"},
         _expected(world, [word], calls=[calls["dev02"], calls["dev03"]])),
        ({"speaker": "customer"}, _expected(world, [word], speaker="customer")),
        ({"speaker": "rep"}, _expected(world, [word], speaker="rep")),
    ]  # fmt: skip
    for params, expected in cases:
        assert _found(_search(client, q=word, **params)) == expected, params
    # Labels: search a word of a labelled turn, filtered on its label (any question it asks).
    labelled = [(c, t) for c, turns in world.turns.items() for t in turns if t["question_type"]]
    assert labelled
    _, turn = labelled[0]
    label, token = turn["question_type"], turn["tokens"][0]
    asking = {(c, t["index"]) for c, turns in world.turns.items() for t in turns
              if label in {q["question_type"] for q in t["questions"]}}  # fmt: skip
    assert _found(_search(client, q=token, label=label)) == _expected(world, [token]) & asking


def test_a_corrected_label_is_searched_as_corrected(client: TestClient, world: World) -> None:
    call_id, turn = next((c, t) for c, turns in world.turns.items() for t in turns
                         if t["speaker"] == "customer" and t["commitment"] != "decline")  # fmt: skip
    token, where = turn["tokens"][0], (call_id, turn["index"])
    assert where not in _found(_search(client, q=token, label="decline"))
    url = f"/api/v1/calls/{call_id}/turns/{turn['index']}/corrections"
    assert client.post(url, headers=AUTH, json={"commitment": "decline"}).status_code == 201
    assert where in _found(_search(client, q=token, label="decline"))
    if turn["commitment"]:
        assert where not in _found(_search(client, q=token, label=turn["commitment"]))


def test_each_role_finds_only_the_calls_it_may_open(client: TestClient, world: World) -> None:
    word = max(_common_tokens(world), key=lambda w: len(_expected(world, [w])))
    calls = world.calls
    seen = {role: {c for c, _ in _found(_search(client, headers, q=word))}
            for role, headers in world.tokens.items()}  # fmt: skip
    everyone = {c for c, _ in _expected(world, [word])}
    assert seen["manager"] == everyone & {calls["dev01"], calls["dev02"]}
    assert seen["rep"] == everyone & {calls["dev01"]}
    assert seen["qa"] == set()  # nothing in their queue
    assert {c for c, _ in _found(_search(client, q=word))} == everyone


def test_the_index_follows_reanalysis_and_deletion(client: TestClient, world: World) -> None:
    word = max(_common_tokens(world), key=lambda w: len(_expected(world, [w])))
    before = _search(client, q=word)
    victim = next(iter(_found(before)))[0]
    assert client.post(f"/api/v1/calls/{victim}/reanalyze", headers=AUTH).status_code == 202
    assert wait_for_status(client, victim)["status"] == "done"
    again = _search(client, q=word)
    assert sorted(_found(again)) == sorted(_found(before)) and again["total"] == before["total"]
    assert client.delete(f"/api/v1/calls/{victim}", headers=AUTH).status_code == 204
    after = _search(client, q=word)
    assert _found(after) == {hit for hit in _found(before) if hit[0] != victim}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "，。？"}, "q"), ({"q": "价格", "speaker": "boss"}, "speaker"),
     ({"q": "价格", "label": "great"}, "label"), ({"q": "x" * 201}, "q"),
     ({"q": "价格", "from": "2026-11-05", "to": "2026-11-01"}, "to")],
)  # fmt: skip
def test_bad_searches_are_refused_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/v1/search", headers=AUTH, params=params)
    assert response.status_code == 422
    assert field in json.dumps(response.json())


# --------------------------------------------------------------------------- trackers


def _mentions(w: World, phrases: Sequence[str], side: str) -> dict[int, list[int]]:
    """Per call, the turns of `side` that say one of the phrases (brute force)."""
    return {
        call_id: [t["index"] for t in turns
                  if side in ("any", t["speaker"]) and any(p in t["text"] for p in phrases)]
        for call_id, turns in w.turns.items()
    }  # fmt: skip


def _call_counts(client: TestClient, w: World, tracker_id: int) -> dict[int, list[int]]:
    found = {}
    for call_id in w.turns:
        response = client.get(f"/api/v1/calls/{call_id}/trackers", headers=AUTH)
        assert response.status_code == 200, response.text
        mine = next(t for t in response.json() if t["tracker_id"] == tracker_id)
        assert mine["count"] == len(mine["hits"])
        found[call_id] = [h["turn_index"] for h in mine["hits"]]
    return found


def _phrases_of(w: World, side: str) -> list[str]:
    """Two words the side says in the calls (from the stored tokens), as a tracker would list."""
    words = [tok for turns in w.turns.values() for t in turns if t["speaker"] == side
             for tok in t["tokens"] if len(tok) >= 2]  # fmt: skip
    return sorted(set(words), key=lambda x: (-words.count(x), x))[:2]


def _counted(client: TestClient, tracker_id: int) -> None:
    """Saving counts a tracker over the stored calls in the background: wait for it."""

    def done() -> bool:
        listed = client.get("/api/v1/trackers", headers=AUTH).json()
        return not next(t for t in listed if t["id"] == tracker_id)["counting"]

    wait_for(done, timeout=30)


def test_a_tracker_counts_its_mentions_on_every_call(client: TestClient, world: World) -> None:
    phrases = [*_phrases_of(world, "customer"), "贵"]
    body = {"name": "价格异议", "phrases": phrases, "speaker": "customer"}
    tracker = client.post("/api/v1/trackers", headers=AUTH, json=body)
    assert tracker.status_code == 201, tracker.text
    tracker_id = tracker.json()["id"]
    _counted(client, tracker_id)
    expected = _mentions(world, phrases, "customer")
    assert any(expected.values())
    assert _call_counts(client, world, tracker_id) == expected
    listed = client.get("/api/v1/calls", headers=AUTH, params={"tracker_id": tracker_id}).json()
    assert {c["id"] for c in listed["items"]} == {c for c, hits in expected.items() if hits}
    # Changed: counted again, on the other side.
    body |= {"speaker": "any", "phrases": phrases[:1]}
    assert client.put(f"/api/v1/trackers/{tracker_id}", headers=AUTH, json=body).status_code == 200
    _counted(client, tracker_id)
    assert _call_counts(client, world, tracker_id) == _mentions(world, phrases[:1], "any")
    assert client.delete(f"/api/v1/trackers/{tracker_id}", headers=AUTH).status_code == 204
    assert client.get("/api/v1/trackers", headers=AUTH).json() == []


def test_a_count_superseded_stops_and_one_cut_off_starts_again(
    client: TestClient, world: World, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count over every call goes a few calls per write; a newer save supersedes it, and a
    count a restart cut off (the tracker still `counting`) is done at the next start."""
    from search import trackers
    from search.schemas import TrackerIn

    monkeypatch.setattr(trackers, "_BATCH_CALLS", 2)  # several batches over the world's calls
    started: list[tuple[int, int]] = []
    phrases = _phrases_of(world, "customer")
    with session_scope(services.session_factory) as session:
        row = trackers.create_tracker(session, TrackerIn("被打断的统计", phrases, "customer", True),
                                      SYSTEM, lambda *job: started.append(job))  # fmt: skip
        tracker_id, first_round = row.id, row.count_round
    assert started == [(tracker_id, first_round)]  # after the commit, not in the request
    assert _call_counts(client, world, tracker_id) == {c: [] for c in world.turns}
    trackers.count_everywhere(services.session_factory, tracker_id, first_round - 1)  # stale
    assert _call_counts(client, world, tracker_id) == {c: [] for c in world.turns}
    # "restart": the tracker is still counting; the next start counts it
    trackers.resume_counts(services.session_factory,
                           lambda t, r: trackers.count_everywhere(services.session_factory, t, r))  # fmt: skip
    assert _call_counts(client, world, tracker_id) == _mentions(world, phrases, "customer")
    listed = client.get("/api/v1/trackers", headers=AUTH).json()
    mine = next(t for t in listed if t["id"] == tracker_id)
    assert (mine["counting"], mine["counted_share"]) == (False, 1.0)


def test_new_calls_are_tracked_as_they_are_analysed(client: TestClient, world: World) -> None:
    phrases = _phrases_of(world, "rep")
    made = client.post("/api/v1/trackers", headers=AUTH,
                       json={"name": "销售话术", "phrases": phrases, "speaker": "rep"})  # fmt: skip
    tracker_id = made.json()["id"]
    _counted(client, tracker_id)
    victim = world.calls["dev02"]
    assert client.post(f"/api/v1/calls/{victim}/reanalyze", headers=AUTH).status_code == 202
    assert wait_for_status(client, victim)["status"] == "done"
    assert _call_counts(client, world, tracker_id) == _mentions(world, phrases, "rep")


def test_tracker_figures_by_rep_month_and_win_rate(client: TestClient, world: World) -> None:
    phrases = _phrases_of(world, "customer")[:1]
    tracker_id = _post(client, "trackers", {"name": "客户常说", "phrases": phrases,
                                            "speaker": "customer"})  # fmt: skip
    _counted(client, tracker_id)
    mentions = _mentions(world, phrases, "customer")
    params = {"from": "2026-11-01", "to": "2026-12-01"}
    figures = client.get(f"/api/v1/trackers/{tracker_id}/figures", headers=AUTH, params=params)
    assert figures.status_code == 200, figures.text
    body = figures.json()
    by_rep = {r["rep_id"]: r for r in body["by_rep"]}
    for name in ("dev01", "dev02", "dev03"):
        row = by_rep[world.reps[_OWNERS[name][0] or ""]]
        hits = len(mentions[world.calls[name]])
        assert (row["calls"], row["mentions"], row["calls_with_mentions"]) == (
            1,
            hits,
            int(hits > 0),
        )
    assert body["trend"] == [{"month": "2026-11", "calls": 4, "mentions": sum(map(len, mentions.values())),
                              "calls_with_mentions": sum(1 for m in mentions.values() if m),
                              "mentions_per_call": round(sum(map(len, mentions.values())) / 4, 2),
                              "share_of_calls": sum(1 for m in mentions.values() if m) / 4}]  # fmt: skip
    won = {world.calls[name] for name in WON}
    bands = {b["band"]: b for b in body["win_rate"]}
    with_opportunity = {world.calls[name] for name in ("dev01", "dev02", "dev03")}
    for band, said in (("with", True), ("without", False)):
        opps = [c for c, m in mentions.items() if bool(m) == said and c in with_opportunity]
        assert (bands[band]["opportunities"], bands[band]["won"]) == (
            len(opps),
            len(won & set(opps)),
        )
    manager = client.get(f"/api/v1/trackers/{tracker_id}/figures", headers=world.tokens["manager"],
                         params=params).json()  # fmt: skip
    assert {r["rep_id"] for r in manager["by_rep"]} == {world.reps["A1"], world.reps["A2"]}


@pytest.mark.parametrize(
    ("body", "status"),
    [({"name": "  ", "phrases": ["价格"]}, 422), ({"name": "t", "phrases": []}, 422),
     ({"name": "t", "phrases": ['说"贵"']}, 422), ({"name": "t", "phrases": ["价格"], "speaker": "boss"}, 422),
     ({"name": "t", "phrases": ["x" * 101]}, 422)],
)  # fmt: skip
def test_bad_trackers_are_refused(client: TestClient, body: dict[str, Any], status: int) -> None:
    assert client.post("/api/v1/trackers", headers=AUTH, json=body).status_code == status
    assert client.get("/api/v1/trackers", headers=AUTH).json() == []


def test_tracker_names_are_unique(client: TestClient) -> None:
    body = {"name": "竞品", "phrases": ["友商"]}
    assert client.post("/api/v1/trackers", headers=AUTH, json=body).status_code == 201
    assert client.post("/api/v1/trackers", headers=AUTH, json=body).status_code == 409
