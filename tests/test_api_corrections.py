"""Label probabilities, the conversation check and people's corrections, over HTTP on a real
database: stored and served, kept across re-analysis (or reported stale), used by the reports,
refused where they do not fit, and exported in the format the training module reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from analysis.examples import load_corrections
from auth.tokens import create_token
from huashu.runtime import Services
from models import CallLabel, TranscriptSegment, session_scope
from tests.audio_files import CALLS
from tests.conftest import AUTH, SYSTEM, upload, wait_for_status

DIALOGUE = [
    ("rep", "您好，我是星河软件的小王，现在方便聊两句吗？"),
    ("customer", "可以，你说吧。"),
    ("rep", "你们现在销售团队大概多少人，客户信息都放在哪里？"),
    ("customer", "三十来个人，基本都在Excel里，经常丢客户，挺头疼的。"),
    ("rep", "客户丢了对你们这个季度的业绩影响大吗？"),
    ("customer", "影响挺大的，上个月就丢了两个大单。"),
    ("rep", "那下周二下午我过去给您做个演示，您看可以吗？"),
    ("customer", "行，下周二下午三点吧，我让采购也在。"),
]
MONOLOGUE = [
    ("rep", "欢迎收听本期节目，今天我们聊聊职场沟通。"),
    ("rep", "大家好，很多听众来信问怎么跟领导汇报工作。"),
    ("rep", "首先要讲结论，其次要讲依据，最后要讲计划。"),
    ("rep", "好了，本期节目就到这里，我们下期再见。"),
]
PERIOD = {"from": "2026-01-01", "to": "2027-01-01"}


def _put_transcript(services: Services, call_id: int, turns: list[tuple[str, str]]) -> None:
    """Give the call a stored transcript of these turns, as the worker would have stored it."""
    with session_scope(services.session_factory) as session:
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_id == call_id))
        for i, (speaker, text) in enumerate(turns):
            start = i * 5.0
            session.add(TranscriptSegment(call_id=call_id, idx=i, start=start, end=start + 4.0,
                                          speaker=speaker, text=text, words=[]))  # fmt: skip


def _reanalyse(client: TestClient, call_id: int) -> dict[str, Any]:
    assert client.post(f"/api/v1/calls/{call_id}/reanalyze", headers=AUTH).status_code == 202
    wait_for_status(client, call_id)
    response = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def world(client: TestClient, services: Services) -> dict[str, Any]:
    """Two teams, a rep in each, one analysed sales call of team A's rep; tokens per role."""
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    other_team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华南"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": team})
    rep_id = rep.json()["id"]
    with session_scope(services.session_factory) as session:
        made = {
            "rep": create_token(session, "王磊", "rep", SYSTEM, rep_id=rep_id),
            "manager": create_token(session, "华东经理", "manager", SYSTEM, team_id=team),
            "other_manager": create_token(
                session, "华南经理", "manager", SYSTEM, team_id=other_team
            ),
            "qa": create_token(session, "质检员", "qa", SYSTEM),
        }
        tokens = {k: {"Authorization": f"Bearer {token}"} for k, (_, token) in made.items()}
    call_id = upload(
        client, CALLS / "dev01.stereo.wav", channels="rep-left", rep_id=str(rep_id),
        occurred_at="2026-11-23T10:00:00+08:00",
    ).json()["id"]  # fmt: skip
    wait_for_status(client, call_id)
    _put_transcript(services, call_id, DIALOGUE)
    return {
        "call": call_id,
        "rep_id": rep_id,
        "tokens": tokens,
        "analysis": _reanalyse(client, call_id),
    }


def _correct(client: TestClient, call_id: int, index: int, body: Any, headers: Any = AUTH) -> Any:
    return client.post(
        f"/api/v1/calls/{call_id}/turns/{index}/corrections", headers=headers, json=body
    )


def test_labels_carry_probabilities_and_the_call_its_conversation_check(
    world: dict[str, Any],
) -> None:
    body = world["analysis"]
    turns = body["turns"]
    assert body["conversation"]["is_sales_call"] is True
    assert 0.5 <= body["conversation"]["confidence"] <= 1 and body["conversation"]["reasons"]
    assert body["score"] is not None and 0 <= body["score"]["total"] <= 100
    for turn in turns:
        assert turn["correction"] is None
        assert turn["model_labels"]["question_type"] == turn["question_type"]
        probability = turn[
            "question_probability" if turn["speaker"] == "rep" else "commitment_probability"
        ]
        assert probability is not None and 0 < probability <= 1, turn
        assert all(0 < q["probability"] <= 1 for q in turn["questions"])
    assert turns[7]["commitment"] == "advance"
    assert body["commitments"][0]["probability"] == turns[7]["commitment_probability"]
    assert body["commitments"][0]["corrected"] is False


