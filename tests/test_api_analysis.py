"""Analysis over HTTP: the text endpoint, stored analysis of an uploaded call, reanalysis."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.audio_files import CALLS
from tests.conftest import AUTH, upload, wait_for_status

TURNS = [
    {"speaker": "rep", "text": "您好我是星河软件的小王，现在方便说两句吗？"},
    {"speaker": "customer", "text": "可以，你说吧。"},
    {"speaker": "rep", "text": "你们现在销售团队大概多少人，客户信息都放在哪里"},
    {"speaker": "customer", "text": "三十来个人，基本都在Excel里"},
    {"speaker": "rep", "text": "那下周二下午我给您做个演示可以吗"},
    {"speaker": "customer", "text": "行，下周二下午三点吧，我让采购也在"},
]


def test_analyze_text_returns_the_full_shape(client: TestClient) -> None:
    response = client.post(
        "/api/v1/analyze", headers=AUTH, json={"turns": TURNS, "call_date": "2026-11-23"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "turns",
        "metrics",
        "commitments",
        "commitment_secured",
        "score",
        "speakers",
        "conversation",
        "stale_corrections",
        "stale_edits",
    }
    turns = body["turns"]
    assert body["conversation"]["is_sales_call"] is True and body["stale_corrections"] == []
    assert body["stale_edits"] == [] and all(t["replacements"] == [] for t in turns)
    assert all(t["heard_text"] is None and t["edit"] is None for t in turns)  # text as given
    assert all(t["model_labels"]["commitment"] == t["commitment"] for t in turns)
    assert turns[5]["commitment_probability"] > 0.5 and turns[2]["question_probability"] > 0.5
    assert [t["index"] for t in turns] == list(range(6)) and all(t["start"] is None for t in turns)
    assert turns[2]["question_type"] == "situation" and turns[2]["tokens"]
    assert turns[5]["commitment"] == "advance" and turns[5]["commitment_due"] == "2026-12-01"
    assert body["commitment_secured"] is True and body["commitments"][0]["due"] == "2026-12-01"
    assert body["speakers"]["method"] == "given" and 0 <= body["score"]["total"] <= 100


def test_analyze_stores_nothing(client: TestClient) -> None:
    client.post("/api/v1/analyze", headers=AUTH, json={"turns": TURNS})
    assert client.get("/api/v1/calls", headers=AUTH).json()["total"] == 0


def test_analyze_bad_input(client: TestClient) -> None:
    def post(payload: object) -> tuple[int, str]:
        r = client.post("/api/v1/analyze", headers=AUTH, json=payload)
        return r.status_code, r.text

    assert post({"turns": []})[0] == 422
    status, text = post({"turns": [{"speaker": "rep", "text": "   "}]})
    assert status == 422 and "turn 0 has no text" in text
    status, text = post({"turns": [{"speaker": "boss", "text": "你好"}]})
    assert status == 422 and "speaker" in text
    status, text = post({"turns": [{"speaker": "rep", "text": "好"}] * 100_000})
    assert status == 422 and "turns" in text
    status, text = post({"turns": [{"speaker": "rep", "text": "好" * 1_000_000}]})
    assert status == 422 and "text" in text
    assert client.post("/api/v1/analyze", json={"turns": TURNS}).status_code == 401


def test_uploaded_call_gets_analysis_and_can_be_reanalysed(client: TestClient) -> None:
    stereo = CALLS / "dev01.stereo.wav"
    call_id = upload(
        client, stereo, channels="rep-left", occurred_at="2026-11-23T10:00:00+08:00"
    ).json()["id"]
    wait_for_status(client, call_id)
    analysis = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()
    assert [t["speaker"] for t in analysis["turns"]] == ["rep", "customer"]
    assert analysis["speakers"]["method"] == "channels"
    assert (
        analysis["metrics"]["talk_ratio"] is not None
        and analysis["metrics"]["interruptions"] is not None
    )

    response = client.post(f"/api/v1/calls/{call_id}/reanalyze", headers=AUTH)
    assert response.status_code == 202
    call = wait_for_status(client, call_id)
    assert call["status"] == "done"
    again = client.get(f"/api/v1/calls/{call_id}/analysis", headers=AUTH).json()
    assert again["turns"] == analysis["turns"]


def test_analysis_before_transcription_is_409_and_unknown_call_404(client: TestClient) -> None:
    assert client.get("/api/v1/calls/42/analysis", headers=AUTH).status_code == 404
    assert client.post("/api/v1/calls/42/reanalyze", headers=AUTH).status_code == 404
