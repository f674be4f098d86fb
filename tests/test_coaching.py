"""Coaching: comments pinned to turns with replies, scorecards against weighted criteria."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from auth.tokens import create_token
from huashu.runtime import Services
from models import session_scope
from tests.audio_files import CALLS
from tests.conftest import AUTH, SYSTEM, upload, wait_for_status


@pytest.fixture
def call(client: TestClient, services: Services) -> dict[str, Any]:
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": team}).json()[
        "id"
    ]
    other = client.post("/api/v1/reps", headers=AUTH, json={"name": "张伟"}).json()["id"]
    with session_scope(services.session_factory) as session:
        tokens = {
            "rep": {
                "Authorization": f"Bearer {create_token(session, '王磊', 'rep', SYSTEM, rep_id=rep)[1]}"
            },
            "other": {
                "Authorization": f"Bearer {create_token(session, '张伟', 'rep', SYSTEM, rep_id=other)[1]}"
            },
            "manager": {
                "Authorization": f"Bearer {create_token(session, '经理', 'manager', SYSTEM, team_id=team)[1]}"
            },
        }
    call_id = upload(
        client, CALLS / "dev01.stereo.wav", channels="rep-left", rep_id=str(rep)
    ).json()["id"]
    wait_for_status(client, call_id)
    return {"id": call_id, "tokens": tokens}


def test_comments_pinned_to_turns_with_replies_visible_to_the_rep(
    client: TestClient, call: dict[str, Any]
) -> None:
    path = f"/api/v1/calls/{call['id']}/comments"
    manager, rep = call["tokens"]["manager"], call["tokens"]["rep"]
    first = client.post(path, headers=manager, json={"text": "这里可以先问预算", "turn_index": 1})
    assert first.status_code == 201 and first.json()["author_name"] == "经理"
    reply = client.post(
        path, headers=rep, json={"text": "好的，下次注意", "parent_id": first.json()["id"]}
    )
    assert reply.status_code == 201
    moment = client.post(path, headers=manager, json={"text": "这一段讲得好", "at_seconds": 12.5})
    assert moment.status_code == 201
    seen_by_rep = client.get(path, headers=rep).json()
    assert [c["text"] for c in seen_by_rep] == [
        "这里可以先问预算",
        "好的，下次注意",
        "这一段讲得好",
    ]
    assert seen_by_rep[1]["parent_id"] == first.json()["id"]
    assert client.get(path, headers=call["tokens"]["other"]).status_code == 403  # not their call


@pytest.mark.parametrize(
    ("body", "phrase"),
    [({"text": "x", "turn_index": 999}, "turn 999 does not exist"), ({"text": "   "}, "empty"),
     ({"text": "x", "at_seconds": 9999}, "within the call"), ({"text": "x", "parent_id": 424242}, "comment 424242")],
)  # fmt: skip
def test_bad_comments_are_refused(
    client: TestClient, call: dict[str, Any], body: dict[str, Any], phrase: str
) -> None:
    response = client.post(f"/api/v1/calls/{call['id']}/comments", headers=AUTH, json=body)
    assert response.status_code in (404, 422) and phrase in response.json()["detail"]
    assert client.get(f"/api/v1/calls/{call['id']}/comments", headers=AUTH).json() == []


def test_html_in_comments_is_stored_as_text(client: TestClient, call: dict[str, Any]) -> None:
    hostile = "<script>alert('x')</script>"
    created = client.post(
        f"/api/v1/calls/{call['id']}/comments", headers=AUTH, json={"text": hostile}
    ).json()
    assert created["text"] == hostile  # kept verbatim; every page renders it with textContent


def test_scorecard_is_weighted_and_read_by_the_rep(
    client: TestClient, call: dict[str, Any]
) -> None:
    path = f"/api/v1/calls/{call['id']}/scorecard"
    ratings = {"opening": 5, "discovery": 4, "spin": 3, "objections": 2, "commitment": 5}
    saved = client.put(
        path, headers=call["tokens"]["manager"], json={"ratings": ratings, "note": "整体不错"}
    )
    assert saved.status_code == 200
    # 15×5/5 + 25×4/5 + 20×3/5 + 20×2/5 + 20×5/5 = 15 + 20 + 12 + 8 + 20
    assert saved.json()["total"] == 75.0 and saved.json()["reviewer"] == "经理"
    seen = client.get(path, headers=call["tokens"]["rep"]).json()
    assert seen["ratings"] == ratings and seen["note"] == "整体不错"
    assert (
        client.put(path, headers=call["tokens"]["rep"], json={"ratings": ratings}).status_code
        == 403
    )


def test_scorecard_validation(client: TestClient, call: dict[str, Any]) -> None:
    path = f"/api/v1/calls/{call['id']}/scorecard"
    partial = client.put(path, headers=AUTH, json={"ratings": {"opening": 5}})
    assert partial.status_code == 422 and "missing" in partial.json()["detail"]
    too_high = {"opening": 9, "discovery": 4, "spin": 3, "objections": 2, "commitment": 5}
    assert client.put(path, headers=AUTH, json={"ratings": too_high}).status_code == 422


def test_admins_name_criteria_and_keys_follow(client: TestClient, call: dict[str, Any]) -> None:
    """The page sends names and weights only: a kept name keeps its key (and its ratings), a new
    one gets a key never used before."""
    before = {
        c["name"]: c["key"] for c in client.get("/api/v1/scorecard/criteria", headers=AUTH).json()
    }
    names = list(before)[:3]
    body = [{"name": n, "weight": 30} for n in names] + [{"name": "复述客户需求", "weight": 10}]
    saved = client.put("/api/v1/scorecard/criteria", headers=AUTH, json=body)
    assert saved.status_code == 200, saved.text
    keys = {c["name"]: c["key"] for c in saved.json()}
    assert all(keys[n] == before[n] for n in names)
    assert keys["复述客户需求"] not in before.values() and keys["复述客户需求"]
    same_name = [{"name": "开场", "weight": 50}, {"name": "开场", "weight": 50}]
    twice = client.put("/api/v1/scorecard/criteria", headers=AUTH, json=same_name).json()
    assert len({c["key"] for c in twice}) == 2


def test_criteria_weights_must_add_up(client: TestClient, call: dict[str, Any]) -> None:
    bad = [{"key": "a", "name": "开场", "weight": 50}, {"key": "b", "name": "收尾", "weight": 40}]
    response = client.put("/api/v1/scorecard/criteria", headers=AUTH, json=bad)
    assert (
        response.status_code == 422
        and "add up to 100 (they add up to 90)" in response.json()["detail"]
    )
    assert (
        len(client.get(f"/api/v1/calls/{call['id']}/scorecard", headers=AUTH).json()["criteria"])
        == 5
    )  # unchanged
    good = [{"key": "a", "name": "开场", "weight": 60}, {"key": "b", "name": "收尾", "weight": 40}]
    assert client.put("/api/v1/scorecard/criteria", headers=AUTH, json=good).status_code == 200
    card = client.put(
        f"/api/v1/calls/{call['id']}/scorecard", headers=AUTH, json={"ratings": {"a": 5, "b": 0}}
    ).json()
    assert card["total"] == 60.0
    assert (
        client.put(
            "/api/v1/scorecard/criteria", headers=call["tokens"]["manager"], json=good
        ).status_code
        == 403
    )
