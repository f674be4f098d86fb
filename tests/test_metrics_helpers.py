"""Small helpers for metrics tests."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from models import Call, CallAnalysis, session_scope


def add_analysed_calls(
    client: TestClient, rep_id: int, *, committed: int, total: int, day: date
) -> None:
    factory = client.app.state.huashu.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as session:
        for n in range(total):
            key = f"helper-{rep_id}-{n}-{day}"
            call = Call(
                rep_id=rep_id, occurred_at=datetime.combine(day, time(10), ZoneInfo("Asia/Shanghai")),
                happened_at=datetime.combine(day, time(10), ZoneInfo("Asia/Shanghai")),
                channels="mono", status="done", audio_sha256=hashlib.sha256(key.encode()).hexdigest(),
                audio_path=key, size_bytes=0, audio_format="wav", audio_codec="pcm", audio_channels=1,
                sample_rate=16000, duration_s=60.0,
            )  # fmt: skip
            session.add(call)
            session.flush()
            session.add(CallAnalysis(
                call_id=call.id, commitment_secured=n < committed, score=70, talk_ratio=0.5, question_count=1,
                situation_count=1, problem_count=0, implication_count=0, need_payoff_count=0,
                advance_count=int(n < committed), metrics={}, score_reasons=[], commitments=[],
                speaker_method="channels", speaker_confidence=1.0, speaker_reasons=[],
            ))  # fmt: skip
