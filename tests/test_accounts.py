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
from huashu.runtime import Services, build_app, ensure_first_admin_file
from ingest.call_analysis import AnalyzerHolder
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


# ---------------------------------------------------------------- throttling that cannot be aimed


def _from(client: TestClient, address: str) -> TestClient:
    """Another browser of the same service, at another address."""
    return TestClient(client.app, client=(address, 50000))


def test_failures_from_elsewhere_cannot_lock_the_owner_out(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.ui._MOST_SLOWDOWN_S", 0.01)  # the slowdown itself: below
    password = _make_user(client)["password"]
    for i in range(5):
        attacker = _from(client, f"203.0.113.{i + 1}")
        codes = [_sign_in(attacker, "lina", f"wrong-{n}") for n in range(11)]
        assert codes[-1] == 429  # each attacking address runs out of tries…
    assert _sign_in(client, "lina", password) == 200  # …and the owner signs in from theirs


def test_a_try_at_an_account_under_attack_waits_longer() -> None:
    from api.ui import _slowdown

    assert [_slowdown(n) for n in (0, 10, 11, 14, 40)] == [0, 0, 0.5, 2.0, 5.0]


def test_the_account_counts_whatever_name_it_is_typed_as(client: TestClient) -> None:
    _make_user(client, phone="13800000001", email="lina@example.com")
    typed = ["lina", "13800000001", "LINA@example.com"] * 4
    codes = [_sign_in(client, name, "wrong") for name in typed[:11]]
    assert codes[:10] == [303] * 10 and codes[10] == 429  # one person, three names: ten tries


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    services: Services, analyzer: AnalyzerHolder
) -> None:
    def wrong_tries_counted(app: Any, address: str, login: str) -> int:
        """Eleven wrong passwords, each claiming another client in X-Forwarded-For."""
        _make_user(TestClient(app, client=(address, 50000)), login=login)
        codes = [_sign_in(TestClient(app, client=(address, 50000),
                                     headers={"X-Forwarded-For": f"198.51.100.{n}"}), login, "x")
                 for n in range(11)]  # fmt: skip
        return codes.count(303)

    app = build_app(services, None, "fake-whisper", analyzer)
    # not trusted: the header is the client's own claim; all eleven come from one address
    assert wrong_tries_counted(app, "127.0.0.1", "lina") == 10
    services.settings.trusted_proxies = "10.0.0.0/8"
    behind_proxy = build_app(services, None, "fake-whisper", analyzer)
    # the proxy at 10.0.0.2 says who each client is: eleven clients, one try each
    assert wrong_tries_counted(behind_proxy, "10.0.0.2", "zw") == 11


def test_a_valid_token_works_whatever_others_did_from_its_address(client: TestClient) -> None:
    wrong = [client.get("/api/v1/me", headers={"Authorization": f"Bearer nope-{i}"}).status_code
             for i in range(12)]  # fmt: skip
    assert wrong[:10] == [401] * 10 and wrong[-1] == 429
    assert client.get("/api/v1/me", headers=AUTH).status_code == 200


# ---------------------------------------------------------------- accounts


def test_one_users_login_cannot_be_anothers_phone_or_email(client: TestClient) -> None:
    _make_user(client, phone="13800000002", email="lina@example.com")
    for clash in ({"login": "13800000002"}, {"login": "lina@example.com"}, {"phone": "lina"},
                  {"login": "zw", "email": "LINA@example.com"}):  # fmt: skip
        body = {"name": "张伟", "role": "qa", "login": "zw", **clash}
        response = client.post("/api/v1/users", headers=AUTH, json=body)
        assert response.status_code == 409, clash
        assert response.json()["field"] == next(iter(k for k in clash if clash[k] != "zw"))


def test_a_taken_login_is_409_even_when_the_user_is_disabled(client: TestClient) -> None:
    _make_user(client)
    other = _make_user(client, name="张伟", login="zw")["user"]["id"]
    body = {"name": "张伟", "role": "qa", "login": "lina", "active": False}
    response = client.put(f"/api/v1/users/{other}", headers=AUTH, json=body)
    assert response.status_code == 409 and response.json()["field"] == "login"


def test_a_password_change_signs_out_the_other_browsers(client: TestClient) -> None:
    password = _make_user(client)["password"]
    elsewhere = _from(client, "192.0.2.10")
    assert (
        _sign_in(elsewhere, "lina", password) == 200 and _sign_in(client, "lina", password) == 200
    )
    change = {"old_password": password, "new_password": "a-new-password"}
    assert client.post("/api/v1/me/password", json=change, headers=SAME_SITE).status_code == 204
    assert client.get("/api/v1/me").status_code == 200  # the browser that changed it stays
    assert elsewhere.get("/api/v1/me").status_code == 401


def test_guessing_the_current_password_is_throttled(client: TestClient) -> None:
    password = _make_user(client)["password"]
    assert _sign_in(client, "lina", password) == 200
    change = {"old_password": "guess", "new_password": "a-new-password"}
    codes = [client.post("/api/v1/me/password", json=change, headers=SAME_SITE).status_code
             for _ in range(6)]  # fmt: skip
    assert codes == [422] * 5 + [429]


def test_signing_out_needs_this_sites_origin(client: TestClient) -> None:
    password = _make_user(client)["password"]
    assert _sign_in(client, "lina", password) == 200
    forged = client.post("/ui/sign-out", headers={"Origin": "http://evil.example"},
                         follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403 and client.get("/api/v1/me").status_code == 200
