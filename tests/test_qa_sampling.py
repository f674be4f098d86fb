"""QA sampling plans, queues, reviews, appeals and pass-rate reports."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from auth.tokens import create_token
from huashu.runtime import Services
from models import User, session_scope
from tests.audio_files import CALLS, REAL, SHORT_SPEECH
from tests.conftest import AUTH, SYSTEM, upload, wait_for_status

PERIOD = {"period_from": "2026-01-01", "period_to": "2027-01-01"}


@pytest.fixture
def qa(client: TestClient, services: Services) -> dict[str, Any]:
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    reps = [client.post("/api/v1/reps", headers=AUTH, json={"name": n, "team_id": team}).json()["id"]
            for n in ("王磊", "李娜")]  # fmt: skip
    files = [SHORT_SPEECH, CALLS / "dev01.mono.wav", CALLS / "dev02.mono.wav", CALLS / "dev03.mono.wav",
             CALLS / "dev04.mono.wav", REAL / "aishell1_BAC009S0764W0121.wav"]  # fmt: skip
    calls = []
    for n, path in enumerate(files):
        when = f"2026-11-{10 + n:02d}T10:00:00+08:00"
        call_id = upload(client, path, rep_id=str(reps[n % 2]), occurred_at=when).json()["id"]
        calls.append(call_id)
    for call_id in calls:
        wait_for_status(client, call_id)
    with session_scope(services.session_factory) as session:
        first = create_token(session, "质检员甲", "qa", SYSTEM)
        second = create_token(session, "质检员乙", "qa", SYSTEM)
        rep_token = create_token(session, "王磊", "rep", SYSTEM, rep_id=reps[0])[1]
        ids = {"first": first[0].user_id, "second": second[0].user_id}
    return {"reps": reps, "calls": calls, "reviewers": ids,
            "tokens": {k: {"Authorization": f"Bearer {t}"} for k, t in
                       (("first", first[1]), ("second", second[1]), ("rep", rep_token))}}  # fmt: skip


def _plan(client: TestClient, qa: dict[str, Any], **body: Any) -> int:
    payload = {"name": "十一月抽检", **PERIOD, "reviewer_user_id": qa["reviewers"]["first"], **body}
    response = client.post("/api/v1/qa/plans", headers=AUTH, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _draw(client: TestClient, plan_id: int) -> list[int]:
    response = client.post(f"/api/v1/qa/plans/{plan_id}/draw", headers=AUTH)
    assert response.status_code == 200, response.text
    return list(response.json()["call_ids"])


def test_methods_draw_the_right_number_and_the_same_calls_for_a_seed(
    client: TestClient, qa: dict[str, Any]
) -> None:
    assert len(_draw(client, _plan(client, qa, method="percent", amount=50, seed=7))) == 3
    count = _draw(client, _plan(client, qa, method="count", amount=4, seed=7))
    assert len(count) == 4 and count == _draw(
        client, _plan(client, qa, method="count", amount=4, seed=7)
    )
    stratified = _draw(client, _plan(client, qa, method="stratified", amount=2, seed=3))
    by_rep = {
        rep: [c for c in stratified if qa["calls"].index(c) % 2 == i]
        for i, rep in enumerate(qa["reps"])
    }
    assert all(len(v) == 2 for v in by_rep.values())  # at least k per rep
    assert len(_draw(client, _plan(client, qa, method="risk", amount=3, seed=5))) == 3


def test_empty_population_gives_an_empty_queue(client: TestClient, qa: dict[str, Any]) -> None:
    plan = _plan(
        client, qa, method="count", amount=5, period_from="2030-01-01", period_to="2030-02-01"
    )
    assert _draw(client, plan) == []
    assert client.get("/api/v1/qa/queue", headers=qa["tokens"]["first"]).json() == []


def test_risk_weighting_prefers_calls_with_rule_hits(
    client: TestClient, qa: dict[str, Any]
) -> None:
    # "您好" is in the fake transcript of every call's first segment; a rule on one rep's calls only
    # cannot be made from text, so hit all and check the weights move the draw: with every call hit,
    # risk sampling still draws exactly `amount` distinct calls.
    client.post("/api/v1/qa/rules", headers=AUTH,
                json={"name": "禁用词", "kind": "forbidden_phrase", "params": {"phrases": ["您好"]}})  # fmt: skip
    drawn = _draw(client, _plan(client, qa, method="risk", amount=6, seed=1))
    assert sorted(drawn) == sorted(qa["calls"])


def test_queue_review_appeal_decision_and_reports(client: TestClient, qa: dict[str, Any]) -> None:
    rule = client.post("/api/v1/qa/rules", headers=AUTH, json={
        "name": "禁用词：您好", "kind": "forbidden_phrase", "params": {"phrases": ["您好"]}, "points": 30})  # fmt: skip
    rule_id = rule.json()["id"]
    drawn = _draw(
        client,
        _plan(client, qa, method="count", amount=2, seed=11, filters={"rep_ids": [qa["reps"][0]]}),
    )
    first, second, rep = qa["tokens"]["first"], qa["tokens"]["second"], qa["tokens"]["rep"]
    queue = client.get("/api/v1/qa/queue", headers=first).json()
    assert [item["call_id"] for item in queue] == drawn
    assert (
        client.get(f"/api/v1/calls/{drawn[0]}/audio", headers=first).status_code == 200
    )  # queued: may open
    assert (
        client.get(f"/api/v1/calls/{drawn[0]}/audio", headers=second).status_code == 403
    )  # not their queue
    not_drawn = next(c for c in qa["calls"] if c not in drawn)
    assert client.get(f"/api/v1/calls/{not_drawn}", headers=first).status_code == 403

    failed = client.post(
        f"/api/v1/calls/{drawn[0]}/qa/reviews", headers=first, json={"note": "开场用语违规"}
    ).json()
    assert failed["total"] == 70 and failed["passed"] is False  # the automatic hit stands: 100 − 30
    assert failed["results"] == [
        {"rule_id": rule_id, "passed": False, "auto_hit": True, "overridden": False}
    ]
    overridden = client.post(f"/api/v1/calls/{drawn[1]}/qa/reviews", headers=first,
                             json={"results": {str(rule_id): True}}).json()  # fmt: skip
    assert overridden["passed"] is True and overridden["results"][0]["overridden"] is True
    assert client.get("/api/v1/qa/queue", headers=first).json() == []

    mine = client.get("/api/v1/qa/reviews", headers=rep).json()
    assert sorted(r["id"] for r in mine) == sorted(
        [failed["id"], overridden["id"]]
    )  # reviews of their calls
    appeal = client.post(
        f"/api/v1/qa/reviews/{failed['id']}/appeal", headers=rep, json={"text": "这是正常问候"}
    )
    assert appeal.status_code == 200 and appeal.json()["status"] == "appealed"
    waiting = client.get("/api/v1/qa/reviews", headers=second, params={"status": "appealed"}).json()
    assert [r["id"] for r in waiting] == [failed["id"]]
    own = client.post(
        f"/api/v1/qa/reviews/{failed['id']}/decision", headers=first, json={"upheld": False}
    )
    assert own.status_code == 403  # the first reviewer may not decide the appeal
    decided = client.post(f"/api/v1/qa/reviews/{failed['id']}/decision", headers=second,
                          json={"upheld": False, "note": "问候语不算违规"}).json()  # fmt: skip
    assert (
        decided["status"] == "overturned"
        and decided["passed"] is True
        and decided["decided_by"] == "质检员乙"
    )
    again = client.post(
        f"/api/v1/qa/reviews/{failed['id']}/appeal", headers=rep, json={"text": "再申诉"}
    )
    assert again.status_code == 409

    report = client.get(
        "/api/v1/qa/reports", headers=AUTH, params={"from": "2026-01-01", "to": "2030-01-01"}
    ).json()
    assert report["by_rep"] == [{"rep": "王磊", "reviews": 2, "passed": 2, "pass_rate": 1.0}]
    assert len(report["by_month"]) == 1 and report["by_month"][0]["reviews"] == 2
    assert report["by_rule"] == [
        {"rule_id": rule_id, "rule": "禁用词：您好", "reviews": 2, "passed": 1, "pass_rate": 0.5}
    ]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [({"method": "lottery", "amount": 1}, "method"), ({"method": "percent", "amount": 150}, "amount"),
     ({"method": "count", "amount": 2, "period_to": "2025-01-01"}, "period_to")],
)  # fmt: skip
def test_bad_plans(
    client: TestClient, qa: dict[str, Any], body: dict[str, Any], phrase: str
) -> None:
    payload = {"name": "x", **PERIOD, "reviewer_user_id": qa["reviewers"]["first"], **body}
    response = client.post("/api/v1/qa/plans", headers=AUTH, json=payload)
    assert response.status_code == 422 and phrase in response.json()["detail"]


def test_reviewer_must_be_qa(client: TestClient, qa: dict[str, Any], services: Services) -> None:
    with session_scope(services.session_factory) as session:
        rep_user = session.query(User).filter_by(role="rep").first()
        assert rep_user is not None
        rep_user_id = rep_user.id
    payload = {
        "name": "x",
        **PERIOD,
        "reviewer_user_id": rep_user_id,
        "method": "count",
        "amount": 1,
    }
    response = client.post("/api/v1/qa/plans", headers=AUTH, json=payload)
    assert response.status_code == 422 and "not a QA reviewer" in response.json()["detail"]


def test_a_reviewer_fails_a_call_no_rule_caught(client: TestClient, qa: dict[str, Any]) -> None:
    """A new team has no QA rules, and rules cannot catch everything a person hears: the
    reviewer's own verdict stands (the score stays the rules'), and an upheld appeal lifts it."""
    drawn = _draw(client, _plan(client, qa, method="count", amount=1, seed=3,
                                filters={"rep_ids": [qa["reps"][0]]}))  # fmt: skip
    first, second, rep = qa["tokens"]["first"], qa["tokens"]["second"], qa["tokens"]["rep"]
    failed = client.post(f"/api/v1/calls/{drawn[0]}/qa/reviews", headers=first,
                         json={"note": "报价前没有了解预算", "passed": False}).json()  # fmt: skip
    assert (failed["total"], failed["passed"]) == (100, False)
    client.post(f"/api/v1/qa/reviews/{failed['id']}/appeal", headers=rep, json={"text": "问过预算"})
    decided = client.post(f"/api/v1/qa/reviews/{failed['id']}/decision", headers=second,
                          json={"upheld": False}).json()  # fmt: skip
    assert decided["status"] == "overturned" and decided["passed"] is True
