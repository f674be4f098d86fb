"""Transcripts people can trust, over HTTP on a real database: the team's vocabulary (who may
change it, what it refuses), the CRM's names and the vocabulary correcting a call's words with the
original kept and shown, doubtful words marked, a person's edit of a turn (history, re-analysis,
search) and a correction learned from edits on several calls reaching the next call."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from auth.tokens import create_token
from huashu.runtime import Services
from models import TranscriptEdit, TranscriptSegment, VocabularyTerm, session_scope
from tests.audio_files import write_wav
from tests.conftest import AUTH, SYSTEM, upload, wait_for_status

Said = tuple[str, list[tuple[str, float]]]  # speaker, words with Whisper's probability

CALL: list[Said] = [
    ("rep", [("曾", 0.42), ("经理", 0.9), ("您好，", 0.95), ("我是", 0.97), ("赢", 0.4),
             ("翻", 0.35), ("科技", 0.9), ("的小王。", 0.95)]),
    ("customer", [("你好，", 0.98), ("什么", 0.97), ("事？", 0.96)]),
    ("rep", [("想", 0.95), ("跟您", 0.97), ("约个", 0.6), ("时间", 0.97), ("演示", 0.31),
             ("一下", 0.95), ("星云", 0.93), ("系统，", 0.9), ("下周二", 0.95), ("可以吗？", 0.96)]),
    ("customer", [("行，", 0.97), ("下周二", 0.96), ("下午", 0.95), ("三点", 0.93), ("吧。", 0.9)]),
]  # fmt: skip


def _put_transcript(services: Services, call_id: int, said: list[Said]) -> None:
    """The call's transcript as the worker stores Whisper's words (with their probabilities)."""
    with session_scope(services.session_factory) as session:
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_id == call_id))
        at = 0.0
        for i, (speaker, words) in enumerate(said):
            timed = []
            start = at
            for text, probability in words:
                timed.append([at, at + 0.25 * len(text), text, probability])
                at += 0.25 * len(text)
            session.add(TranscriptSegment(
                call_id=call_id, idx=i, start=start, end=at, speaker=speaker,
                text="".join(w for w, _ in words), words=timed,
            ))  # fmt: skip
            at += 0.5


def _reanalyse(client: TestClient, call_id: int) -> dict[str, Any]:
    assert client.post(f"/api/v1/calls/{call_id}/reanalyze", headers=AUTH).status_code == 202
    wait_for_status(client, call_id)
    return _analysis(client, call_id)


def _analysis(client: TestClient, call_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def team(client: TestClient, services: Services, tmp_path: Path) -> dict[str, Any]:
    """A team with a rep, the customer 云帆科技 (contact 孙丽) in the CRM, tokens per role."""
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    other = client.post("/api/v1/teams", headers=AUTH, json={"name": "华南"}).json()["id"]
    rep_id = client.post(
        "/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": team}
    ).json()["id"]
    customer = client.post(
        "/api/v1/customers",
        headers=AUTH,
        json={"company": "云帆科技", "contact": "孙丽", "owner_rep_id": rep_id},
    )
    assert customer.status_code == 201, customer.text
    with session_scope(services.session_factory) as session:
        made = {
            "rep": create_token(session, "王磊", "rep", SYSTEM, rep_id=rep_id),
            "manager": create_token(session, "华东经理", "manager", SYSTEM, team_id=team),
            "other_manager": create_token(session, "华南经理", "manager", SYSTEM, team_id=other),
            "qa": create_token(session, "质检员", "qa", SYSTEM),
        }
    tokens = {k: {"Authorization": f"Bearer {token}"} for k, (_, token) in made.items()}
    return {
        "rep_id": rep_id,
        "customer_id": customer.json()["id"],
        "tokens": tokens,
        "folder": tmp_path,
    }


def _call(client: TestClient, services: Services, team: dict[str, Any],
          said: list[Said] = CALL, customer: bool = True) -> int:  # fmt: skip
    fields = {"channels": "rep-left", "rep_id": str(team["rep_id"]),
              "occurred_at": "2026-11-23T10:00:00+08:00"}  # fmt: skip
    if customer:
        fields["customer_id"] = str(team["customer_id"])
    call_id: int = upload(client, _recording(team["folder"]), **fields).json()["id"]
    wait_for_status(client, call_id)
    _put_transcript(services, call_id, said)
    return call_id


_RECORDINGS = itertools.count()


def _recording(folder: Path) -> Path:
    """A stereo recording of its own (the same audio twice is one call): its words come from
    the stored transcript."""
    n = next(_RECORDINGS)
    noise = np.random.default_rng(n).normal(0, 0.01, (16_000 * 8, 2)).astype(np.float32)
    return write_wav(folder / f"call-{n}.wav", noise)


def test_the_vocabulary_is_kept_by_managers_and_read_by_everyone(
    client: TestClient, team: dict[str, Any]
) -> None:
    tokens = team["tokens"]
    made = client.post("/api/v1/vocabulary", headers=tokens["manager"],
                       json={"text": "星云系统", "kind": "product", "note": "我们的旗舰产品"})  # fmt: skip
    assert made.status_code == 201, made.text
    term = made.json()
    assert (term["text"], term["kind"], term["source"], term["created_by"]) == (
        "星云系统",
        "product",
        "manual",
        "华东经理",
    )
    taught = client.post("/api/v1/vocabulary", headers=AUTH,
                         json={"text": "孙经理", "kind": "person", "heard": "曾经理"})  # fmt: skip
    assert taught.status_code == 201 and taught.json()["heard"] == "曾经理"
    for who in ("rep", "qa", "manager"):
        listed = client.get("/api/v1/vocabulary", headers=tokens[who])
        assert listed.status_code == 200
        assert {t["text"] for t in listed.json()} == {"星云系统", "孙经理"}
    only = client.get("/api/v1/vocabulary", headers=AUTH, params={"kind": "product"}).json()
    assert [t["text"] for t in only] == ["星云系统"]
    for who in ("rep", "qa"):
        refused = client.post("/api/v1/vocabulary", headers=tokens[who],
                              json={"text": "天虹", "kind": "competitor"})  # fmt: skip
        assert refused.status_code == 403
        assert (
            client.delete(f"/api/v1/vocabulary/{term['id']}", headers=tokens[who]).status_code
            == 403
        )
    assert (
        client.delete(f"/api/v1/vocabulary/{term['id']}", headers=tokens["manager"]).status_code
        == 204
    )
    assert client.delete(f"/api/v1/vocabulary/{term['id']}", headers=AUTH).status_code == 404
    assert [t["text"] for t in client.get("/api/v1/vocabulary", headers=AUTH).json()] == ["孙经理"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": "", "kind": "product"}, 422, "text"),
        ({"text": "   ", "kind": "product"}, 422, "text"),
        ({"text": "一" * 21, "kind": "product"}, 422, "text"),
        ({"text": "星云", "kind": "brand"}, 422, "kind"),
        ({"text": "星云", "kind": "learned"}, 422, "kind"),
        ({"text": "星云", "kind": "product", "heard": "星云"}, 422, "heard"),
        ({"text": "星云", "kind": "product", "extra": 1}, 422, "extra"),
        ({"text": "星云系统", "kind": "product"}, 409, "text"),
    ],
)
def test_a_bad_term_is_refused_naming_its_field(
    client: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    assert client.post("/api/v1/vocabulary", headers=AUTH,
                       json={"text": "星云系统", "kind": "product"}).status_code == 201  # fmt: skip
    response = client.post("/api/v1/vocabulary", headers=AUTH, json=body)
    assert response.status_code == status, response.text
    assert response.json()["field"].split(".")[-1] == field or field in response.text
    assert len(client.get("/api/v1/vocabulary", headers=AUTH).json()) == 1  # nothing half-made


def test_the_crm_names_and_the_vocabulary_correct_the_call_and_the_original_is_kept(
    client: TestClient, services: Services, team: dict[str, Any]
) -> None:
    call_id = _call(client, services, team)
    analysis = _reanalyse(client, call_id)
    first = analysis["turns"][0]
    assert first["text"] == "孙经理您好，我是云帆科技的小王。"
    assert first["heard_text"] == "曾经理您好，我是赢翻科技的小王。"
    fixes = {(r["heard"], r["text"], r["reason"], r["kind"]) for r in first["replacements"]}
    assert fixes == {("曾经理", "孙经理", "vocabulary", "person"),
                     ("赢翻科技", "云帆科技", "vocabulary", "company")}  # fmt: skip
    for r in first["replacements"]:
        assert first["text"][r["start"] : r["end"]] == r["text"]
    # the doubtful word left as it was is marked where it stands in the text
    third = analysis["turns"][2]
    assert [third["text"][d["start"] : d["end"]] for d in third["doubtful"]] == ["演示"]
    assert third["doubtful"][0]["probability"] == pytest.approx(0.31)
    # search reads the corrected words, not Whisper's
    assert _search_hits(client, "云帆科技") == [call_id]
    assert _search_hits(client, "赢翻") == []
    # a call not linked to the customer is not corrected towards its names
    unlinked = _call(client, services, team, customer=False)
    plain = _reanalyse(client, unlinked)["turns"][0]
    assert "赢翻科技" in plain["text"] and plain["heard_text"] is None


def _search_hits(client: TestClient, q: str) -> list[int]:
    response = client.get("/api/v1/search", headers=AUTH, params={"q": q})
    assert response.status_code == 200, response.text
    return sorted({hit["call_id"] for hit in response.json()["items"]})


def test_a_person_edits_a_turn_and_the_call_follows(
    client: TestClient, services: Services, team: dict[str, Any]
) -> None:
    tokens = team["tokens"]
    call_id = _call(client, services, team)
    _reanalyse(client, call_id)
    path = f"/api/v1/calls/{call_id}/turns/2"
    new = "想跟您约个时间演示一下星云系统，下周二上门可以吗？"
    edited = client.patch(path, headers=tokens["manager"], json={"text": new})
    assert edited.status_code == 200, edited.text
    edit = edited.json()["edit"]
    assert (edit["text"], edit["edited_by"], edit["turn_index"]) == (new, "华东经理", 2)
    assert edit["old_text"] == "想跟您约个时间演示一下星云系统，下周二可以吗？"
    wait_for_status(client, call_id)
    analysis = _analysis(client, call_id)
    turn = analysis["turns"][2]
    assert turn["text"] == new and turn["edit"]["id"] == edit["id"]
    assert turn["doubtful"] == [] and turn["replacements"] == []
    assert "上门" in turn["tokens"]  # re-analysed: tokens (and labels) from the new words
    assert _search_hits(client, "上门") == [call_id]
    # a second edit: the history keeps both, the latest holds, and re-analysis keeps it
    again = "想跟您约个时间演示一下星云系统，下周二上午上门可以吗？"
    assert client.patch(path, headers=AUTH, json={"text": again}).status_code == 200
    wait_for_status(client, call_id)
    history = client.get(f"/api/v1/calls/{call_id}/transcript-edits", headers=tokens["rep"]).json()
    assert [(h["old_text"], h["text"]) for h in history] == [(edit["old_text"], new), (new, again)]
    assert _reanalyse(client, call_id)["turns"][2]["text"] == again


@pytest.mark.parametrize(
    ("who", "index", "text", "status"),
    [
        ("manager", 2, "", 422),
        ("manager", 2, "   \u200b", 422),
        ("manager", 2, "想跟您约个时间演示一下星云系统，下周二可以吗？", 422),  # unchanged
        ("manager", 2, "字" * 5001, 422),
        ("manager", 99, "新的文字", 404),
        ("rep", 2, "新的文字", 403),
        ("other_manager", 2, "新的文字", 403),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(
    client: TestClient, services: Services, team: dict[str, Any],
    who: str, index: int, text: str, status: int,
) -> None:  # fmt: skip
    call_id = _call(client, services, team)
    before = _reanalyse(client, call_id)["turns"]
    response = client.patch(f"/api/v1/calls/{call_id}/turns/{index}",
                            headers=team["tokens"][who], json={"text": text})  # fmt: skip
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["field"].split(".")[-1] == "text"
    assert _analysis(client, call_id)["turns"] == before
    with session_scope(services.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(TranscriptEdit)) == 0


def test_a_fix_made_on_three_calls_is_learned_and_the_fourth_call_comes_out_right(
    client: TestClient, services: Services, team: dict[str, Any]
) -> None:
    # 星云 is heard as 新云; nobody has it in the vocabulary, and the calls name no customer
    said: list[Said] = [
        ("rep", [("我们的", 0.95), ("新云", 0.9), ("系统", 0.95), ("今年", 0.9), ("升级了。", 0.9)]),
        ("customer", [("好的，", 0.97), ("发资料", 0.9), ("给我", 0.95), ("看看。", 0.9)]),
    ]  # fmt: skip
    edited = "我们的星云系统今年升级了。"
    learned: list[dict[str, Any]] = []
    for n in range(3):
        call_id = _call(client, services, team, said, customer=False)
        assert _reanalyse(client, call_id)["turns"][0]["text"] == "我们的新云系统今年升级了。"
        response = client.patch(
            f"/api/v1/calls/{call_id}/turns/0", headers=AUTH, json={"text": edited}
        )
        assert response.status_code == 200, response.text
        learned = response.json()["learned"]
        assert bool(learned) == (n == 2)  # learned on the third call, not before
        wait_for_status(client, call_id)
    assert [(t["heard"], t["text"], t["source"]) for t in learned] == [("新云", "星云", "learned")]
    listed = client.get("/api/v1/vocabulary", headers=AUTH, params={"kind": "learned"}).json()
    assert [(t["heard"], t["text"], t["confirmations"]) for t in listed] == [("新云", "星云", 3)]
    fourth = _call(client, services, team, said, customer=False)
    turn = _reanalyse(client, fourth)["turns"][0]
    assert turn["text"] == edited
    assert [(r["heard"], r["reason"]) for r in turn["replacements"]] == [("新云", "learned")]
    # removed, it is not applied to later calls, nor learned again from the same edits
    assert client.delete(f"/api/v1/vocabulary/{listed[0]['id']}", headers=AUTH).status_code == 204
    assert _reanalyse(client, fourth)["turns"][0]["text"] == "我们的新云系统今年升级了。"
    fifth = _call(client, services, team, said, customer=False)
    _reanalyse(client, fifth)
    again = client.patch(f"/api/v1/calls/{fifth}/turns/0", headers=AUTH, json={"text": edited})
    assert again.json()["learned"] == []
    with session_scope(services.session_factory) as session:
        rows = session.scalars(select(VocabularyTerm).where(VocabularyTerm.heard == "新云")).all()
        assert len(rows) == 1 and rows[0].removed_at is not None
