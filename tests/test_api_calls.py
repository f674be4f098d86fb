"""Upload, read, list, stream and delete calls through the HTTP API (fake transcriber)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huashu.runtime import Services
from models import Call, Job, TranscriptSegment
from tests.audio_files import CALLS, SHORT_SPEECH, stereo_from_mono
from tests.conftest import AUTH, FakeTranscriber, upload, wait_for_status


def _count(services: Services, model: type) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _stored_files(services: Services) -> list[str]:
    return services.store.stored() + [p.name for p in services.store.incoming_dir.iterdir()]


def test_upload_is_queued_then_transcribed(client: TestClient, services: Services) -> None:
    response = upload(client, SHORT_SPEECH, rep="王磊", customer="星河科技", title="首次沟通")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["duplicate"] is False

    call = wait_for_status(client, body["id"])
    assert call["status"] == "done" and call["progress"] == 1.0 and call["error"] is None
    assert call["rep"] == "王磊" and call["customer"] == "星河科技" and call["title"] == "首次沟通"
    assert abs(call["duration_s"] - 4.281) < 0.01
    assert call["audio_channels"] == 1 and call["sample_rate"] == 16000

    transcript = client.get(f"/api/v1/calls/{body['id']}/transcript", headers=AUTH).json()
    assert transcript["language"] == "zh" and transcript["model"] == "fake-whisper"
    assert [s["text"] for s in transcript["segments"]] == ["您好世界"]
    assert transcript["segments"][0]["words"][0] == {
        "start": 0.0,
        "end": 0.5,
        "text": "您好",
        "probability": 0.9,
    }


def test_same_audio_twice_returns_the_existing_call(client: TestClient, services: Services) -> None:
    first = upload(client, SHORT_SPEECH)
    second = upload(client, SHORT_SPEECH, filename="renamed.wav", rep="someone else")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["duplicate"] is True
    assert _count(services, Call) == 1 and _count(services, Job) == 1
    assert len(_stored_files(services)) == 1


def test_stored_under_content_hash(client: TestClient, services: Services) -> None:
    import hashlib

    upload(client, SHORT_SPEECH)
    digest = hashlib.sha256(SHORT_SPEECH.read_bytes()).hexdigest()
    assert [Path(p).name for p in _stored_files(services)] == [f"{digest}.wav"]


def test_stereo_upload_labels_speakers(client: TestClient) -> None:
    response = upload(client, CALLS / "dev01.stereo.wav", channels="rep-left")
    assert response.status_code == 202
    wait_for_status(client, response.json()["id"])
    segments = client.get(f"/api/v1/calls/{response.json()['id']}/transcript", headers=AUTH).json()[
        "segments"
    ]
    assert [s["speaker"] for s in segments] == ["rep", "customer"]


def test_transcript_before_it_exists_is_409(client: TestClient, fake: FakeTranscriber) -> None:
    import threading

    fake.gate = threading.Event()
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    response = client.get(f"/api/v1/calls/{call_id}/transcript", headers=AUTH)
    assert response.status_code == 409 and "no transcript yet" in response.json()["detail"]
    fake.gate.set()
    wait_for_status(client, call_id)


def test_list_filters_and_paginates(client: TestClient, tmp_path: Path) -> None:
    files = [stereo_from_mono(tmp_path / f"c{i}.wav", SHORT_SPEECH) for i in range(1)]
    files += [CALLS / "dev01.mono.wav", CALLS / "dev02.mono.wav", SHORT_SPEECH]
    reps = ["王磊", "王磊", "李娜", "李娜"]
    times = [
        "2026-11-01T10:00:00+08:00",
        "2026-11-05T10:00:00+08:00",
        "2026-11-10T10:00:00Z",
        "2026-11-20T09:00:00+08:00",
    ]
    ids = [
        upload(client, f, rep=r, occurred_at=t).json()["id"]
        for f, r, t in zip(files, reps, times, strict=True)
    ]
    for call_id in ids:
        wait_for_status(client, call_id)

    page = client.get("/api/v1/calls", headers=AUTH, params={"limit": 3}).json()
    assert page["total"] == 4 and len(page["items"]) == 3
    assert [c["id"] for c in page["items"]] == [ids[3], ids[2], ids[1]]  # newest call first
    rest = client.get("/api/v1/calls", headers=AUTH, params={"limit": 3, "offset": 3}).json()
    assert [c["id"] for c in rest["items"]] == [ids[0]]

    by_rep = client.get("/api/v1/calls", headers=AUTH, params={"rep": "李娜"}).json()
    assert sorted(c["id"] for c in by_rep["items"]) == sorted(ids[2:])
    window = {"from": "2026-11-04T00:00:00+08:00", "to": "2026-11-15T00:00:00+08:00"}
    in_window = client.get("/api/v1/calls", headers=AUTH, params=window).json()
    assert sorted(c["id"] for c in in_window["items"]) == [ids[1], ids[2]]
    done = client.get("/api/v1/calls", headers=AUTH, params={"status": "done"}).json()
    assert done["total"] == 4
    assert (
        client.get("/api/v1/calls", headers=AUTH, params={"status": "failed"}).json()["total"] == 0
    )


def test_list_rejects_unknown_status(client: TestClient) -> None:
    response = client.get("/api/v1/calls", headers=AUTH, params={"status": "finished"})
    assert response.status_code == 422 and "unknown status 'finished'" in response.json()["detail"]


def test_audio_download_supports_ranges(client: TestClient) -> None:
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    whole = client.get(f"/api/v1/calls/{call_id}/audio", headers=AUTH)
    assert whole.status_code == 200 and whole.content == SHORT_SPEECH.read_bytes()
    assert (
        whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    )
    part = client.get(f"/api/v1/calls/{call_id}/audio", headers={**AUTH, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == SHORT_SPEECH.read_bytes()[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{SHORT_SPEECH.stat().st_size}"


def test_delete_removes_rows_and_audio(client: TestClient, services: Services) -> None:
    call_id = upload(client, SHORT_SPEECH).json()["id"]
    wait_for_status(client, call_id)
    assert _count(services, TranscriptSegment) == 1
    assert client.delete(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 204
    assert client.get(f"/api/v1/calls/{call_id}", headers=AUTH).status_code == 404
    assert _count(services, Call) == 0 and _count(services, Job) == 0
    assert _count(services, TranscriptSegment) == 0 and _stored_files(services) == []
    # and it can be uploaded again afterwards
    assert upload(client, SHORT_SPEECH).status_code == 202


def test_unknown_call_is_404_naming_it(client: TestClient) -> None:
    for path in ("/api/v1/calls/999", "/api/v1/calls/999/transcript", "/api/v1/calls/999/audio"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 404 and "call 999" in response.json()["detail"]
    assert client.delete("/api/v1/calls/999", headers=AUTH).status_code == 404


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "database": "ok", "worker": "running", "model": "fake-whisper"}


def test_ten_thousand_calls_page_without_loading_the_table(
    client: TestClient, services: Services
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {"channels": "mono", "status": "done", "progress": 1.0, "audio_sha256": f"{n:064d}", "audio_path": f"x/{n}",
         "size_bytes": 1, "audio_format": "wav", "audio_codec": "pcm", "audio_channels": 1, "sample_rate": 16000,
         "duration_s": 60.0, "happened_at": start + timedelta(minutes=n), "created_at": start, "rep": f"rep{n % 7}"}
        for n in range(10_000)
    ]  # fmt: skip
    with services.session_factory() as session:
        session.execute(insert(Call), rows)
        session.commit()
    last = client.get("/api/v1/calls", headers=AUTH, params={"limit": 50, "offset": 9_950}).json()
    assert last["total"] == 10_000 and len(last["items"]) == 50
    assert last["items"][-1]["audio_format"] == "wav"
    first = client.get("/api/v1/calls", headers=AUTH, params={"limit": 50, "rep": "rep3"}).json()
    assert first["total"] == 1_429 and len(first["items"]) == 50  # n % 7 == 3 for 1 429 of 10 000
