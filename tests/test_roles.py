"""Roles on every endpoint: each role does its job and is refused (403) outside it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from auth.tokens import create_token
from huashu.runtime import Services
from models import session_scope
from tests.audio_files import CALLS, SHORT_SPEECH
from tests.conftest import ADMIN_TOKEN, AUTH, SYSTEM, upload, wait_for_status


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(client: TestClient, services: Services) -> dict[str, Any]:
    def post(path: str, body: dict[str, Any]) -> int:
        response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    east, south = post("teams", {"name": "华东"}), post("teams", {"name": "华南"})
    wang, li, zhang = (
        post("reps", {"name": n, "team_id": t})
        for n, t in (("王磊", east), ("李娜", east), ("张伟", south))
    )
    customer = post("customers", {"company": "星河科技", "owner_rep_id": wang})
    with session_scope(services.session_factory) as session:
        tokens = {
            "manager": create_token(session, "华东经理", "manager", SYSTEM, team_id=east)[1],
            "wang": create_token(session, "王磊", "rep", SYSTEM, rep_id=wang)[1],
            "zhang": create_token(session, "张伟", "rep", SYSTEM, rep_id=zhang)[1],
            "qa": create_token(session, "质检员", "qa", SYSTEM)[1],
        }
    calls = {}
    for name, rep, audio in (("wang", wang, SHORT_SPEECH), ("li", li, CALLS / "dev01.mono.wav"),
                             ("zhang", zhang, CALLS / "dev02.mono.wav")):  # fmt: skip
        calls[name] = upload(client, audio, rep_id=str(rep)).json()["id"]
        wait_for_status(client, calls[name])
    return {
        "teams": (east, south),
        "reps": (wang, li, zhang),
        "customer": customer,
        "tokens": tokens,
        "calls": calls,
    }


def _ids(client: TestClient, token: str) -> set[int]:
    response = client.get("/api/v1/calls", headers=_bearer(token))
    assert response.status_code == 200
    return {c["id"] for c in response.json()["items"]}


def test_each_role_lists_only_the_calls_it_may_see(
    client: TestClient, world: dict[str, Any]
) -> None:
    calls, tokens = world["calls"], world["tokens"]
    assert _ids(client, tokens["wang"]) == {calls["wang"]}
    assert _ids(client, tokens["manager"]) == {calls["wang"], calls["li"]}
    assert _ids(client, tokens["qa"]) == set()  # until QA queues exist, nothing
    assert _ids(client, ADMIN_TOKEN) == set(calls.values())


@pytest.mark.parametrize("part", ["", "/transcript", "/audio", "/analysis"])
def test_a_rep_cannot_open_another_reps_call(
    client: TestClient, world: dict[str, Any], part: str
) -> None:
    other = world["calls"]["li"]
    response = client.get(f"/api/v1/calls/{other}{part}", headers=_bearer(world["tokens"]["wang"]))
    assert response.status_code == 403
    assert (
        response.json()["detail"] == f"you may not open call {other}"
    )  # nothing about whose it is
    own = client.get(
        f"/api/v1/calls/{world['calls']['wang']}{part}", headers=_bearer(world["tokens"]["wang"])
    )
    assert own.status_code == 200


def test_a_manager_sees_the_team_but_not_other_teams(
    client: TestClient, world: dict[str, Any]
) -> None:
    manager = _bearer(world["tokens"]["manager"])
    assert (
        client.get(f"/api/v1/calls/{world['calls']['li']}/audio", headers=manager).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/calls/{world['calls']['zhang']}", headers=manager).status_code == 403
    )
    assert (
        client.post(f"/api/v1/calls/{world['calls']['li']}/reanalyze", headers=manager).status_code
        == 202
    )
    rows = client.get(
        "/api/v1/metrics/reps", headers=manager, params={"from": "2026-01-01", "to": "2027-01-01"}
    )
    assert {r["rep"] for r in rows.json()} == {"王磊", "李娜"}  # own team, without asking
    south = world["teams"][1]
    other = client.get("/api/v1/metrics/reps", headers=manager, params={"from": "2026-01-01", "to": "2027-01-01",
                                                                       "team": south})  # fmt: skip
    assert other.status_code == 403


def test_a_rep_uploads_only_as_themselves(client: TestClient, world: dict[str, Any]) -> None:
    wang = _bearer(world["tokens"]["wang"])
    with (CALLS / "dev03.mono.wav").open("rb") as f:
        own = client.post("/api/v1/calls", headers=wang, files={"audio": ("a.wav", f)})
    assert own.status_code == 202
    assert (
        client.get(f"/api/v1/calls/{own.json()['id']}", headers=AUTH).json()["rep_id"]
        == world["reps"][0]
    )
    with (CALLS / "dev04.mono.wav").open("rb") as f:
        other = client.post("/api/v1/calls", headers=wang, files={"audio": ("a.wav", f)},
                            data={"rep_id": str(world["reps"][2])})  # fmt: skip
    assert other.status_code == 403 and "only their own calls" in other.json()["detail"]


def test_what_a_rep_may_not_do(client: TestClient, world: dict[str, Any]) -> None:
    wang = _bearer(world["tokens"]["wang"])
    period = {"from": "2026-01-01", "to": "2027-01-01"}
    team = client.get(
        "/api/v1/metrics/reps", headers=wang, params=period
    )  # their team's, for the dashboard
    assert team.status_code == 200 and {r["rep"] for r in team.json()} == {"王磊", "李娜"}
    other = {**period, "team": world["teams"][1]}
    assert client.get("/api/v1/metrics/reps", headers=wang, params=other).status_code == 403
    assert (
        client.get(
            "/api/v1/metrics/reps", headers=_bearer(world["tokens"]["qa"]), params=period
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/calls/{world['calls']['wang']}", headers=wang).status_code == 403
    assert (
        client.post(f"/api/v1/calls/{world['calls']['wang']}/reanalyze", headers=wang).status_code
        == 403
    )
    opportunity = {
        "name": "x",
        "customer_id": world["customer"],
        "owner_rep_id": world["reps"][0],
        "stage": "商机",
    }
    assert client.post("/api/v1/opportunities", headers=wang, json=opportunity).status_code == 403
    assert client.get("/api/v1/export/customers", headers=wang).status_code == 403
    assert client.get("/api/v1/customers", headers=wang).status_code == 200  # reading is fine


def test_a_rep_keeps_their_own_follow_ups(client: TestClient, world: dict[str, Any]) -> None:
    wang = _bearer(world["tokens"]["wang"])
    mine = {
        "rep_id": world["reps"][0],
        "customer_id": world["customer"],
        "occurred_at": "2026-11-20T10:00:00+08:00",
    }
    created = client.post("/api/v1/follow-ups", headers=wang, json=mine)
    assert created.status_code == 201
    assert client.patch(f"/api/v1/follow-ups/{created.json()['id']}", headers=wang,
                        json={"content": "已发报价"}).status_code == 200  # fmt: skip
    theirs = {**mine, "rep_id": world["reps"][2]}
    assert client.post("/api/v1/follow-ups", headers=wang, json=theirs).status_code == 403


def test_what_qa_may_not_do(client: TestClient, world: dict[str, Any]) -> None:
    qa = _bearer(world["tokens"]["qa"])
    assert (
        client.get(f"/api/v1/calls/{world['calls']['wang']}/audio", headers=qa).status_code == 403
    )
    with SHORT_SPEECH.open("rb") as f:
        refused = client.post("/api/v1/calls", headers=qa, files={"audio": ("a.wav", f)})
    assert refused.status_code == 403 and "may not upload" in refused.json()["detail"]
    assert client.get("/api/v1/customers", headers=qa).status_code == 403
    text = {"turns": [{"speaker": "rep", "text": "您现在用什么系统"}]}
    assert client.post("/api/v1/analyze", headers=qa, json=text).status_code == 200


def test_tokens_need_the_record_their_role_points_at(services: Services) -> None:
    from core.errors import InvalidInput

    with session_scope(services.session_factory) as session:
        with pytest.raises(InvalidInput, match="rep record"):
            create_token(session, "x", "rep", SYSTEM)
        with pytest.raises(InvalidInput, match="existing team"):
            create_token(session, "y", "manager", SYSTEM, team_id=999)
