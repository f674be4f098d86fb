"""Every bad upload gets a 4xx naming the problem and leaves no file, row or job behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huashu.runtime import Services
from models import Call, Job
from tests.audio_files import (
    SHORT_SPEECH,
    png_file,
    silence_wav,
    text_file,
    truncated_copy,
    zip_file,
)
from tests.conftest import AUTH, upload, wait_for_status


def _nothing_left(services: Services) -> None:
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0
    leftovers = services.store.stored() + [p.name for p in services.store.incoming_dir.iterdir()]
    assert leftovers == []


@pytest.mark.parametrize(
    ("make", "status", "phrase"),
    [
        (text_file, 415, "not an audio file"),
        (png_file, 415, "no audio stream"),
        (zip_file, 415, "not an audio file"),
        (lambda p: truncated_copy(SHORT_SPEECH, p), 422, "truncated"),
        (lambda p: (p.write_bytes(b"") and p) or p, 400, "empty"),
    ],
    ids=["text", "image", "zip", "truncated-wav", "empty"],
)
def test_bad_files_are_refused(
    client: TestClient, services: Services, tmp_path: Path, make, status: int, phrase: str
) -> None:
    path = tmp_path / "upload.wav"
    make(path)
    response = upload(client, path)
    assert response.status_code == status, response.text
    assert phrase in response.json()["detail"]
    _nothing_left(services)


def test_corrupt_audio_data_is_refused(
    client: TestClient, services: Services, tmp_path: Path
) -> None:
    from tests.audio_files import encode

    mp3 = encode(SHORT_SPEECH, tmp_path / "speech.mp3", "mp3", "mp3")
    data = bytearray(mp3.read_bytes())
    data[400:] = bytes(len(data) - 400)  # keep the header, zero out every frame after it
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(bytes(data))
    response = upload(client, broken)
    assert response.status_code in (415, 422), response.text
    _nothing_left(services)


def test_over_size_limit_is_413(services: Services, client: TestClient, tmp_path: Path) -> None:
    client.app.state.huashu.settings.max_upload_mb = 1  # type: ignore[attr-defined]
    big = tmp_path / "big.wav"
    big.write_bytes(SHORT_SPEECH.read_bytes() * 10)  # ~1.3 MB
    response = upload(client, big)
    assert response.status_code == 413 and "1 MB" in response.json()["detail"]
    _nothing_left(services)
    assert list(services.store.incoming_dir.iterdir()) == []


def test_silence_is_accepted_and_done_with_no_segments(
    services: Services, tmp_path: Path, client: TestClient
) -> None:
    # Through the real transcriber's silence guard, not the fake: see test_asr_transcriber for
    # the model path. Here: accepted, queued, finished.
    response = upload(client, silence_wav(tmp_path / "quiet.wav"))
    assert response.status_code == 202
    assert wait_for_status(client, response.json()["id"])["status"] == "done"


@pytest.mark.parametrize(
    ("fields", "field", "phrase"),
    [
        ({"channels": "left-rep"}, "channels", "unknown channels value 'left-rep'"),
        ({"channels": "rep-left"}, "channels", "needs a stereo recording"),
        ({"channels": "rep-right"}, "channels", "this file has 1 channel"),
        ({"occurred_at": "next tuesday"}, "occurred_at", "not an ISO 8601"),
        ({"occurred_at": "2026-11-23T10:00:00"}, "occurred_at", "time zone"),
        ({"rep": "x" * 101}, "rep", "longer than 100"),
    ],
)
def test_bad_fields_are_refused(
    client: TestClient, services: Services, fields: dict[str, str], field: str, phrase: str
) -> None:
    response = upload(client, SHORT_SPEECH, **fields)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and phrase in response.json()["detail"]
    _nothing_left(services)


def _post_raw_filename(client: TestClient, filename: bytes) -> httpx.Response:
    """httpx escapes odd file names; build the multipart body by hand to send them as-is."""
    boundary = "huashu-boundary"
    head = (
        b'--huashu-boundary\r\nContent-Disposition: form-data; name="audio"; filename="'
        + filename
        + b'"\r\nContent-Type: audio/wav\r\n\r\n'
    )
    body = head + SHORT_SPEECH.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        "/api/v1/calls",
        content=body,
        headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


@pytest.mark.parametrize(
    "name", [b"../../etc/passwd.wav", b"dir/call.wav", b"..\\call.wav", b"bad\x01name.wav", b".."]
)
def test_path_like_file_names_are_refused(
    client: TestClient, services: Services, name: bytes
) -> None:
    response = _post_raw_filename(client, name)
    assert response.status_code == 422 and "not a plain file name" in response.json()["detail"]
    _nothing_left(services)


def test_non_utf8_file_name_is_refused(client: TestClient, services: Services) -> None:
    response = _post_raw_filename(client, "通话.wav".encode("gbk"))
    assert response.status_code == 422 and "not valid UTF-8" in response.json()["detail"]
    _nothing_left(services)


def test_missing_file_field_and_wrong_content_type(client: TestClient, services: Services) -> None:
    no_file = client.post("/api/v1/calls", headers=AUTH, data={"rep": "王磊"})
    assert no_file.status_code == 422 and "field 'audio'" in no_file.json()["detail"]
    as_json = client.post("/api/v1/calls", headers=AUTH, json={"audio": "x"})
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.json()["detail"]
    _nothing_left(services)


def test_utf8_chinese_file_name_is_kept(client: TestClient) -> None:
    response = upload(client, SHORT_SPEECH, filename="王磊-星河科技 首次沟通.wav")
    call = client.get(f"/api/v1/calls/{response.json()['id']}", headers=AUTH).json()
    assert call["original_filename"] == "王磊-星河科技 首次沟通.wav"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_api_needs_a_valid_token(
    client: TestClient, services: Services, headers: dict[str, str]
) -> None:
    with SHORT_SPEECH.open("rb") as f:
        response = client.post("/api/v1/calls", headers=headers, files={"audio": ("a.wav", f)})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]
    assert client.get("/api/v1/calls", headers=headers).status_code == 401
    _nothing_left(services)


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
