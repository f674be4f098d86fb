"""The analysis service: analyse a stored transcript, read results back, analyse plain text."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from analysis import Analysis, Analyzer, SpeechSegment, TimedWord, Utterance
from analysis.score import score_reasons_json
from auth.permissions import ANALYZE_TEXT, REANALYZE_CALLS, authorize
from auth.principal import Principal
from core.errors import InvalidInput, TranscriptNotReady
from ingest.calls import get_call
from ingest.labels import (
    CorrectionState,
    correction_state,
    effective_commitments,
    refresh_labels,
)
from models import (
    Call,
    CallAnalysis,
    CallStatus,
    CallTurn,
    Job,
    JobKind,
    JobState,
    LabelCorrection,
    TranscriptSegment,
    on_commit,
)

__all__ = [
    "MAX_TEXT_CHARS",
    "MAX_TURNS",
    "AnalyzerHolder",
    "TextTurn",
    "analysis_to_dict",
    "analyze_call",
    "analyze_text",
    "correction_dict",
    "count_turns",
    "read_analysis",
    "request_reanalysis",
    "search_text",
    "store_analysis",
]

MAX_TURNS = 5_000  # a 3-hour meeting has fewer; 100 000 is an abuse, not a call
MAX_TURN_CHARS = 5_000
MAX_TEXT_CHARS = 300_000


class AnalyzerHolder:
    """Builds the `Analyzer` once, on first use or on `warm_up`, for the API and the worker."""

    def __init__(self, user_dictionaries: Sequence[Path] = ()) -> None:
        self._user_dictionaries = tuple(user_dictionaries)
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()

    def get(self) -> Analyzer:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = Analyzer(self._user_dictionaries)
            return self._analyzer

    def warm_up(self) -> None:
        threading.Thread(target=self.get, name="huashu-analyzer-warm-up", daemon=True).start()


@dataclass(frozen=True, slots=True)
class TextTurn:
    speaker: str
    text: str


def analyze_text(
    analyzer: Analyzer, turns: Sequence[TextTurn], call_date: date | None, principal: Principal
) -> dict[str, Any]:
    """Analyse turns given as text (nothing stored): for CRM plug-ins and tests."""
    authorize(principal, ANALYZE_TEXT)
    _check_text_limits(turns)
    utterances = [Utterance(t.speaker, _clean_text(t.text)) for t in turns]
    return analysis_to_dict(analyzer.analyze_turns(utterances, call_date=call_date))


def analyze_call(
    session: Session, analyzer: Analyzer, call: Call, timezone: str, principal: Principal
) -> Analysis:
    """Analyse a call's stored transcript and replace its stored analysis (the worker's step)."""
    authorize(principal, REANALYZE_CALLS)
    rows = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.call_id == call.id)
        .order_by(TranscriptSegment.idx)
    )
    analysis = analyzer.analyze_segments(
        [_speech_segment(row) for row in rows],
        call_date=_call_date(call, timezone),
        duration=call.duration_s,
        stereo=call.channels != "mono",
    )
    store_analysis(session, call.id, analysis)
    return analysis


def read_analysis(session: Session, call_id: int, viewer: Principal) -> dict[str, Any]:
    call = get_call(session, call_id, viewer)
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        raise TranscriptNotReady(
            f"call {call_id} has not been analysed yet (status: {call.status})"
        )
    turns = list(
        session.scalars(select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx))
    )
    return _stored_to_dict(summary, turns, correction_state(session, call_id, turns))


def count_turns(session: Session, call_id: int) -> int:
    """How many turns the call's analysis has; their indices run from 0 to this minus one."""
    return session.scalar(select(func.count()).where(CallTurn.call_id == call_id)) or 0


