"""Fixing a call after upload, over HTTP on a real database: relink (rep, customer,
opportunity), retitle, redate; who may; what follows (history, re-analysis, the follow-up draft,
search by the new rep, the calls list); what is refused and leaves the call as it was."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from auth.tokens import create_token
from huashu.runtime import Services
from models import session_scope
from tests.audio_files import write_wav
from tests.conftest import AUTH, SYSTEM, FakeTranscriber, upload, wait_for_status

_RECORDINGS = itertools.count()


def _post(client: TestClient, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def world(client: TestClient, services: Services, tmp_path: Path) -> dict[str, Any]:
    """Team 华东 with reps 王磊 and 李娜, team 华南 with 陈刚; a customer each with a deal; a call
    of 王磊's uploaded against the wrong customer; tokens per role."""
    east, south = _post(client, "teams", {"name": "华东"}), _post(client, "teams", {"name": "华南"})
    reps = {n: _post(client, "reps", {"name": n, "team_id": t})
            for n, t in (("王磊", east), ("李娜", east), ("陈刚", south))}  # fmt: skip
    customers = {c: _post(client, "customers", {"company": c, "owner_rep_id": reps["王磊"]})
                 for c in ("云帆科技", "星河软件")}  # fmt: skip
    deal = _post(client, "opportunities", {"name": "CRM 采购", "customer_id": customers["星河软件"],
                                           "owner_rep_id": reps["李娜"], "stage": "商机"})  # fmt: skip
    with session_scope(services.session_factory) as session:
        made = {
            "rep": create_token(session, "王磊", "rep", SYSTEM, rep_id=reps["王磊"]),
            "li": create_token(session, "李娜", "rep", SYSTEM, rep_id=reps["李娜"]),
            "manager": create_token(session, "华东经理", "manager", SYSTEM, team_id=east),
            "other_manager": create_token(session, "华南经理", "manager", SYSTEM, team_id=south),
            "qa": create_token(session, "质检员", "qa", SYSTEM),
        }
    tokens = {k: {"Authorization": f"Bearer {token}"} for k, (_, token) in made.items()}
    noise = np.random.default_rng(next(_RECORDINGS)).normal(0, 0.01, (16_000 * 6, 2))
    audio = write_wav(tmp_path / "call.wav", noise.astype(np.float32))
    call_id = upload(client, audio, channels="rep-left", rep_id=str(reps["王磊"]),
                     customer_id=str(customers["云帆科技"]), title="首次拜访",
                     occurred_at="2026-11-23T10:00:00+08:00").json()["id"]  # fmt: skip
    wait_for_status(client, call_id)
    return {"reps": reps, "customers": customers, "deal": deal, "tokens": tokens, "call": call_id}


