"""CRM records over HTTP: CRUD, validation with clear errors, call links and follow-up drafts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.audio_files import CALLS, SHORT_SPEECH
from tests.conftest import AUTH, upload, wait_for_status


def _post(client: TestClient, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def crm(client: TestClient) -> dict[str, Any]:
    team = _post(client, "teams", {"name": "华东", "external_id": "T-1"})
    rep = _post(client, "reps", {"name": "王磊", "team_id": team["id"], "external_id": "R-1"})
    customer = _post(client, "customers", {"company": "星河科技", "tier": "大客户", "owner_rep_id": rep["id"],
                                           "external_id": "C-1"})  # fmt: skip
    opportunity = _post(client, "opportunities", {"name": "CRM 采购", "customer_id": customer["id"],
                        "owner_rep_id": rep["id"], "stage": "商机", "amount": 120000, "external_id": "O-1",
                        "created_on": "2026-11-01"})  # fmt: skip
    return {"team": team, "rep": rep, "customer": customer, "opportunity": opportunity}


def test_crud_round_trip(client: TestClient, crm: dict[str, Any]) -> None:
    opp_id = crm["opportunity"]["id"]
    updated = client.patch(
        f"/api/v1/opportunities/{opp_id}", headers=AUTH, json={"stage": "方案", "amount": 150000}
    )
    assert (
        updated.status_code == 200
        and updated.json()["stage"] == "方案"
        and updated.json()["amount"] == 150000
    )
    won = client.patch(
        f"/api/v1/opportunities/{opp_id}", headers=AUTH, json={"status": "won", "stage": "成交"}
    )
    assert won.json()["status"] == "won" and won.json()["closed_on"] == date.today().isoformat()
    listed = client.get("/api/v1/opportunities", headers=AUTH, params={"status": "won"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == opp_id
    reps = client.get("/api/v1/reps", headers=AUTH, params={"team_id": crm["team"]["id"]}).json()
    assert [r["name"] for r in reps["items"]] == ["王磊"]
    found = client.get("/api/v1/customers", headers=AUTH, params={"q": "星河"}).json()
    assert found["total"] == 1
    assert client.delete(f"/api/v1/opportunities/{opp_id}", headers=AUTH).status_code == 204
    assert client.get(f"/api/v1/opportunities/{opp_id}", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "status", "phrase"),
    [
        ("reps", {"name": "李娜", "team_id": 999}, 404, "team 999 does not exist"),
        ("opportunities", {"name": "x", "customer_id": 999, "owner_rep_id": 1, "stage": "商机"}, 404,
         "customer 999 does not exist"),
        ("opportunities", {"name": "x", "customer_id": 1, "owner_rep_id": 1, "stage": "商机", "amount": -1}, 422,
         "amount"),
        ("opportunities", {"name": "x", "customer_id": 1, "owner_rep_id": 1, "stage": "商机", "status": "won",
                           "created_on": "2026-05-01", "closed_on": "2026-04-01"}, 422, "before created_on"),
        ("opportunities", {"name": "x", "customer_id": 1, "owner_rep_id": 1, "stage": "签单"}, 422,
         "unknown stage '签单'"),
        ("follow-ups", {"rep_id": 1, "customer_id": 1, "occurred_at": "2026-11-20T10:00:00+08:00",
                        "next_action": "发报价", "next_action_due": "2020-01-01"}, 422, "in the past"),
        ("reps", {"name": "重复", "external_id": "R-1"}, 409, "already used by rep"),
        ("customers", {"company": ""}, 422, "company"),
    ],
)  # fmt: skip
def test_bad_records_are_refused(
    client: TestClient,
    crm: dict[str, Any],
    path: str,
    body: dict[str, Any],
    status: int,
    phrase: str,
) -> None:
    before = client.get(f"/api/v1/{path}", headers=AUTH).json()["total"]
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == status and phrase in response.text
    assert client.get(f"/api/v1/{path}", headers=AUTH).json()["total"] == before  # nothing stored


def test_referenced_record_cannot_be_deleted(client: TestClient, crm: dict[str, Any]) -> None:
    response = client.delete(f"/api/v1/customers/{crm['customer']['id']}", headers=AUTH)
    assert response.status_code == 409 and "still referenced" in response.json()["detail"]


def test_upload_links_records_by_id_or_external_id(client: TestClient, crm: dict[str, Any]) -> None:
    call = upload(client, SHORT_SPEECH, opportunity_external_id="O-1").json()
    stored = client.get(f"/api/v1/calls/{call['id']}", headers=AUTH).json()
    # the opportunity brings its customer and owner along
    assert stored["opportunity_id"] == crm["opportunity"]["id"]
    assert stored["customer_id"] == crm["customer"]["id"] and stored["customer"] == "星河科技"
    assert stored["rep_id"] == crm["rep"]["id"] and stored["rep"] == "王磊"
    by_customer = client.get(
        "/api/v1/calls", headers=AUTH, params={"customer_id": crm["customer"]["id"]}
    ).json()
    assert [c["id"] for c in by_customer["items"]] == [call["id"]]
    other = client.get(
        "/api/v1/calls", headers=AUTH, params={"rep_id": crm["rep"]["id"] + 1}
    ).json()
    assert other["total"] == 0


@pytest.mark.parametrize(
    ("fields", "status", "phrase"),
    [({"rep_id": "77"}, 404, "rep 77 does not exist"), ({"customer_external_id": "nope"}, 404, "external id 'nope'"),
     ({"opportunity_id": "O-1"}, 422, "opportunity_external_id")],
)  # fmt: skip
def test_upload_with_unknown_links_is_refused(
    client: TestClient, crm: dict[str, Any], fields: dict[str, str], status: int, phrase: str
) -> None:
    response = upload(client, SHORT_SPEECH, **fields)
    assert response.status_code == status and phrase in response.json()["detail"]
    assert client.get("/api/v1/calls", headers=AUTH).json()["total"] == 0


def test_analysed_call_drafts_a_follow_up_to_confirm(
    client: TestClient, crm: dict[str, Any]
) -> None:
    call_id = upload(client, CALLS / "dev01.stereo.wav", channels="rep-left", rep_external_id="R-1",
                     customer_external_id="C-1").json()["id"]  # fmt: skip
    wait_for_status(client, call_id)
    drafts = client.get("/api/v1/follow-ups", headers=AUTH, params={"call_id": call_id}).json()[
        "items"
    ]
    assert len(drafts) == 1
    draft = drafts[0]
    assert (
        draft["status"] == "draft"
        and draft["channel"] == "call"
        and draft["rep_id"] == crm["rep"]["id"]
    )
    assert draft["content"].startswith("电话沟通") and draft["confirmed_at"] is None
    due = (date.today() + timedelta(days=3)).isoformat()
    edits = {"status": "open", "next_action": "周四上门演示", "next_action_due": due}
    confirmed = client.patch(f"/api/v1/follow-ups/{draft['id']}", headers=AUTH, json=edits)
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"] is not None
    soon = (date.today() + timedelta(days=7)).isoformat()
    due_list = client.get("/api/v1/follow-ups", headers=AUTH,
                          params={"status": "open", "due_before": soon, "rep_id": crm["rep"]["id"]}).json()  # fmt: skip
    assert [f["id"] for f in due_list["items"]] == [draft["id"]] and due_list["items"][0][
        "overdue"
    ] is False
    # analysing again leaves a confirmed record alone
    client.post(f"/api/v1/calls/{call_id}/reanalyze", headers=AUTH)
    wait_for_status(client, call_id)
    again = client.get(f"/api/v1/follow-ups/{draft['id']}", headers=AUTH).json()
    assert again["next_action"] == "周四上门演示" and again["status"] == "open"


def test_overdue_follow_ups_are_flagged(client: TestClient, crm: dict[str, Any]) -> None:
    created = _post(client, "follow-ups", {"rep_id": crm["rep"]["id"], "customer_id": crm["customer"]["id"],
                    "occurred_at": "2026-11-20T10:00:00+08:00", "next_action": "回访",
                    "next_action_due": date.today().isoformat()})  # fmt: skip
    factory = client.app.state.huashu.session_factory  # type: ignore[attr-defined]
    from models import FollowUp, session_scope

    with session_scope(factory) as session:  # time passes: the due date is now yesterday
        session.get(FollowUp, created["id"]).next_action_due = date.today() - timedelta(days=1)  # type: ignore[union-attr]
    listed = client.get("/api/v1/follow-ups", headers=AUTH, params={"status": "open"}).json()[
        "items"
    ]
    assert listed[0]["overdue"] is True