def test_a_non_sales_recording_gets_no_score_and_no_commitments(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    _put_transcript(services, call_id, MONOLOGUE)
    body = _reanalyse(client, call_id)
    assert body["conversation"]["is_sales_call"] is False and body["conversation"]["reasons"]
    assert body["score"] is None and body["commitments"] == [] and not body["commitment_secured"]
    listed = client.get("/api/v1/calls", headers=AUTH).json()["items"]
    assert [c["score"] for c in listed if c["id"] == call_id] == [None]
    reps = client.get("/api/v1/metrics/reps", headers=AUTH, params=PERIOD).json()
    mine = next(r for r in reps if r["rep_id"] == world["rep_id"])
    # no score to average, and no call where a commitment could have been asked for
    assert mine["calls"] == 1 and mine["analysed_calls"] == 0 and mine["mean_score"] == 0.0
    assert mine["commitment_rate"] == 0.0


def test_a_manager_corrects_a_commitment_and_it_shows_and_counts(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id, manager = world["call"], world["tokens"]["manager"]
    before = client.get("/api/v1/metrics/commitments", headers=manager, params=PERIOD).json()
    assert before[0]["committed_calls"] == 1
    made = _correct(
        client, call_id, 7, {"commitment": "continuation", "note": "只是同意看资料"}, manager
    )
    assert made.status_code == 201, made.text
    correction = made.json()
    assert (correction["old_label"], correction["label"]) == ("advance", "continuation")
    assert correction["corrected_by"] == "华东经理" and correction["corrected_at"]

    body = client.get(f"/api/v1/calls/{call_id}/analysis", headers=manager).json()
    turn = body["turns"][7]
    assert turn["commitment"] == "continuation" and turn["model_labels"]["commitment"] == "advance"
    assert turn["correction"]["id"] == correction["id"]
    assert body["commitments"] == [] and body["commitment_secured"] is False
    # the coaching score's commitment part follows: an advance earned 30, a continuation 10
    parts = {r["criterion"]: r["points"] for r in body["score"]["reasons"]}
    was = {r["criterion"]: r["points"] for r in world["analysis"]["score"]["reasons"]}
    assert (was["commitment"], parts["commitment"]) == (30, 10)
    assert body["score"]["total"] == world["analysis"]["score"]["total"] - 20
    after = client.get("/api/v1/metrics/commitments", headers=manager, params=PERIOD).json()
    assert after[0]["committed_calls"] == 0
    assert (
        client.get(f"/api/v1/calls/{call_id}", headers=manager).json()["commitment_secured"]
        is False
    )


def test_the_latest_correction_wins_and_the_history_is_kept(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    assert _correct(client, call_id, 7, {"commitment": "decline"}).status_code == 201
    second = _correct(client, call_id, 7, {"commitment": "advance", "commitment_action": "签约",
                                           "commitment_due": "2026-12-15"})  # fmt: skip
    assert second.status_code == 201, second.text
    assert second.json()["old_label"] == "decline"
    history = client.get(f"/api/v1/calls/{call_id}/corrections", headers=AUTH).json()
    assert [c["label"] for c in history] == ["decline", "advance"]
    body = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()
    assert body["turns"][7]["commitment_action"] == "签约"
    assert body["turns"][7]["commitment_due"] == "2026-12-15"
    [commitment] = body["commitments"]
    assert (commitment["action"], commitment["due"], commitment["corrected"]) == (
        "签约", "2026-12-15", True)  # fmt: skip


def test_a_question_type_correction_replaces_the_turns_questions_in_the_spin_mix(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    reps = client.get("/api/v1/metrics/reps", headers=AUTH, params=PERIOD).json()
    before = next(r for r in reps if r["rep_id"] == world["rep_id"])
    assert world["analysis"]["turns"][4]["question_type"] == "implication"
    assert _correct(client, call_id, 4, {"question_type": "problem"}).status_code == 201
    body = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()
    assert body["turns"][4]["question_type"] == "problem"
    assert body["turns"][4]["model_labels"]["question_type"] == "implication"
    reps = client.get("/api/v1/metrics/reps", headers=AUTH, params=PERIOD).json()
    after = next(r for r in reps if r["rep_id"] == world["rep_id"])
    assert after["spin_mix"]["implication"] < before["spin_mix"]["implication"]
    assert after["spin_mix"]["problem"] > before["spin_mix"]["problem"]


def test_min_confidence_leaves_out_unsure_model_labels_but_never_corrected_ones(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    _put_transcript(services, call_id, [*DIALOGUE[:7], ("customer", "嗯，周二应该可以吧。")])
    turns = _reanalyse(client, call_id)["turns"]
    p = turns[7]["commitment_probability"]
    [(q, _)] = [(x["probability"], x) for x in turns[4]["questions"]]
    assert turns[7]["commitment"] == "advance" and p < 1 and q < 1  # an unsure advance

    def report(min_confidence: float | None) -> tuple[int, float]:
        params = PERIOD if min_confidence is None else {**PERIOD, "min_confidence": min_confidence}
        ranked = client.get("/api/v1/metrics/commitments", headers=AUTH, params=params).json()
        reps = client.get("/api/v1/metrics/reps", headers=AUTH, params=params).json()
        return int(ranked[0]["committed_calls"]), float(reps[0]["spin_mix"]["implication"])

    assert report(None) == report(0) == report(min(p, q))
    assert report(None)[0] == 1 and report(None)[1] > 0
    assert report(p + 0.0001)[0] == 0 and report(q + 0.0001)[1] == 0
    assert _correct(client, call_id, 7, {"commitment": "advance"}).status_code == 201
    assert _correct(client, call_id, 4, {"question_type": "implication"}).status_code == 201
    assert report(1.0) == (1, 1.0)  # a person checked them; the model's other questions drop
    assert client.get("/api/v1/metrics/reps", headers=AUTH,
                      params={**PERIOD, "min_confidence": 1.5}).json()["field"] == "min_confidence"  # fmt: skip


def test_corrections_survive_reanalysis_and_go_stale_when_the_text_changes(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    assert _correct(client, call_id, 7, {"commitment": "continuation"}).status_code == 201
    body = _reanalyse(client, call_id)
    assert body["turns"][7]["commitment"] == "continuation" and body["stale_corrections"] == []
    assert body["commitment_secured"] is False

    changed = [*DIALOGUE[:7], ("customer", "行，下周二下午三点吧，我让采购和财务都在。")]
    _put_transcript(services, call_id, changed)
    body = _reanalyse(client, call_id)
    assert body["turns"][7]["commitment"] == "advance" and body["turns"][7]["correction"] is None
    [stale] = body["stale_corrections"]
    assert stale["turn_index"] == 7 and stale["turn_text"] == DIALOGUE[7][1]
    assert body["commitment_secured"] is True


@pytest.mark.parametrize(
    ("index", "payload", "field"),
    [
        (7, {"commitment": "maybe"}, "commitment"),
        (4, {"question_type": "need-payoff"}, "question_type"),
        (4, {"commitment": "advance"}, "commitment"),  # a rep turn has no outcome
        (7, {"question_type": "situation"}, "question_type"),  # a customer turn asks nothing
        (7, {}, "question_type"),
        (7, {"commitment": "advance", "question_type": None}, "question_type"),
        (7, {"commitment": "decline", "commitment_action": "演示"}, "commitment_action"),
        (7, {"commitment": "advance", "commitment_due": "tomorrow"}, "commitment_due"),
        (7, {"commitment": "advance", "commitment_due": "1900-01-01"}, "commitment_due"),
        (7, {"commitment": "advance", "commitment_action": "   "}, "commitment_action"),
        (7, {"commitment": "advance", "commitment_action": "演" * 41}, "commitment_action"),
        (7, {"commitment": "advance", "note": "x" * 501}, "note"),
        (7, {"commitment": "advance", "extra": 1}, "extra"),
        (4, {"question_type": None, "commitment_due": "2026-12-01"}, "commitment_due"),
    ],
)
def test_bad_corrections_are_422_naming_the_field(
    client: TestClient, world: dict[str, Any], index: int, payload: Any, field: str
) -> None:
    response = _correct(client, world["call"], index, payload)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(f"/api/v1/calls/{world['call']}/corrections", headers=AUTH).json() == []


def test_corrections_of_turns_and_calls_that_do_not_exist(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    assert _correct(client, call_id, 8, {"commitment": "advance"}).status_code == 404
    assert _correct(client, call_id, -1, {"commitment": "advance"}).status_code == 422
    assert _correct(client, 999_999, 0, {"question_type": None}).status_code == 404
    assert _correct(client, call_id, 7, "advance").status_code == 422
    assert _correct(client, call_id, 7, {"commitment": "advance"}, {}).status_code == 401


def test_who_may_correct(client: TestClient, world: dict[str, Any]) -> None:
    call_id, tokens = world["call"], world["tokens"]
    change = {"commitment": "continuation"}
    refused = _correct(client, call_id, 7, change, tokens["rep"])
    assert refused.status_code == 403 and "rep role may not correct labels" in refused.text
    assert _correct(client, call_id, 7, change, tokens["other_manager"]).status_code == 403
    assert _correct(client, call_id, 7, change, tokens["qa"]).status_code == 403  # not in queue
    assert client.get("/api/v1/corrections/export", headers=tokens["manager"]).status_code == 403
    assert (
        client.get(f"/api/v1/calls/{call_id}/corrections", headers=tokens["rep"]).status_code == 200
    )


def test_the_export_round_trips_into_the_training_module(
    client: TestClient, world: dict[str, Any], tmp_path: Path
) -> None:
    call_id = world["call"]
    assert _correct(client, call_id, 7, {"commitment": "continuation"}).status_code == 201
    assert _correct(client, call_id, 4, {"question_type": "problem"}).status_code == 201
    assert _correct(client, call_id, 4, {"question_type": None}).status_code == 201  # latest wins
    response = client.get("/api/v1/corrections/export", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "corrections.jsonl"
    path.write_bytes(response.content)
    found = load_corrections(path)
    assert found.rejected == []
    [question] = found.examples["questions"]
    [commitment] = found.examples["commitments"]
    assert (question.text, question.label) == (DIALOGUE[4][1], "none")
    assert question.context.previous_customer == DIALOGUE[3][1]
    assert (commitment.text, commitment.label) == (DIALOGUE[7][1], "continuation")
    assert commitment.context.previous_rep == DIALOGUE[6][1]
    assert (commitment.context.index, commitment.context.count) == (7, 8)


def test_deleting_a_call_deletes_its_corrections_and_labels(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    call_id = world["call"]
    assert _correct(client, call_id, 7, {"commitment": "decline"}).status_code == 201
    assert client.delete(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 204
    assert client.get("/api/v1/corrections/export", headers=AUTH).text == ""
    with session_scope(services.session_factory) as session:
        assert session.scalars(select(CallLabel).where(CallLabel.call_id == call_id)).all() == []


def test_the_review_queue_lists_unsure_labels_until_someone_decides(
    client: TestClient, world: dict[str, Any]
) -> None:
    call_id, tokens = world["call"], world["tokens"]

    def queue(headers: Any = AUTH, **params: Any) -> dict[str, Any]:
        response = client.get("/api/v1/review-queue", headers=headers,
                              params={"below": 1.0, **params})  # fmt: skip
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    listed = queue()["items"]
    unsure = [t for t in world["analysis"]["turns"]
              if t["speaker"] == "customer" and t["commitment_probability"] < 1.0]  # fmt: skip
    assert len(unsure) >= 3 and {i["turn_index"] for i in listed} == {t["index"] for t in unsure}
    assert [i["probability"] for i in listed] == sorted(i["probability"] for i in listed)
    first = listed[0]
    assert first["previous_text"] and first["kind"] == "commitment"
    assert queue(below=0.0)["total"] == 0  # nothing is less sure than nothing
    rep_unsure = [t for t in world["analysis"]["turns"]
                  if t["speaker"] == "rep" and t["question_probability"] < 1.0]  # fmt: skip
    assert len(queue(kind="question")["items"]) == len(rep_unsure)
    # confirming (the same label) and correcting both take a turn out of the queue
    confirm = {"commitment": first["label"]}
    assert _correct(client, call_id, first["turn_index"], confirm).status_code == 201
    assert (
        _correct(client, call_id, listed[1]["turn_index"], {"commitment": "decline"}).status_code
        == 201
    )
    assert queue()["total"] == len(listed) - 2
    # who: the team's manager sees it, another team's manager does not, a rep may not look
    assert queue(tokens["manager"])["total"] == len(listed) - 2
    assert queue(tokens["other_manager"])["total"] == 0
    assert client.get("/api/v1/review-queue", headers=tokens["rep"]).status_code == 403
    assert queue(tokens["qa"])["total"] == 0  # not in the QA reviewer's queue