def _call(client: TestClient, call_id: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/calls/{call_id}", headers=AUTH).json()
    return body


def test_a_manager_relinks_a_call_and_everything_follows(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id, tokens = world["call"], world["tokens"]
    # the deal brings its customer (星河软件) and its owner (李娜) along
    response = client.patch(f"/api/v1/calls/{call_id}", headers=tokens["manager"],
                            json={"opportunity_id": world["deal"], "title": "星河软件需求沟通",
                                  "occurred_at": "2026-11-24T15:00:00+08:00"})  # fmt: skip
    assert response.status_code == 200, response.text
    call = response.json()
    assert (call["rep"], call["customer"], call["opportunity_id"], call["title"]) == (
        "李娜", "星河软件", world["deal"], "星河软件需求沟通")  # fmt: skip
    moment = datetime.fromisoformat(_call(client, call_id)["occurred_at"])
    assert moment == datetime(2026, 11, 24, 7, tzinfo=UTC)  # 15:00 in Shanghai
    wait_for_status(client, call_id)  # re-analysed with the new links
    history = client.get(f"/api/v1/calls/{call_id}/changes", headers=tokens["li"]).json()
    assert {(h["field"], h["old_value"], h["new_value"]) for h in history} >= {
        ("rep", "王磊", "李娜"), ("customer", "云帆科技", "星河软件"), ("opportunity", None, "CRM 采购"),
        ("title", "首次拜访", "星河软件需求沟通")}  # fmt: skip
    assert {h["changed_by"] for h in history} == {"华东经理"}
    # the call is now 李娜's: in her calls, no longer 王磊's; the list filters by the new day
    assert [c["id"] for c in client.get("/api/v1/calls", headers=tokens["li"]).json()["items"]] == [
        call_id
    ]
    assert client.get("/api/v1/calls", headers=tokens["rep"]).json()["items"] == []
    day = client.get("/api/v1/calls", headers=AUTH,
                     params={"from": "2026-11-24T00:00:00+08:00", "to": "2026-11-25T00:00:00+08:00"})  # fmt: skip
    assert [c["id"] for c in day.json()["items"]] == [call_id]
    # the follow-up draft is the new customer's
    drafts = client.get("/api/v1/follow-ups", headers=AUTH, params={"status": "draft"}).json()[
        "items"
    ]
    assert {d["customer_id"] for d in drafts if d["call_id"] == call_id} <= {
        world["customers"]["星河软件"]
    }


def test_a_rep_fixes_their_own_call_but_cannot_give_it_away(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id, tokens = world["call"], world["tokens"]
    fixed = client.patch(f"/api/v1/calls/{call_id}", headers=tokens["rep"],
                         json={"customer_id": world["customers"]["星河软件"]})  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["customer"] == "星河软件"
    wait_for_status(client, call_id)
    away = client.patch(f"/api/v1/calls/{call_id}", headers=tokens["rep"],
                        json={"rep_id": world["reps"]["李娜"]})  # fmt: skip
    assert away.status_code == 403
    for who in ("li", "qa", "other_manager"):
        refused = client.patch(f"/api/v1/calls/{call_id}", headers=tokens[who], json={"title": "x"})
        assert refused.status_code in (403, 404), who
    assert _call(client, call_id)["rep"] == "王磊" and _call(client, call_id)["title"] == "首次拜访"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": "长" * 201}, 422, "title"),
        ({"rep_id": 9999}, 404, "rep_id"),
        ({"customer_id": 9999}, 404, "customer_id"),
        ({"occurred_at": "2026-11-24T15:00:00"}, 422, "occurred_at"),  # no offset
        ({"occurred_at": "1999-01-01T00:00:00+08:00"}, 422, "occurred_at"),
        ({"audio": "x"}, 422, "audio"),
    ],
)
def test_a_bad_change_is_refused_naming_its_field_and_changes_nothing(
    client: TestClient, world: dict[str, Any], body: dict[str, Any], status: int, field: str
) -> None:
    call_id = world["call"]
    before = _call(client, call_id)
    response = client.patch(f"/api/v1/calls/{call_id}", headers=AUTH, json=body)
    assert response.status_code == status, response.text
    assert field in response.text
    assert _call(client, call_id) == before
    assert client.get(f"/api/v1/calls/{call_id}/changes", headers=AUTH).json() == []


def test_a_deal_of_another_customer_is_refused(client: TestClient, world: dict[str, Any]) -> None:
    response = client.patch(f"/api/v1/calls/{world['call']}", headers=AUTH,
                            json={"customer_id": world["customers"]["云帆科技"],
                                  "opportunity_id": world["deal"]})  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "opportunity_id"


def test_records_about_a_call_name_it_by_its_title(
    client: TestClient, world: dict[str, Any]
) -> None:
    """QA results, playlist moments and follow-ups say which call by its title, and follow a
    retitle: a reader never meets "通话 #5"."""
    call_id = world["call"]
    playlist = _post(client, "playlists", {"name": "开场示范"})
    _post(client, f"playlists/{playlist}/items", {"call_id": call_id, "from_turn": 0, "to_turn": 0})
    _post(client, f"calls/{call_id}/qa/reviews", {"note": "抽检"})
    drafts = client.get("/api/v1/follow-ups", headers=AUTH, params={"status": "draft"}).json()
    assert [d["call_id"] for d in drafts["items"]] == [call_id]  # the analysis wrote one

    def titles() -> set[str | None]:
        moments = client.get(f"/api/v1/playlists/{playlist}", headers=AUTH).json()["items"]
        reviews = client.get("/api/v1/qa/reviews", headers=AUTH).json()
        follow_ups = client.get("/api/v1/follow-ups", headers=AUTH).json()["items"]
        return ({m["call_title"] for m in moments} | {r["call_title"] for r in reviews}
                | {f["call_title"] for f in follow_ups if f["call_id"] == call_id})  # fmt: skip

    assert titles() == {"首次拜访"}
    client.patch(f"/api/v1/calls/{call_id}", headers=AUTH, json={"title": "云帆科技首次拜访"})
    assert titles() == {"云帆科技首次拜访"}


def test_changing_the_channels_transcribes_the_call_again(
    client: TestClient, world: dict[str, Any], fake: FakeTranscriber, tmp_path: Path
) -> None:
    call_id, tokens = world["call"], world["tokens"]
    transcribed = len(fake.calls)
    fake.gate = threading.Event()  # the new transcription waits until released
    response = client.patch(f"/api/v1/calls/{call_id}", headers=tokens["rep"],
                            json={"channels": "mono"})  # fmt: skip
    assert response.status_code == 200 and response.json()["channels"] == "mono"
    wait_for_status(client, call_id, ("transcribing",))
    busy = client.patch(f"/api/v1/calls/{call_id}", headers=AUTH, json={"channels": "rep-right"})
    assert busy.status_code == 409 and busy.json()["field"] == "channels"
    fake.gate.set()
    wait_for_status(client, call_id)
    assert len(fake.calls) == transcribed + 1
    segments = client.get(f"/api/v1/calls/{call_id}/transcript", headers=AUTH).json()["segments"]
    assert [(s["speaker"], s["text"]) for s in segments] == [("unknown", "您好世界")]
    history = client.get(f"/api/v1/calls/{call_id}/changes", headers=AUTH).json()
    assert ("channels", "rep-left", "mono") in {
        (h["field"], h["old_value"], h["new_value"]) for h in history
    }
    # a one-channel recording has no side to be the rep's
    mono = write_wav(tmp_path / "mono.wav", np.random.default_rng(99).normal(0, 0.01, 16_000 * 6))
    mono_id = upload(client, mono).json()["id"]
    wait_for_status(client, mono_id)
    refused = client.patch(f"/api/v1/calls/{mono_id}", headers=AUTH, json={"channels": "rep-left"})
    assert refused.status_code == 422 and refused.json()["field"] == "channels"
    assert _call(client, mono_id)["channels"] == "mono"


def test_swapping_a_mono_calls_speakers_analyses_it_again(
    client: TestClient, world: dict[str, Any], tmp_path: Path
) -> None:
    """A mono call's rep and customer are guessed (voices, then what each says); when the guess
    is the wrong way round, whoever may fix the call swaps them and everything follows."""
    noise = np.random.default_rng(123).normal(0, 0.01, 16_000 * 6).astype(np.float32)
    call_id = upload(client, write_wav(tmp_path / "mono.wav", noise),
                     rep_id=str(world["reps"]["王磊"])).json()["id"]  # fmt: skip
    wait_for_status(client, call_id)

    def speakers() -> tuple[str, list[str]]:
        analysis = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()
        return analysis["speakers"]["method"], [t["speaker"] for t in analysis["turns"]]

    method, before = speakers()
    assert method in ("heuristic", "voices") and before
    swapped = client.patch(f"/api/v1/calls/{call_id}", headers=world["tokens"]["rep"],
                           json={"speakers_swapped": True})  # fmt: skip
    assert swapped.status_code == 200 and swapped.json()["speakers_swapped"] is True
    wait_for_status(client, call_id)
    other = {"rep": "customer", "customer": "rep"}
    assert speakers() == ("swapped", [other[s] for s in before])
    history = client.get(f"/api/v1/calls/{call_id}/changes", headers=AUTH).json()
    assert ("speakers_swapped", "false", "true") in {
        (h["field"], h["old_value"], h["new_value"]) for h in history
    }
