"""The permission matrix: every route × every role × every scope of the resource it touches.

Roles: an admin user, the manager of team A, the rep user of rep A1 (team A), a QA user.
Scopes of a resource, seen from those users: `own` (rep A1's; team A's; in the QA user's queue),
`team` (rep A2's, a colleague in team A), `other` (team B's), `none` (belongs to no team).
Routes that touch no single resource have the one scope `-`.

The table is checked against the app's own route list, so a new route without a row fails
`test_every_route_has_a_row`. Each case runs on its own copy of one prepared data folder when
the request may write, so cases never see each other's changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from auth.tokens import create_token
from huashu.runtime import Services, build_app, open_services
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from models import Playlist, PlaylistItem, QaQueueItem, QaReview, session_scope
from tests.audio_files import CALLS, SHORT_SPEECH
from tests.conftest import ADMIN_TOKEN, SYSTEM, FakeTranscriber, wait_for
from worker import PipelineParts, Worker

FOUR = ("own", "team", "other", "none")
NO_SCOPE = ("-",)
ROLES = ("admin", "manager", "rep", "qa")
ENV_ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# ---------------------------------------------------------------- the prepared data folder


@dataclass
class World:
    """Ids of the prepared records, by kind and scope, and each role's token."""

    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    criteria: list[str] = field(default_factory=list)

    def id(self, kind: str, scope: str) -> int:
        return self.ids[kind][scope]