def request_reanalysis(
    session: Session, call_id: int, notify: Callable[[int, str], None] | None, principal: Principal
) -> Call:
    """Queue analysis of the stored transcript again (after a dictionary or model update)."""
    authorize(principal, REANALYZE_CALLS)
    call = get_call(session, call_id, principal, REANALYZE_CALLS)
    if call.transcribed_at is None:
        raise TranscriptNotReady(
            f"call {call_id} has no transcript to analyse yet (status: {call.status})"
        )
    pending = session.scalar(
        select(Job.id).where(
            Job.call_id == call_id, Job.state.in_((JobState.QUEUED, JobState.RUNNING))
        )
    )
    if pending is None:
        job = Job(kind=JobKind.REANALYZE_CALL, call_id=call_id)
        session.add(job)
        session.flush()
        call.status, call.progress, call.error = CallStatus.QUEUED, 0.95, None
        if notify is not None:
            on_commit(session, lambda: notify(job.id, job.kind))
    return call


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """The analysis as the API shows it (no corrections: the model's labels are the labels)."""
    turns = [_turn_dict(asdict(t)) for t in analysis.turns]
    return {
        "turns": [_with_model_labels(t) for t in turns],
        "metrics": analysis.metrics,
        "commitments": [_jsonable(asdict(c)) for c in analysis.commitments],
        "commitment_secured": analysis.commitment_secured,
        "score": _score(analysis),
        "speakers": _jsonable(asdict(analysis.speakers)),
        "conversation": _jsonable(asdict(analysis.conversation)),
        "stale_corrections": [],
    }


def store_analysis(session: Session, call_id: int, analysis: Analysis) -> None:
    """Replace the call's stored turns and summary with `analysis` (and so its search index)."""
    session.execute(delete(CallTurn).where(CallTurn.call_id == call_id))
    session.execute(delete(CallAnalysis).where(CallAnalysis.call_id == call_id))
    turns = [_turn_dict(asdict(t)) for t in analysis.turns]
    session.add_all(CallTurn(call_id=call_id, **_turn_columns(t)) for t in turns)
    counts = analysis.metrics["question_counts"]
    conversation = analysis.conversation
    session.add(
        CallAnalysis(
            call_id=call_id,
            commitment_secured=analysis.commitment_secured,
            score=analysis.score.total if analysis.score else None,
            talk_ratio=analysis.metrics["talk_ratio"],
            question_count=analysis.metrics["question_count"],
            situation_count=counts["situation"],
            problem_count=counts["problem"],
            implication_count=counts["implication"],
            need_payoff_count=counts["need_payoff"],
            advance_count=len(analysis.commitments),
            metrics=analysis.metrics,
            score_reasons=_score_reasons(analysis),
            commitments=[_jsonable(asdict(c)) for c in analysis.commitments],
            speaker_method=analysis.speakers.method,
            speaker_confidence=analysis.speakers.confidence,
            speaker_reasons=list(analysis.speakers.reasons),
            is_sales_call=conversation.is_sales_call,
            conversation_confidence=conversation.confidence,
            conversation_reasons=list(conversation.reasons),
        )
    )
    session.flush()
    refresh_labels(session, call_id)  # the corrections made before still hold where the text does


def _stored_to_dict(
    summary: CallAnalysis, turns: list[CallTurn], corrections: CorrectionState
) -> dict[str, Any]:
    score = summary.score
    return {
        "turns": [_turn_from_row(t, corrections.active.get(t.idx)) for t in turns],
        "metrics": summary.metrics,
        "commitments": effective_commitments(summary.commitments, turns, corrections.active),
        "commitment_secured": summary.commitment_secured,
        "score": None if score is None else {"total": score, "reasons": summary.score_reasons},
        "speakers": {
            "method": summary.speaker_method,
            "confidence": summary.speaker_confidence,
            "reasons": summary.speaker_reasons,
        },
        "conversation": {
            "is_sales_call": summary.is_sales_call,
            "confidence": summary.conversation_confidence,
            "reasons": summary.conversation_reasons,
        },
        "stale_corrections": [correction_dict(c) for c in corrections.stale],
    }


def correction_dict(correction: LabelCorrection) -> dict[str, Any]:
    c = correction
    values = {
        "id": c.id, "turn_index": c.turn_index, "turn_text": c.turn_text, "kind": c.kind,
        "old_label": c.old_label, "label": c.new_label, "old_commitment_action": c.old_action,
        "commitment_action": c.new_action, "old_commitment_due": c.old_due,
        "commitment_due": c.new_due, "note": c.note, "corrected_by": c.corrected_by,
        "corrected_at": c.corrected_at.isoformat(),
    }  # fmt: skip
    result: dict[str, Any] = _jsonable(values)
    return result


