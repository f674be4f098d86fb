"""Playlists of good moments, shared with the team."""

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
def team(client: TestClient, services: Services) -> dict[str, Any]:
    east = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    south = client.post("/api/v1/teams", headers=AUTH, json={"name": "华南"}).json()["id"]
    wang = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": east}).json()[
        "id"
    ]
    li = client.post("/api/v1/reps", headers=AUTH, json={"name": "李娜", "team_id": east}).json()[
        "id"
    ]
    zhang = client.post(
        "/api/v1/reps", headers=AUTH, json={"name": "张伟", "team_id": south}
    ).json()["id"]
    call_id = upload(
        client, CALLS / "dev01.stereo.wav", channels="rep-left", rep_id=str(wang)
    ).json()["id"]
    wait_for_status(client, call_id)
    with session_scope(services.session_factory) as session:

        def bearer(name: str, role: str, **kwargs: Any) -> dict[str, str]:
            token = create_token(session, name, role, SYSTEM, **kwargs)[1]
            return {"Authorization": f"Bearer {token}"}

        tokens = {"manager": bearer("经理", "manager", team_id=east), "li": bearer("李娜", "rep", rep_id=li),
                  "zhang": bearer("张伟", "rep", rep_id=zhang)}  # fmt: skip
    return {"call": call_id, "tokens": tokens}


def test_manager_shares_a_moment_the_team_can_play(
    client: TestClient, team: dict[str, Any]
) -> None:
    manager, li, zhang = team["tokens"]["manager"], team["tokens"]["li"], team["tokens"]["zhang"]
    assert (
        client.get(f"/api/v1/calls/{team['call']}/audio", headers=li).status_code == 403
    )  # a colleague's call
    playlist = client.post("/api/v1/playlists", headers=manager, json={"name": "优秀开场"}).json()
    item = {"call_id": team["call"], "from_turn": 0, "to_turn": 1, "note": "开场自然"}
    filled = client.post(f"/api/v1/playlists/{playlist['id']}/items", headers=manager, json=item)
    assert filled.status_code == 201
    moment = filled.json()["items"][0]
    assert [t["speaker"] for t in moment["turns"]] == ["rep", "customer"] and moment["start"] == 0.0
    assert client.get("/api/v1/playlists", headers=li).json()[0]["name"] == "优秀开场"
    assert client.get(f"/api/v1/playlists/{playlist['id']}", headers=li).status_code == 200
    assert (
        client.get(f"/api/v1/calls/{team['call']}/audio", headers=li).status_code == 200
    )  # shared now
    refused = client.get(f"/api/v1/playlists/{playlist['id']}", headers=zhang)  # other team
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"you may not open playlist {playlist['id']}"
    assert client.get(f"/api/v1/calls/{team['call']}/audio", headers=zhang).status_code == 403


def test_playlist_validation_and_roles(client: TestClient, team: dict[str, Any]) -> None:
    manager = team["tokens"]["manager"]
    assert (
        client.post(
            "/api/v1/playlists", headers=team["tokens"]["li"], json={"name": "x"}
        ).status_code
        == 403
    )
    playlist = client.post("/api/v1/playlists", headers=manager, json={"name": "异议处理"}).json()
    bad = client.post(f"/api/v1/playlists/{playlist['id']}/items", headers=manager,
                      json={"call_id": team["call"], "from_turn": 1, "to_turn": 99})  # fmt: skip
    assert bad.status_code == 422 and "not in call" in bad.json()["detail"]
    assert client.get(f"/api/v1/playlists/{playlist['id']}", headers=manager).json()["items"] == []
