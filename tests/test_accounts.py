"""Accounts: password sign-in and sessions, what admins do to users and tokens, the first start's
admin account, and the CLI's user and token commands. Through the HTTP API and the CLI, as the
web UI and an operator use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from auth.passwords import hash_password, verify_password
from huashu.cli import app as cli
from huashu.runtime import Services, ensure_first_admin_file
from models import User, UserSession, session_scope
from tests.audio_files import SHORT_SPEECH
from tests.conftest import AUTH, upload

SAME_SITE = {"Origin": "http://testserver"}
runner = CliRunner()


def _make_user(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "李娜", "role": "qa", "login": "lina", **fields}
    response = client.post("/api/v1/users", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _sign_in(client: TestClient, login: str, password: str) -> int:
    response = client.post("/ui/sign-in", data={"login": login, "password": password},
                           headers=SAME_SITE, follow_redirects=False)  # fmt: skip
    location = response.headers.get("location", "")
    return 200 if response.status_code == 303 and location == "/ui/calls" else response.status_code


def test_passwords_are_argon2_hashes() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse") and not verify_password(stored, "wrong one")
    assert not verify_password(None, "anything")


def test_sign_in_by_login_phone_or_email_with_a_session_cookie(
    client: TestClient, services: Services
) -> None:
    made = _make_user(client, phone="13800000000", email="Li.Na@Example.com")
    password = made["password"]
    for login in ("lina", "13800000000", "li.na@example.com"):
        assert _sign_in(client, login, password) == 200, login
    assert client.get("/api/v1/me").json()["name"] == "李娜"  # the cookie, no token
    with session_scope(services.session_factory) as session:
        stored = session.scalars(select(UserSession.session_hash)).all()
    cookie = client.cookies.get("huashu_session")
    assert cookie and cookie not in stored and len(stored) == 3  # only hashes are stored
    assert _sign_in(client, "lina", "not-the-password") == 303  # back to the form, refused
    client.post("/ui/sign-out", headers=SAME_SITE)
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_passwords_are_throttled_per_account(client: TestClient) -> None:
    password = _make_user(client)["password"]
    codes = [_sign_in(client, "lina", f"wrong-{i}") for i in range(11)]
    assert codes[:10] == [303] * 10 and codes[10] == 429
    assert _sign_in(client, "lina", password) == 429  # locked for a while, even with the password


def test_one_persons_typos_do_not_lock_out_colleagues_at_the_same_address(
    client: TestClient,
) -> None:
    _make_user(client)
    colleague = client.post("/api/v1/users", headers=AUTH,
                            json={"name": "张伟", "role": "qa", "login": "zhangwei"})  # fmt: skip
    assert colleague.status_code == 201, colleague.text
    assert [_sign_in(client, "lina", f"wrong-{i}") for i in range(11)][-1] == 429
    # the same office address (TestClient's), another person: in at once
    assert _sign_in(client, "zhangwei", colleague.json()["password"]) == 200


def test_disabling_or_resetting_ends_sessions(client: TestClient) -> None:
    made = _make_user(client)
    user_id, password = made["user"]["id"], made["password"]
    assert _sign_in(client, "lina", password) == 200
    reset = client.post(f"/api/v1/users/{user_id}/password", headers=AUTH).json()["password"]
    assert client.get("/api/v1/me").status_code == 401  # signed out by the reset
    assert _sign_in(client, "lina", password) == 303 and _sign_in(client, "lina", reset) == 200
    body = {"name": "李娜", "role": "qa", "login": "lina", "active": False}
    assert client.put(f"/api/v1/users/{user_id}", headers=AUTH, json=body).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert _sign_in(client, "lina", reset) == 303


def test_admins_change_roles_and_links_and_names_stay_unique(client: TestClient) -> None:
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    user_id = _make_user(client)["user"]["id"]
    manager = {"name": "李娜", "role": "manager", "login": "lina", "team_id": team}
    changed = client.put(f"/api/v1/users/{user_id}", headers=AUTH, json=manager).json()
    assert (changed["role"], changed["team_id"]) == ("manager", team)
    no_team = client.put(
        f"/api/v1/users/{user_id}", headers=AUTH, json={**manager, "team_id": None}
    )
    assert no_team.status_code == 422 and no_team.json()["field"] == "team_id"
    taken = client.post(
        "/api/v1/users", headers=AUTH, json={"name": "x", "role": "qa", "login": "lina"}
    )
    assert taken.status_code == 409
    nameless = client.post("/api/v1/users", headers=AUTH, json={"name": "x", "role": "qa"})
    assert nameless.status_code == 422


def test_an_admin_cannot_lock_themselves_out(client: TestClient, services: Services) -> None:
    made = _make_user(client, role="admin", login="boss")
    assert _sign_in(client, "boss", made["password"]) == 200
    me = {"name": "李娜", "role": "qa", "login": "boss"}
    demoted = client.put(f"/api/v1/users/{made['user']['id']}", json=me, headers=SAME_SITE)
    assert demoted.status_code == 403


def test_own_password_change(client: TestClient) -> None:
    password = _make_user(client)["password"]
    assert _sign_in(client, "lina", password) == 200
    change = {"old_password": "wrong-password", "new_password": "a-new-password"}
    assert client.post("/api/v1/me/password", json=change, headers=SAME_SITE).status_code == 422
    change["old_password"] = password
    assert client.post("/api/v1/me/password", json=change, headers=SAME_SITE).status_code == 204
    assert _sign_in(client, "lina", "a-new-password") == 200


def test_tokens_are_managed_over_the_api_and_say_whose_they_are(client: TestClient) -> None:
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": team}).json()
    made = client.post("/api/v1/tokens", headers=AUTH,
                       json={"name": "外呼系统", "role": "rep", "rep_id": rep["id"]}).json()  # fmt: skip
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=AUTH).json()}
    token = listed[made["token"]["id"]]
    assert (token["rep"], token["team"]) == ("王磊", "华东")
    as_rep = {"Authorization": f"Bearer {made['secret']}"}
    assert client.get("/api/v1/me", headers=as_rep).json()["rep_id"] == rep["id"]
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=AUTH).status_code == 204
    assert client.get("/api/v1/me", headers=as_rep).status_code == 401


def test_first_start_creates_the_admin_account_once(services: Services) -> None:
    first = ensure_first_admin_file(services)
    assert first is not None and first.login == "admin"
    assert first.password_file.stat().st_mode & 0o077 == 0  # the owner's eyes only
    password = first.password_file.read_text().strip()
    with session_scope(services.session_factory) as session:
        admin = session.scalar(select(User).where(User.login == "admin"))
        assert admin is not None and verify_password(admin.password_hash, password)
    assert ensure_first_admin_file(services) is None


def test_an_upload_by_rep_name_links_the_rep(client: TestClient) -> None:
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊"}).json()["id"]
    call = upload(client, SHORT_SPEECH, rep="王磊").json()["id"]
    assert client.get(f"/api/v1/calls/{call}", headers=AUTH).json()["rep_id"] == rep


def test_cli_user_commands_and_token_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HUASHU_ADMIN_TOKEN", raising=False)
    created = runner.invoke(
        cli, ["user", "create", "--login", "qa1", "--name", "质检员", "--role", "qa"]
    )
    assert created.exit_code == 0, created.output
    assert len(created.stdout.strip().splitlines()[-1]) == 12
    assert "qa1\t质检员\tqa" in runner.invoke(cli, ["user", "list"]).stdout
    assert runner.invoke(cli, ["user", "reset-password", "1"]).exit_code == 0
    refused = runner.invoke(
        cli, ["user", "create", "--login", "qa1", "--name", "x", "--role", "qa"]
    )
    assert refused.exit_code == 1 and "already used" in refused.output
    runner.invoke(cli, ["token", "create", "--name", "crm", "--role", "qa"])
    assert "crm\tqa\tactive\tno rep\tno team" in runner.invoke(cli, ["token", "list"]).stdout