def _post(client: TestClient, path: str, body: Any, headers: dict[str, str] = ENV_ADMIN) -> int:
    response = client.post(f"/api/v1/{path}", headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


def _crm(client: TestClient, world: World) -> None:
    teams = {
        "A": _post(client, "teams", {"name": "华东"}),
        "B": _post(client, "teams", {"name": "华南"}),
    }
    reps = {scope: _post(client, "reps", {"name": f"rep-{scope}", "team_id": team})
            for scope, team in (("own", teams["A"]), ("team", teams["A"]), ("other", teams["B"]),
                                ("none", None))}  # fmt: skip
    customers = {s: _post(client, "customers", {"company": f"客户-{s}", "owner_rep_id": r})
                 for s, r in reps.items()}  # fmt: skip
    customers["none"] = _post(client, "customers", {"company": "无主客户"})
    world.ids |= {"teams": {"own": teams["A"], "other": teams["B"]}, "reps": reps,
                  "customers": customers}  # fmt: skip
    world.ids["opportunities"] = {
        s: _post(client, "opportunities", {"name": f"商机-{s}", "customer_id": customers[s],
                                           "owner_rep_id": reps[s], "stage": "线索"})
        for s in FOUR
    }  # fmt: skip
    world.ids["follow-ups"] = {
        s: _post(client, "follow-ups", {"rep_id": reps[s], "customer_id": customers[s],
                                        "occurred_at": "2026-11-20T10:00:00+08:00"})
        for s in FOUR
    }  # fmt: skip
    owners = {"own": {"team_id": teams["A"]}, "team": {"rep_id": reps["team"]},
              "other": {"team_id": teams["B"]}, "none": {"rep_id": reps["none"]}}  # fmt: skip
    world.ids["targets"] = {
        s: _post(client, "targets", {**o, "year": 2026, "amount": 100000})
        for s, o in owners.items()
    }


def _users(services: Services, world: World) -> dict[str, int]:
    reps, teams = world.ids["reps"], world.ids["teams"]
    with session_scope(services.session_factory) as session:
        made = {
            "admin": create_token(session, "管理员", "admin", SYSTEM),
            "manager": create_token(session, "华东经理", "manager", SYSTEM, team_id=teams["own"]),
            "rep": create_token(session, "销售甲", "rep", SYSTEM, rep_id=reps["own"]),
            "qa": create_token(session, "质检员", "qa", SYSTEM),
            "admin2": create_token(session, "另一位管理员", "admin", SYSTEM),
        }
        world.tokens = {role: token for role, (_, token) in made.items()}
        return {role: int(row.user_id or 0) for role, (row, _) in made.items()}


def _calls(client: TestClient, world: World) -> None:
    audio = {"own": SHORT_SPEECH, "team": CALLS / "dev01.mono.wav",
             "other": CALLS / "dev02.mono.wav", "none": CALLS / "dev03.mono.wav"}  # fmt: skip
    calls = {}
    for scope, path in audio.items():
        rep = world.ids["reps"][scope] if scope != "none" else None
        fields = {"rep_id": str(rep)} if rep else {}
        with path.open("rb") as f:
            response = client.post("/api/v1/calls", headers=ENV_ADMIN, data=fields,
                                   files={"audio": (path.name, f, "audio/wav")})  # fmt: skip
        calls[scope] = int(response.json()["id"])
    for call_id in calls.values():
        # Generous: the first call also waits for the analyzer to be built (seconds, or more
        # on a busy machine).
        wait_for(lambda c=call_id: _status(client, c) == "done", timeout=180)
    world.ids["calls"] = calls


def _status(client: TestClient, call_id: int) -> str:
    return str(client.get(f"/api/v1/calls/{call_id}", headers=ENV_ADMIN).json()["status"])


def _qa(client: TestClient, services: Services, world: World, users: dict[str, int]) -> None:
    world.ids["rules"] = {"-": _post(client, "qa/rules", {
        "name": "禁用语", "kind": "forbidden_phrase", "params": {"phrases": ["保证"]}})}  # fmt: skip
    plan = {"name": "抽检", "period_from": "2020-01-01", "period_to": "2030-01-01",
            "method": "count", "amount": 1, "reviewer_user_id": users["qa"]}  # fmt: skip
    world.ids["plans"] = {"-": _post(client, "qa/plans", plan)}
    world.ids["trackers"] = {"-": _post(client, "trackers", {"name": "价格", "phrases": ["价格"]})}
    world.ids["vocabulary"] = {
        "-": _post(client, "vocabulary", {"text": "云帆科技", "kind": "company"})
    }
    second = {"Authorization": f"Bearer {world.tokens.pop('admin2')}"}
    calls = world.ids["calls"]
    world.ids["reviews"] = {
        s: _post(client, f"calls/{calls[s]}/qa/reviews", {}, second) for s in FOUR
    }
    world.ids["appeals"] = {
        s: _post(client, f"calls/{calls[s]}/qa/reviews", {}, second) for s in FOUR
    }
    with session_scope(services.session_factory) as session:
        session.add(QaQueueItem(plan_id=world.ids["plans"]["-"], call_id=calls["own"],
                                reviewer_user_id=users["qa"]))  # fmt: skip
        for review_id in world.ids["appeals"].values():
            review = session.get(QaReview, review_id)
            assert review is not None
            review.status, review.appeal_text = "appealed", "不服"


def _playlists(services: Services, world: World, users: dict[str, int]) -> None:
    teams, calls = world.ids["teams"], world.ids["calls"]
    with session_scope(services.session_factory) as session:
        made = {
            "own": Playlist(name="华东案例", team_id=teams["own"], created_by="华东经理",
                            created_by_user_id=users["manager"]),
            "other": Playlist(name="华南案例", team_id=teams["other"], created_by="华南经理"),
            "none": Playlist(name="管理员的", team_id=None, created_by="另一位管理员",
                             created_by_user_id=users["admin2"]),
        }  # fmt: skip
        session.add_all(made.values())
        session.flush()
        session.add(PlaylistItem(playlist_id=made["own"].id, call_id=calls["own"], from_turn=0,
                                 to_turn=0))  # fmt: skip
        world.ids["playlists"] = {scope: p.id for scope, p in made.items()}


@pytest.fixture(scope="module")
def prepared(
    tmp_path_factory: pytest.TempPathFactory, analyzer: AnalyzerHolder
) -> tuple[Path, World]:
    """One data folder with the world in it; the cases copy it."""
    folder = tmp_path_factory.mktemp("matrix") / "data"
    services = open_services(_settings(folder))
    parts = PipelineParts(services.session_factory, services.store, FakeTranscriber(), analyzer.get)
    worker = Worker(parts, poll_s=0.05, retry_delay_s=0.0)
    world = World()
    with TestClient(build_app(services, worker, "fake-whisper", analyzer)) as client:
        _crm(client, world)
        users = _users(services, world)
        world.ids["users"] = users
        _calls(client, world)
        _qa(client, services, world, users)
        _playlists(services, world, users)
        card = client.get(f"/api/v1/calls/{world.id('calls', 'own')}/scorecard", headers=ENV_ADMIN)
        world.criteria = [c["key"] for c in card.json()["criteria"]]
    services.engine.dispose()
    return folder, world


def _settings(folder: Path) -> Settings:
    return Settings(data_dir=folder, admin_token=ADMIN_TOKEN, _env_file=None)


@pytest.fixture(scope="module")
def shared_app(
    prepared: tuple[Path, World], analyzer: AnalyzerHolder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """For requests that only read: one copy serves them all."""
    app, services = _app_on_copy(prepared[0], tmp_path_factory.mktemp("reads"), analyzer)
    yield app
    services.engine.dispose()


def _app_on_copy(template: Path, where: Path, analyzer: AnalyzerHolder) -> tuple[FastAPI, Services]:
    folder = where / "data"
    shutil.copytree(template, folder)
    services = open_services(_settings(folder))
    return build_app(services, None, "fake-whisper", analyzer), services


# ---------------------------------------------------------------- requests and expectations


@dataclass(frozen=True)
class Req:
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    files: dict[str, Any] | None = None


Build = Callable[[World, str, str], Req]  # (world, scope, role) → request


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    ok: tuple[int, ...]  # the statuses that mean "allowed"
    may: dict[str, tuple[str, ...]]  # role → the scopes it may act on
    build: Build | None = None
    scopes: tuple[str, ...] = FOUR


def may(
    admin: str = "", manager: str = "", rep: str = "", qa: str = ""
) -> dict[str, tuple[str, ...]]:
    """Scopes per role as space-separated words; `*` is every scope of the row."""
    given = {"admin": admin, "manager": manager, "rep": rep, "qa": qa}
    return {role: tuple(words.split()) for role, words in given.items()}


EVERYONE = may("*", "*", "*", "*")
_KINDS = {"calls": "calls", "teams": "teams", "reps": "reps", "customers": "customers",
          "opportunities": "opportunities", "follow-ups": "follow-ups", "targets": "targets",
          "playlists": "playlists", "rules": "rules", "plans": "plans",
          "trackers": "trackers", "vocabulary": "vocabulary"}  # fmt: skip


def _fill(path: str, world: World, scope: str, overrides: dict[str, int] | None = None) -> str:
    """Put the scope's record ids into the path's placeholders."""
    values = dict(overrides or {})
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part.startswith("{") and part[1:-1] not in values:
            of_kind = world.ids[_KINDS.get(parts[i - 1], "calls")]
            values[part[1:-1]] = of_kind.get(scope) or of_kind.get("-") or of_kind["own"]
    return path.format(**values)


def body(payload: Callable[[World, str], Any] | Any) -> Build:
    def build(world: World, scope: str, role: str) -> Req:
        return Req("", json=payload(world, scope) if callable(payload) else payload)

    return build


def _rows() -> list[Row]:
    return (
        _ingest_rows()
        + _crm_rows()
        + _sales_rows()
        + _qa_rows()
        + _coaching_rows()
        + _search_rows()
        + _other_rows()
    )


def _ingest_rows() -> list[Row]:
    read = may("*", "own team", "own", "own")
    upload = Row("POST", "/api/v1/calls", (202,), may("*", "own team none", "own none"), _upload)
    return [
        upload,
        Row("GET", "/api/v1/calls", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/api/v1/calls/{call_id}", (200,), read),
        Row("GET", "/api/v1/calls/{call_id}/transcript", (200,), read),
        Row("GET", "/api/v1/calls/{call_id}/audio", (200,), read),
        Row("GET", "/api/v1/calls/{call_id}/analysis", (200,), read),
        Row("DELETE", "/api/v1/calls/{call_id}", (204,), may("*", "own team")),
        Row("PATCH", "/api/v1/calls/{call_id}", (200,), may("*", "own team", "own"),
            body({"title": "改过的标题"})),
        Row("GET", "/api/v1/calls/{call_id}/changes", (200,), read),
        Row("POST", "/api/v1/calls/{call_id}/reanalyze", (202,), may("*", "own team")),
        Row("POST", "/api/v1/analyze", (200,), EVERYONE,
            body({"turns": [{"speaker": "rep", "text": "您好，请问贵公司现在有多少销售？"}]}), NO_SCOPE),
        Row("POST", "/api/v1/calls/{call_id}/turns/{index}/corrections", (201,),
            may("*", "own team", "", "own"), _correction),
        Row("GET", "/api/v1/calls/{call_id}/corrections", (200,), read),
        Row("GET", "/api/v1/corrections/export", (200,), may("*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/review-queue", (200,), may("*", "*", "", "*"), scopes=NO_SCOPE),
        Row("PATCH", "/api/v1/calls/{call_id}/turns/{turn_index}", (200,), may("*", "own team", "", "own"),
            _text_edit),
        Row("GET", "/api/v1/calls/{call_id}/transcript-edits", (200,), read),
        Row("GET", "/api/v1/vocabulary", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("POST", "/api/v1/vocabulary", (201,), may("*", "*"),
            body({"text": "星云系统", "kind": "product"}), NO_SCOPE),
        Row("DELETE", "/api/v1/vocabulary/{term_id}", (204,), may("*", "*"), scopes=NO_SCOPE),
    ]  # fmt: skip


def _text_edit(world: World, scope: str, role: str) -> Req:
    path = f"/api/v1/calls/{world.id('calls', scope)}/turns/0"
    return Req(path, json={"text": "您好，我是云帆科技的王经理。"})


def _correction(world: World, scope: str, role: str) -> Req:
    """Turn 0 of each prepared call is the rep's (one speaker, or the left channel)."""
    path = f"/api/v1/calls/{world.id('calls', scope)}/turns/0/corrections"
    return Req(path, json={"question_type": "situation"})


def _upload(world: World, scope: str, role: str) -> Req:
    fields = {} if scope == "none" else {"rep_id": str(world.id("reps", scope))}
    audio = (CALLS / "dev04.mono.wav").read_bytes()
    return Req("", data=fields, files={"audio": ("dev04.wav", audio, "audio/wav")})


def _crm_rows() -> list[Row]:
    team_write = may("*", "own team")
    rows = [
        Row("POST", "/api/v1/teams", (201,), may("*"), body({"name": "新团队"}), NO_SCOPE),
        Row("GET", "/api/v1/teams", (200,), may("*", "*", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/teams/{record_id}", (200,), may("*", "own", "own"), scopes=("own", "other")),
        Row("PATCH", "/api/v1/teams/{record_id}", (200,), may("*"), body({"name": "改名"}), ("own", "other")),
        Row("DELETE", "/api/v1/teams/{record_id}", (204,), may("*"), scopes=("own", "other")),
        Row("POST", "/api/v1/reps", (201,), may("*", "own"), body(_rep_in), ("own", "other", "none")),
        Row("PATCH", "/api/v1/reps/{record_id}", (200,), team_write, body({"name": "改名"})),
        Row("DELETE", "/api/v1/reps/{record_id}", (204, 409), team_write),
        Row("POST", "/api/v1/customers", (201,), team_write, body(_customer_in)),
        Row("PATCH", "/api/v1/customers/{record_id}", (200,), team_write, body({"company": "改名"})),
        Row("DELETE", "/api/v1/customers/{record_id}", (204, 409), team_write),
        Row("POST", "/api/v1/opportunities", (201,), team_write, body(_opportunity_in)),
        Row("PATCH", "/api/v1/opportunities/{record_id}", (200,), team_write, body({"name": "改名"})),
        Row("DELETE", "/api/v1/opportunities/{record_id}", (204, 409), team_write),
        Row("POST", "/api/v1/follow-ups", (201,), may("*", "own team", "own"), body(_follow_up_in)),
        Row("PATCH", "/api/v1/follow-ups/{record_id}", (200,), may("*", "own team", "own"),
            body({"content": "改了"})),
        Row("DELETE", "/api/v1/follow-ups/{record_id}", (204,), may("*", "own team", "own")),
        Row("POST", "/api/v1/import/{entity}", (200,), may("*", "*"), _import, NO_SCOPE),
        Row("GET", "/api/v1/export/{entity}", (200,), may("*", "*"), _export, NO_SCOPE),
    ]  # fmt: skip
    for kind, rep in (("reps", "own team"), ("customers", "own"), ("opportunities", "own"),
                      ("follow-ups", "own")):  # fmt: skip
        rows += [
            Row("GET", f"/api/v1/{kind}", (200,), may("*", "*", "*"), scopes=NO_SCOPE),
            Row("GET", f"/api/v1/{kind}/{{record_id}}", (200,), may("*", "own team", rep)),
        ]
    return rows


def _rep_in(world: World, scope: str) -> dict[str, Any]:
    return {"name": "新人", "team_id": world.ids["teams"].get(scope)}


def _customer_in(world: World, scope: str) -> dict[str, Any]:
    owner = world.id("reps", scope) if scope != "none" else None
    return {"company": "新客户", "owner_rep_id": owner}


def _opportunity_in(world: World, scope: str) -> dict[str, Any]:
    return {"name": "新商机", "customer_id": world.id("customers", scope),
            "owner_rep_id": world.id("reps", scope), "stage": "线索"}  # fmt: skip


def _follow_up_in(world: World, scope: str) -> dict[str, Any]:
    return {"rep_id": world.id("reps", scope), "customer_id": world.id("customers", scope),
            "occurred_at": "2026-11-21T10:00:00+08:00", "content": "回访"}  # fmt: skip


def _import(world: World, scope: str, role: str) -> Req:
    csv = f"company,owner_rep_id\n导入客户,{world.id('reps', 'own')}\n".encode()
    return Req("/api/v1/import/customers", files={"file": ("c.csv", csv, "text/csv")})


def _export(world: World, scope: str, role: str) -> Req:
    return Req("/api/v1/export/customers")


PERIOD = {"from": "2026-01-01", "to": "2027-01-01"}


def _sales_rows() -> list[Row]:
    report = may("*", "*", "*")
    targets = may("*", "own team")

    def period(world: World, scope: str, role: str) -> Req:
        return Req("", params=PERIOD)

    def trend(world: World, scope: str, role: str) -> Req:
        return Req("", params={**PERIOD, "rep_id": world.id("reps", scope)})

    return [
        Row("GET", "/api/v1/metrics/reps", (200,), report, period, NO_SCOPE),
        Row("GET", "/api/v1/metrics/funnel", (200,), report, period, NO_SCOPE),
        Row("GET", "/api/v1/metrics/commitments", (200,), report, period, NO_SCOPE),
        Row("GET", "/api/v1/metrics/behaviour", (200,), report, period, NO_SCOPE),
        Row("GET", "/api/v1/metrics/trend", (200,), may("*", "own team", "own team"), trend),
        Row("GET", "/api/v1/stalled-deals", (200,), report, scopes=NO_SCOPE),
        Row("GET", "/api/v1/opportunities/{opportunity_id}/outcomes", (200,), may("*", "own team", "own")),
        Row("POST", "/api/v1/targets", (201,), targets, body(_target_in)),
        Row("GET", "/api/v1/targets", (200,), may("*", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/targets/{record_id}", (200,), targets),
        Row("DELETE", "/api/v1/targets/{record_id}", (204,), targets),
        Row("GET", "/api/v1/targets/{target_id}/progress", (200,), targets),
    ]  # fmt: skip


def _target_in(world: World, scope: str) -> dict[str, Any]:
    owner = {
        "own": {"team_id": world.id("teams", "own")},
        "team": {"rep_id": world.id("reps", "team")},
        "other": {"team_id": world.id("teams", "other")},
        "none": {"rep_id": world.id("reps", "none")},
    }
    return {**owner[scope], "year": 2027, "amount": 5000}


def _qa_rows() -> list[Row]:
    rule = {"name": "禁用语2", "kind": "forbidden_phrase", "params": {"phrases": ["绝对"]}}

    def plan(world: World, scope: str, role: str) -> Req:
        qa_user = world.ids["users"]["qa"]
        return Req("", json={"name": "计划", "period_from": "2020-01-01", "period_to": "2030-01-01",
                             "method": "percent", "amount": 50, "reviewer_user_id": qa_user})  # fmt: skip

    def try_rule(world: World, scope: str, role: str) -> Req:
        return Req("", json={**rule, "call_id": world.id("calls", scope)})

    def review(kind: str, payload: dict[str, Any]) -> Build:
        def build(world: World, scope: str, role: str) -> Req:
            action = "appeal" if kind == "reviews" else "decision"
            return Req(f"/api/v1/qa/reviews/{world.id(kind, scope)}/{action}", json=payload)

        return build

    return [
        Row("GET", "/api/v1/qa/rules", (200,), may("*", "*", "", "*"), scopes=NO_SCOPE),
        Row("POST", "/api/v1/qa/rules", (201,), may("*", "", "", "*"), body(rule), NO_SCOPE),
        Row("PUT", "/api/v1/qa/rules/{rule_id}", (200,), may("*", "", "", "*"), body(rule), NO_SCOPE),
        Row("DELETE", "/api/v1/qa/rules/{rule_id}", (204,), may("*", "", "", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/calls/{call_id}/qa", (200,), may("*", "own team", "own", "own")),
        Row("POST", "/api/v1/qa/rules/test", (200,), may("*", "", "", "own"), try_rule),
        Row("GET", "/api/v1/qa/reviewers", (200,), may("*", "*", "", "*"), scopes=NO_SCOPE),
        Row("POST", "/api/v1/qa/plans", (201,), may("*", "*", "", "*"), plan, NO_SCOPE),
        Row("POST", "/api/v1/qa/plans/{plan_id}/draw", (200,), may("*", "*", "", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/qa/queue", (200,), may("*", "", "", "*"), scopes=NO_SCOPE),
        Row("POST", "/api/v1/calls/{call_id}/qa/reviews", (201,), may("*", "", "", "own"), body({})),
        Row("GET", "/api/v1/qa/reviews", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("POST", "/api/v1/qa/reviews/{review_id}/appeal", (200,), may("", "", "own"),
            review("reviews", {"text": "我不同意"})),
        Row("POST", "/api/v1/qa/reviews/{review_id}/decision", (200,), may("*", "", "", "*"),
            review("appeals", {"upheld": True})),
        Row("GET", "/api/v1/qa/reports", (200,), may("*", "*", "", "*"),
            lambda w, s, r: Req("", params=PERIOD), NO_SCOPE),
    ]  # fmt: skip


def _coaching_rows() -> list[Row]:
    read = may("*", "own team", "own", "own")

    def scorecard(world: World, scope: str) -> dict[str, Any]:
        return {"ratings": {key: 4 for key in world.criteria}}

    def moment(world: World, scope: str) -> dict[str, Any]:
        return {"call_id": world.id("calls", "own"), "from_turn": 0, "to_turn": 0}

    playlists = ("own", "other", "none")
    return [
        Row("POST", "/api/v1/calls/{call_id}/comments", (201,), read, body({"text": "不错"})),
        Row("GET", "/api/v1/calls/{call_id}/comments", (200,), read),
        Row("PUT", "/api/v1/calls/{call_id}/scorecard", (200,), may("*", "own team"), body(scorecard)),
        Row("GET", "/api/v1/calls/{call_id}/scorecard", (200,), read),
        Row("GET", "/api/v1/scorecard/criteria", (200,), may("*", "*"), scopes=NO_SCOPE),
        Row("PUT", "/api/v1/scorecard/criteria", (200,), may("*"),
            body([{"key": "all", "name": "整体", "weight": 100}]), NO_SCOPE),
        Row("POST", "/api/v1/playlists", (201,), may("*", "*"), body({"name": "新的"}), NO_SCOPE),
        Row("GET", "/api/v1/playlists", (200,), may("*", "*", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/playlists/{playlist_id}", (200,), may("*", "own", "own"), scopes=playlists),
        Row("POST", "/api/v1/playlists/{playlist_id}/items", (201,), may("*", "own"), body(moment), playlists),
    ]  # fmt: skip


def _search_rows() -> list[Row]:
    tracker = {"name": "竞品", "phrases": ["友商", "竞品"], "speaker": "customer"}
    return [
        Row("GET", "/api/v1/search", (200,), EVERYONE, lambda w, s, r: Req("", params={"q": "您好"}),
            NO_SCOPE),
        Row("GET", "/api/v1/trackers", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("POST", "/api/v1/trackers", (201,), may("*", "*"), body(tracker), NO_SCOPE),
        Row("PUT", "/api/v1/trackers/{tracker_id}", (200,), may("*", "*"), body(tracker), NO_SCOPE),
        Row("DELETE", "/api/v1/trackers/{tracker_id}", (204,), may("*", "*"), scopes=NO_SCOPE),
        Row("GET", "/api/v1/trackers/{tracker_id}/figures", (200,), may("*", "*", "*"),
            lambda w, s, r: Req("", params=PERIOD), NO_SCOPE),
        Row("GET", "/api/v1/calls/{call_id}/trackers", (200,), may("*", "own team", "own", "own")),
    ]  # fmt: skip


# Who may open each page of the web UI (the others get a Chinese 403 page).
UI_PAGES = {
    "calls": EVERYONE, "dashboard": may("*", "*", "*"), "team": may("*", "*"),
    "playlists": may("*", "*", "*"), "feedback": may("", "", "*"), "qa": may("*", "*", "", "*"),
    "qa-rules": may("*", "*", "", "*"), "scorecard": may("*"), "customers": may("*", "*", "*"),
    "opportunities": may("*", "*", "*"), "follow-ups": may("*", "*", "*"),
    "targets": may("*", "*"), "users": may("*"), "password": EVERYONE, "search": EVERYONE,
    "trackers": EVERYONE, "review": may("*", "*", "", "*"), "vocabulary": EVERYONE,
}  # fmt: skip


def _user_rows() -> list[Row]:
    def qa_user(world: World, scope: str, role: str) -> Req:
        qa = world.ids["users"]["qa"]
        return Req(f"/api/v1/users/{qa}", json={"name": "质检员", "role": "qa", "login": "qa1"})

    def reset(world: World, scope: str, role: str) -> Req:
        return Req(f"/api/v1/users/{world.ids['users']['qa']}/password")

    new_user = {"name": "新人", "role": "qa", "login": "new-qa"}
    token = {"name": "CRM 同步", "role": "admin"}
    change = {"old_password": "not-the-password", "new_password": "a-new-password"}
    return [
        Row("POST", "/api/v1/me/password", (204, 422), EVERYONE, body(change), NO_SCOPE),
        Row("GET", "/api/v1/users", (200,), may("*"), scopes=NO_SCOPE),
        Row("POST", "/api/v1/users", (201,), may("*"), body(new_user), NO_SCOPE),
        Row("PUT", "/api/v1/users/{user_id}", (200,), may("*"), qa_user, NO_SCOPE),
        Row("POST", "/api/v1/users/{user_id}/password", (200,), may("*"), reset, NO_SCOPE),
        Row("GET", "/api/v1/tokens", (200,), may("*"), scopes=NO_SCOPE),
        Row("POST", "/api/v1/tokens", (201,), may("*"), body(token), NO_SCOPE),
        Row("DELETE", "/api/v1/tokens/{token_id}", (204,), may("*"),
            lambda w, s, r: Req("/api/v1/tokens/1"), NO_SCOPE),
    ]  # fmt: skip


def _other_rows() -> list[Row]:
    def sign_in(world: World, scope: str, role: str) -> Req:
        return Req("", data={"login": role, "password": "not-the-password"})

    pages = [Row("GET", f"/ui/{page}", (200,), who, scopes=NO_SCOPE)
             for page, who in UI_PAGES.items()]  # fmt: skip
    return [
        *_user_rows(),
        *pages,
        Row("GET", "/ui/calls/{call_id}", (200,), may("*", "own team", "own", "own")),
        Row("GET", "/ui/sign-in", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("POST", "/ui/sign-in", (303,), EVERYONE, sign_in, NO_SCOPE),
        Row("POST", "/ui/sign-out", (303,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/api/v1/me", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/health", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/metrics", (200,), may("*"), scopes=NO_SCOPE),
        Row("GET", "/", (307,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/openapi.json", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/docs", (200,), EVERYONE, scopes=NO_SCOPE),
        Row("GET", "/redoc", (200,), EVERYONE, scopes=NO_SCOPE),
    ]


ROWS = _rows()
CASES = [(row, role, scope) for row in ROWS for role in ROLES for scope in row.scopes]


# ---------------------------------------------------------------- the tests


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves. Mounted static files are not routes."""
    found = set()
    for route in app.routes:
        inner = getattr(route, "original_router", None)  # an included APIRouter, kept whole
        for each in inner.routes if inner is not None else [route]:
            for method in getattr(each, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, each.path))
    return found


def test_every_route_has_a_row(shared_app: FastAPI) -> None:
    table = {(row.method, row.path) for row in ROWS}
    assert len(table) == len(ROWS), "a route has two rows"
    assert app_routes(shared_app) - table == set(), "routes without a row in the matrix"
    assert table - app_routes(shared_app) == set(), "rows for routes the app does not have"


def _expected(row: Row, role: str, scope: str) -> tuple[int, ...]:
    allowed = row.may.get(role, ())
    return row.ok if "*" in allowed or scope in allowed else (403,)


def _request(row: Row, world: World, role: str, scope: str) -> Req:
    built = row.build(world, scope, role) if row.build else Req("")
    return Req(built.path or _fill(row.path, world, scope), built.json, built.params, built.data,
               built.files)  # fmt: skip


@pytest.mark.parametrize(
    ("row", "role", "scope"), CASES, ids=[f"{r.method} {r.path} {role} {s}" for r, role, s in CASES]
)
def test_permission(
    row: Row,
    role: str,
    scope: str,
    prepared: tuple[Path, World],
    shared_app: FastAPI,
    analyzer: AnalyzerHolder,
    tmp_path: Path,
) -> None:
    template, world = prepared
    req = _request(row, world, role, scope)
    # As a browser on this origin would send it: the same-origin check lets it through.
    headers = {"Authorization": f"Bearer {world.tokens[role]}", "Origin": "http://testserver"}
    if row.method == "GET":
        response = _send(shared_app, row.method, req, headers)
    else:
        app, services = _app_on_copy(template, tmp_path, analyzer)
        try:
            response = _send(app, row.method, req, headers)
        finally:
            services.engine.dispose()
    assert response.status_code in _expected(row, role, scope), response.text[:300]
    if response.status_code == 403 and row.path.startswith("/ui/"):
        assert "没有权限" in response.text  # a person gets a page in Chinese, not JSON
    elif response.status_code == 403:
        assert response.json()["code"] == "forbidden"


def _send(app: FastAPI, method: str, req: Req, headers: dict[str, str]) -> Any:
    client = TestClient(app, follow_redirects=False)
    return client.request(method, req.path, headers=headers, json=req.json, params=req.params,
                          data=req.data, files=req.files)  # fmt: skip


# ---------------------------------------------------------------- the cases that were open


@dataclass(frozen=True)
class Copy:
    client: TestClient
    world: World
    services: Services


@pytest.fixture
def copy(prepared: tuple[Path, World], analyzer: AnalyzerHolder, tmp_path: Path) -> Iterator[Copy]:
    app, services = _app_on_copy(prepared[0], tmp_path, analyzer)
    yield Copy(TestClient(app), prepared[1], services)
    services.engine.dispose()


def _as(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def test_a_manager_cannot_move_reps_between_teams(copy: Copy) -> None:
    client, world = copy.client, copy.world
    manager, teams, reps = _as(world, "manager"), world.ids["teams"], world.ids["reps"]
    steal = client.patch(
        f"/api/v1/reps/{reps['other']}", headers=manager, json={"team_id": teams["own"]}
    )
    give = client.patch(
        f"/api/v1/reps/{reps['own']}", headers=manager, json={"team_id": teams["other"]}
    )
    drop = client.patch(f"/api/v1/reps/{reps['own']}", headers=manager, json={"team_id": None})
    assert (steal.status_code, give.status_code, drop.status_code) == (403, 403, 403)
    assert give.json()["detail"] == f"you may not open team {teams['other']}"
    assert (
        drop.json()["detail"]
        == f"you may not change rep {reps['own']}: it must belong to your team"
    )
    owners = {
        r["id"]: r["team_id"] for r in client.get("/api/v1/reps", headers=ENV_ADMIN).json()["items"]
    }
    assert (owners[reps["other"]], owners[reps["own"]]) == (teams["other"], teams["own"])
    # The other team's rep's calls stay closed to the manager.
    assert (
        client.get(f"/api/v1/calls/{world.id('calls', 'other')}", headers=manager).status_code
        == 403
    )


def test_a_manager_cannot_move_reps_by_import(copy: Copy) -> None:
    client, world = copy.client, copy.world
    teams = world.ids["teams"]

    def import_reps(team: int, headers: dict[str, str]) -> dict[str, Any]:
        csv = f"name,external_id,team_id\n张伟,B-1,{team}\n".encode()
        files = {"file": ("reps.csv", csv, "text/csv")}
        return dict(client.post("/api/v1/import/reps", headers=headers, files=files).json())

    assert import_reps(teams["other"], ENV_ADMIN)["created"] == 1  # a rep of team B
    report = import_reps(teams["own"], _as(world, "manager"))  # the manager pulls them in
    assert (report["updated"], report["failed"]) == (0, 1)
    assert report["errors"][0]["message"].startswith("you may not change rep")
    reps = client.get("/api/v1/reps", headers=ENV_ADMIN, params={"team_id": teams["other"]}).json()
    assert "张伟" in {r["name"] for r in reps["items"]}


def test_targets_stay_with_their_team(copy: Copy) -> None:
    client, world = copy.client, copy.world
    manager, targets = _as(world, "manager"), world.ids["targets"]
    listed = client.get("/api/v1/targets", headers=manager).json()["items"]
    assert {t["id"] for t in listed} == {targets["own"], targets["team"]}
    assert (
        client.get(f"/api/v1/targets/{targets['other']}/progress", headers=manager).status_code
        == 403
    )
    other_team = {"team_id": world.id("teams", "other"), "year": 2027, "amount": 1}
    assert client.post("/api/v1/targets", headers=manager, json=other_team).status_code == 403
    assert client.get("/api/v1/targets", headers=_as(world, "rep")).status_code == 403


def test_exports_and_lists_hold_only_the_managers_team(copy: Copy) -> None:
    client, world = copy.client, copy.world
    manager = _as(world, "manager")
    exported = client.get("/api/v1/export/reps", headers=manager).text
    assert "rep-own" in exported and "rep-team" in exported
    assert "rep-other" not in exported and "rep-none" not in exported
    for kind in ("customers", "opportunities", "follow-ups", "reps"):
        listed = {r["id"] for r in client.get(f"/api/v1/{kind}", headers=manager).json()["items"]}
        assert listed == {world.id(kind, "own"), world.id(kind, "team")}, kind
    mine = {
        r["id"] for r in client.get("/api/v1/customers", headers=_as(world, "rep")).json()["items"]
    }
    assert mine == {world.id("customers", "own")}


def test_reports_hold_only_the_managers_team(copy: Copy) -> None:
    client, world = copy.client, copy.world
    manager = _as(world, "manager")
    reps = client.get("/api/v1/metrics/reps", headers=manager, params=PERIOD).json()
    assert {r["rep_id"] for r in reps} == {world.id("reps", "own"), world.id("reps", "team")}
    asked_other = {**PERIOD, "team": world.id("teams", "other")}
    assert (
        client.get("/api/v1/metrics/reps", headers=manager, params=asked_other).status_code == 403
    )
    qa = client.get("/api/v1/qa/reports", headers=manager, params=PERIOD).json()
    assert {r["rep"] for r in qa["by_rep"]} == {"rep-own", "rep-team"}
    everyone = client.get("/api/v1/qa/reports", headers=ENV_ADMIN, params=PERIOD).json()
    assert {r["rep"] for r in everyone["by_rep"]} == {"rep-own", "rep-team", "rep-other"}


def test_a_record_with_no_team_is_the_admins_and_its_authors(copy: Copy) -> None:
    client, world = copy.client, copy.world
    playlist, call = world.id("playlists", "none"), world.id("calls", "none")
    loner_rep = _post(client, "reps", {"name": "无团队"})
    with session_scope(copy.services.session_factory) as session:
        loner = {
            "Authorization": f"Bearer {create_token(session, '无团队', 'rep', SYSTEM, rep_id=loner_rep)[1]}"
        }
    for headers in (loner, _as(world, "manager")):
        assert client.get(f"/api/v1/playlists/{playlist}", headers=headers).status_code == 403
        listed = client.get("/api/v1/playlists", headers=headers).json()
        assert playlist not in {p["id"] for p in listed}
        assert client.get(f"/api/v1/calls/{call}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/playlists/{playlist}", headers=_as(world, "qa")).status_code == 403
    assert client.get(f"/api/v1/playlists/{playlist}", headers=ENV_ADMIN).status_code == 200


def test_a_managers_upload_without_a_rep_stays_theirs(copy: Copy) -> None:
    client, world = copy.client, copy.world
    manager = _as(world, "manager")
    with (CALLS / "dev04.mono.wav").open("rb") as f:
        created = client.post(
            "/api/v1/calls", headers=manager, files={"audio": ("x.wav", f, "audio/wav")}
        )
    call_id = created.json()["id"]
    assert client.get(f"/api/v1/calls/{call_id}", headers=manager).status_code == 200
    assert call_id in {
        c["id"] for c in client.get("/api/v1/calls", headers=manager).json()["items"]
    }
    assert client.get(f"/api/v1/calls/{call_id}", headers=_as(world, "rep")).status_code == 403
