"""The same conversation in another file (format, the mono mix of a stereo recording, a
re-encoding) is recognised by its sound: the print of asr.fingerprint on the shared recordings,
then the upload API answering with the call already stored unless keep_both is asked."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from asr.fingerprint import SAME_SOUND_BELOW, SoundPrint, print_sound, sound_distance
from auth.tokens import create_token
from huashu.runtime import Services
from models import Call, session_scope
from tests.audio_files import CALLS, REAL, SHORT_SPEECH, encode, read_wav, write_wav
from tests.conftest import AUTH, SYSTEM, upload

CONVERSATIONS = sorted({p.name.split(".")[0] for p in CALLS.glob("*.stereo.wav")})


def _prints() -> dict[str, SoundPrint]:
    return {p.name: print_sound(p) for p in sorted(CALLS.glob("*.wav"))}


def test_the_mono_mix_is_the_same_sound_as_the_stereo_recording() -> None:
    prints = _prints()
    for name in CONVERSATIONS:
        distance = sound_distance(prints[f"{name}.stereo.wav"], prints[f"{name}.mono.wav"])
        assert distance is not None and distance < SAME_SOUND_BELOW / 2, name


def test_different_conversations_are_far_apart() -> None:
    prints = _prints()
    for a, b in itertools.combinations(prints, 2):
        if a.split(".")[0] != b.split(".")[0]:
            distance = sound_distance(prints[a], prints[b])
            assert distance is not None and distance > 0.4, (a, b)


def test_real_speech_of_other_speakers_is_never_the_same_sound() -> None:
    prints = [print_sound(p) for p in sorted(REAL.glob("*.wav"))]
    distances = [sound_distance(a, b) for a, b in itertools.combinations(prints, 2)]
    compared = [d for d in distances if d is not None]
    assert len(compared) > 100 and min(compared) > 0.4


def test_a_low_bitrate_mp3_of_a_trimmed_quieter_copy_is_the_same_sound(tmp_path: Path) -> None:
    samples, rate = read_wav(CALLS / "dev02.mono.wav")
    quieter = write_wav(tmp_path / "quiet.wav", 0.3 * samples[int(0.3 * rate) :], rate)
    mp3 = encode(quieter, tmp_path / "copy.mp3", "libmp3lame", "mp3", rate=8_000)
    distance = sound_distance(print_sound(CALLS / "dev02.stereo.wav"), print_sound(mp3))
    assert distance is not None and distance < SAME_SOUND_BELOW  # measured 0.17


def test_too_little_sound_says_nothing() -> None:
    short = print_sound(SHORT_SPEECH)  # 4 s: too little to tell calls apart
    assert sound_distance(short, short) is None


def test_a_print_survives_storage() -> None:
    original = print_sound(CALLS / "dev01.mono.wav")
    again = SoundPrint.from_bytes(original.to_bytes())
    assert np.array_equal(again.bits, original.bits) and np.array_equal(again.loud, original.loud)
    assert sound_distance(original, again) == 0.0


def _calls(services: Services) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Call)) or 0


def test_the_mono_file_of_a_stored_stereo_call_answers_with_that_call(
    client: TestClient, services: Services
) -> None:
    stereo = upload(client, CALLS / "dev01.stereo.wav", channels="rep-left", title="首次沟通")
    assert stereo.status_code == 202
    files = services.store.stored()

    mono = upload(client, CALLS / "dev01.mono.wav")
    assert mono.status_code == 200
    assert mono.json() | {"status": None} == {
        "id": stereo.json()["id"],
        "status": None,
        "duplicate": True,
        "same_as": "sound",
    }
    assert _calls(services) == 1 and services.store.stored() == files  # nothing kept

    other = upload(client, CALLS / "dev02.mono.wav")
    assert other.status_code == 202 and other.json()["same_as"] is None


def test_keep_both_stores_the_second_recording(client: TestClient, services: Services) -> None:
    first = upload(client, CALLS / "dev03.stereo.wav", channels="rep-left")
    both = upload(client, CALLS / "dev03.mono.wav", keep_both="true")
    assert both.status_code == 202 and both.json()["id"] != first.json()["id"]
    assert _calls(services) == 2
    # …and the same file again is still the same file, whatever keep_both says
    again = upload(client, CALLS / "dev03.mono.wav", keep_both="true")
    assert again.status_code == 200 and again.json()["same_as"] == "file"


def test_keep_both_must_say_true_or_false(client: TestClient) -> None:
    response = upload(client, CALLS / "dev04.mono.wav", keep_both="maybe")
    assert response.status_code == 422 and response.json()["field"] == "keep_both"


def test_a_call_the_uploader_cannot_see_is_not_matched(
    client: TestClient, services: Services
) -> None:
    """Another team's recording of the conversation is theirs: a rep who cannot open it gets
    a call of their own, and learns nothing of the other."""
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "李娜", "team_id": team})
    with session_scope(services.session_factory) as session:
        _, token = create_token(session, "李娜", "rep", SYSTEM, rep_id=rep.json()["id"])
    upload(client, CALLS / "dev04.stereo.wav", channels="rep-left")  # the admin's, no rep
    with (CALLS / "dev04.mono.wav").open("rb") as f:
        response = client.post("/api/v1/calls", headers={"Authorization": f"Bearer {token}"},
                               files={"audio": ("dev04.mono.wav", f)})  # fmt: skip
    assert response.status_code == 202 and response.json()["duplicate"] is False
    assert _calls(services) == 2