_TURN_FIELDS = (
    "index", "speaker", "start", "end", "text", "tokens", "question_type", "question_probability",
    "questions", "commitment", "commitment_probability", "commitment_action", "commitment_due",
    "evidence",
)  # fmt: skip
_LABEL_FIELDS = ("question_type", "commitment", "commitment_action", "commitment_due")


def _turn_dict(raw: dict[str, Any]) -> dict[str, Any]:
    turn: dict[str, Any] = _jsonable({name: raw[name] for name in _TURN_FIELDS})
    return turn


def _turn_columns(turn: dict[str, Any]) -> dict[str, Any]:
    columns = {("idx" if k == "index" else k): v for k, v in turn.items()}
    due = columns["commitment_due"]
    columns["commitment_due"] = date.fromisoformat(due) if due else None
    columns["search_text"] = search_text(turn["tokens"])
    return columns


def search_text(tokens: Sequence[str]) -> str:
    """What the full-text index reads: the turn's jieba tokens joined by spaces (the database
    indexes it in the same transaction; see models/search.py)."""
    return " ".join(t for t in tokens if t.strip())


def _turn_from_row(row: CallTurn, correction: LabelCorrection | None) -> dict[str, Any]:
    values = {name: getattr(row, "idx" if name == "index" else name) for name in _TURN_FIELDS}
    turn = _with_model_labels(_jsonable(values))
    if correction is not None:
        turn |= _corrected_labels(turn, correction)
        turn["correction"] = correction_dict(correction)
    return turn


def _with_model_labels(turn: dict[str, Any]) -> dict[str, Any]:
    """The turn as the model labelled it: its labels are also its model labels, uncorrected."""
    model = {name: turn[name] for name in _LABEL_FIELDS}
    return {**turn, "model_labels": model, "correction": None}


def _corrected_labels(turn: dict[str, Any], correction: LabelCorrection) -> dict[str, Any]:
    label = correction.new_label
    if correction.kind == "question":
        return {"question_type": label}
    next_step = label in ("advance", "continuation")
    action = (correction.new_action or turn["commitment_action"]) if next_step else None
    due = correction.new_due.isoformat() if correction.new_due else turn["commitment_due"]
    return {
        "commitment": label,
        "commitment_action": action,
        "commitment_due": due if next_step else None,
    }


def _score(analysis: Analysis) -> dict[str, Any] | None:
    if analysis.score is None:  # no sales conversation: `conversation` says why
        return None
    return {"total": analysis.score.total, "reasons": _score_reasons(analysis)}


def _score_reasons(analysis: Analysis) -> list[dict[str, Any]]:
    return score_reasons_json(analysis.score) if analysis.score else []


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _speech_segment(row: TranscriptSegment) -> SpeechSegment:
    # [start, end, text, probability] and, on mono calls, [voice, voice confidence]
    words = tuple(TimedWord(w[0], w[1], w[2], *w[4:6]) for w in row.words)
    return SpeechSegment(row.speaker, row.start, row.end, row.text, words)


def _call_date(call: Call, timezone: str) -> date:
    moment = call.happened_at
    return moment.astimezone(ZoneInfo(timezone)).date()


def _check_text_limits(turns: Sequence[TextTurn]) -> None:
    if not turns:
        raise InvalidInput("turns is empty: send at least one turn", field="turns")
    if len(turns) > MAX_TURNS:
        raise InvalidInput(
            f"too many turns: {len(turns)} (the limit is {MAX_TURNS})", field="turns"
        )
    empty = next((i for i, t in enumerate(turns) if not _clean_text(t.text)), None)
    if empty is not None:
        raise InvalidInput(f"turn {empty} has no text", field=f"turns[{empty}].text")
    total = sum(len(t.text) for t in turns)
    if total > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"the turns hold {total} characters (the limit is {MAX_TEXT_CHARS})", field="turns"
        )


def _clean_text(text: str) -> str:
    """Drop control and format characters (keep emoji and every script): they carry no speech."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n").strip()
