"""QA rules: configured over the API, checked on every analysed call, re-checked when they change."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from analysis import Turn
from analysis.rules import RuleSyntaxError, evaluate, parse_expression
from tests.audio_files import CALLS
from tests.conftest import AUTH, upload, wait_for_status


def _turns(*pairs: tuple[str, float, str]) -> list[Turn]:
    return [Turn(i, who, start, start + 2, text) for i, (who, start, text) in enumerate(pairs)]


def test_expressions() -> None:
    matches = parse_expression("(价格 or 报价) and not 折扣")
    assert matches("这个报价有点高") and not matches("报价可以打折扣") and not matches("你好")
    assert parse_expression('"保证 收益" or 绝对')("我们保证 收益")


@pytest.mark.parametrize(
    "bad", ["", "(价格 or 报价", "and 价格", "价格 and", '"半个引号', "价格 ) 报价"]
)
def test_broken_expressions_say_what_is_wrong(bad: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_expression(bad)


def test_each_kind_on_hand_made_turns() -> None:
    turns = _turns(
        ("rep", 0.0, "喂您好"),
        ("customer", 3.0, "你好"),
        ("rep", 40.0, "我是星河的小王，收益绝对保证"),
    )
    metrics = {"longest_silence_s": 12.0, "speech_rate_cpm": {"rep": 400.0}, "interruptions": {"rep": 4},
               "talk_ratio": 0.8}  # fmt: skip
    opening = evaluate("required_phrase", {"phrases": ["我是"], "within_s": 30}, turns, metrics)
    assert len(opening) == 1  # 自报家门 came at 40 s, too late
    assert evaluate("required_phrase", {"phrases": ["您好"], "within_s": 30}, turns, metrics) == []
    forbidden = evaluate("forbidden_phrase", {"phrases": ["保证收益", "绝对"]}, turns, metrics)
    assert [h.turn_index for h in forbidden] == [2] and "绝对" in forbidden[0].detail
    assert len(evaluate("silence", {"max_s": 10}, turns, metrics)) == 1
    assert len(evaluate("speech_rate", {"min_cpm": 150, "max_cpm": 330}, turns, metrics)) == 1
    assert len(evaluate("interruptions", {"max": 3}, turns, metrics)) == 1
    assert len(evaluate("talk_ratio", {"max": 0.65}, turns, metrics)) == 1
    assert evaluate("talk_ratio", {"max": 0.9}, turns, metrics) == []


def test_rules_over_the_api_hit_calls_and_follow_changes(client: TestClient) -> None:
    call_id = upload(client, CALLS / "dev01.stereo.wav", channels="rep-left").json()["id"]
    wait_for_status(client, call_id)  # the fake transcript: rep "您好我是小李", customer "你好"
    report = client.get(f"/api/v1/calls/{call_id}/qa", headers=AUTH).json()
    assert report == {"call_id": call_id, "hits": [], "rules_hit": 0, "qa_score": 100}
    rule = client.post("/api/v1/qa/rules", headers=AUTH, json={
        "name": "禁用词：您好", "kind": "forbidden_phrase", "params": {"phrases": ["您好"]},
        "severity": "critical", "points": 20,
    })  # fmt: skip
    assert rule.status_code == 201
    report = client.get(
        f"/api/v1/calls/{call_id}/qa", headers=AUTH
    ).json()  # re-checked, not re-transcribed
    assert (
        report["qa_score"] == 80
        and report["hits"][0]["turn_index"] == 0
        and report["hits"][0]["rule"] == "禁用词：您好"
    )
    body = {
        "name": "禁用词：保证",
        "kind": "forbidden_phrase",
        "params": {"phrases": ["保证"]},
        "points": 20,
    }
    assert (
        client.put(f"/api/v1/qa/rules/{rule.json()['id']}", headers=AUTH, json=body).status_code
        == 200
    )
    assert client.get(f"/api/v1/calls/{call_id}/qa", headers=AUTH).json()["qa_score"] == 100


def test_new_calls_are_checked_when_analysed(client: TestClient) -> None:
    opening = {"phrases": ["我是"], "within_s": 30}
    rule = {"name": "开场自报家门", "kind": "required_phrase", "params": opening, "points": 10}
    assert client.post("/api/v1/qa/rules", headers=AUTH, json=rule).status_code == 201
    call_id = upload(client, CALLS / "dev02.stereo.wav", channels="rep-left").json()["id"]
    wait_for_status(client, call_id)
    report = client.get(f"/api/v1/calls/{call_id}/qa", headers=AUTH).json()
    assert report["hits"] == [] and report["qa_score"] == 100  # "您好我是小李" at 0 s


@pytest.mark.parametrize(
    ("body", "phrase"),
    [({"name": "x", "kind": "keyword_expression", "params": {"expression": "(价格 or"}}, "cannot work"),
     ({"name": "x", "kind": "magic", "params": {}}, "unknown rule kind"),
     ({"name": "x", "kind": "silence", "params": {"max_s": "ten"}}, "max_s"),
     ({"name": "x", "kind": "silence", "params": {"max_s": 5}, "severity": "fatal"}, "severity"),
     ({"name": "x", "kind": "speech_rate", "params": {"min_cpm": 300, "max_cpm": 100}}, "below max_cpm")],
)  # fmt: skip
def test_invalid_rules_are_refused_and_not_saved(
    client: TestClient, body: dict[str, object], phrase: str
) -> None:
    response = client.post("/api/v1/qa/rules", headers=AUTH, json=body)
    assert response.status_code == 422 and phrase in response.json()["detail"]
    assert client.get("/api/v1/qa/rules", headers=AUTH).json() == []
