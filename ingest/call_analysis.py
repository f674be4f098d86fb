"""A call's analysis: analyse its stored transcript, store and read back the results, ask for
a re-analysis; and plain text analysed on request (no call)."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from analysis import (
    Analysis,
    Analyzer,
    Commitment,
    Question,
    SpeakerGuess,
    SpeechSegment,
    TimedWord,
    Turn,
    Utterance,
)
from analysis.score import score_from_json, score_reasons_json
from analysis.types import ConversationCheck
from asr import Segment, Speaker, Word
from asr.correction import Corrector
from asr.lexicon import MODERN_WORDS, Lexicon, read_frequencies
from auth.permissions import ANALYZE_TEXT, REANALYZE_CALLS, authorize
from auth.principal import Principal
from core.errors import InvalidInput, TranscriptNotReady
from crm.followups import draft_follow_up
from crm.objective_checks import judge_objectives
from ingest.call_views import (
    AnalysisView,
    ConversationView,
    ModelLabels,
    SpeakersView,
    TurnView,
    analysis_view,
    correction_view,
    doubtful_views,
    question_views,
    replacement_views,
    score_view,
    text_edit_view,
)
from ingest.calls import get_call
from ingest.labels_in_effect import (
    CorrectionState,
    correction_state,
    effective_commitments,
    refresh_labels,
)
from ingest.turn_origins import TurnOrigin, TurnOrigins
from models import (
    Call,
    CallAnalysis,
    CallStatus,
    CallTurn,
    Job,
    JobKind,
    JobState,
    LabelCorrection,
    TranscriptEdit,
    TranscriptSegment,
    on_commit,
)
from vocabulary.terms import call_terms

__all__ = [
    "MAX_TEXT_CHARS",
    "MAX_TURNS",
    "AnalyzerHolder",
    "TextTurn",
    "analysis_in_effect",
    "analyze_call",
    "analyze_text",
    "count_turns",
    "edits_in_effect",
    "follow_labels",
    "queue_reanalysis",
    "queue_transcription",
    "read_analysis",
    "request_reanalysis",
    "search_text",
    "store_analysis",
]

_LABELS_IN_EFFECT = Principal.system("labels in effect")
MAX_TURNS = 5_000  # a 3-hour meeting has fewer; 100 000 is an abuse, not a call
MAX_TURN_CHARS = 5_000
MAX_TEXT_CHARS = 300_000


class AnalyzerHolder:
    """Builds the `Analyzer` once, on first use or on `warm_up`, for the API and the worker;
    its fitted classifiers are kept in `cache_dir` for the next process (None: trained each time).
    """

    def __init__(
        self, user_dictionaries: Sequence[Path] = (), cache_dir: Path | None = None
    ) -> None:
        self._user_dictionaries = tuple(user_dictionaries)
        self._cache_dir = cache_dir
        self._analyzer: Analyzer | None = None
        self._lexicon: Lexicon | None = None
        self._lock = threading.Lock()
        self._lexicon_lock = threading.Lock()

    def get(self) -> Analyzer:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = Analyzer(self._user_dictionaries, cache_dir=self._cache_dir)
            return self._analyzer

    def lexicon(self) -> Lexicon:
        """What transcripts are corrected with: the analyzer's own word table (jieba's, the sales
        dictionary, the team's files: shared, not copied) and the modern words jieba lacks."""
        analyzer = self.get()
        with self._lexicon_lock:
            if self._lexicon is None:
                modern = read_frequencies(MODERN_WORDS)
                self._lexicon = Lexicon([analyzer.word_frequencies(), modern])
            return self._lexicon

    def warm_up(self) -> None:
        """Build the analyzer and the lexicon in the background (the lexicon needs the analyzer)."""
        threading.Thread(target=self.lexicon, name="huashu-analyzer-warm-up", daemon=True).start()


@dataclass(frozen=True, slots=True)
class TextTurn:
    speaker: str
    text: str


def analyze_text(
    analyzer: Analyzer, turns: Sequence[TextTurn], call_date: date | None, principal: Principal
) -> AnalysisView:
    """Analyse turns given as text (nothing stored): for CRM plug-ins and tests."""
    authorize(principal, ANALYZE_TEXT)
    _check_text_limits(turns)
    utterances = [Utterance(t.speaker, _clean_text(t.text)) for t in turns]
    return analysis_view(analyzer.analyze_turns(utterances, call_date=call_date))


def analyze_call(
    session: Session,
    analyzer: Analyzer,
    call: Call,
    timezone: str,
    principal: Principal,
    lexicon: Lexicon | None = None,
) -> Analysis:
    """Analyse a call's stored transcript and replace its stored analysis (the worker's step).

    Whisper's words are first corrected against the call's vocabulary (its CRM names, the team's
    terms and learned corrections) and, given a `lexicon`, for homophones; then people's edits of
    a turn's text replace it where the turn still reads as it did when they edited it."""
    authorize(principal, REANALYZE_CALLS)
    rows = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.call_id == call.id)
        .order_by(TranscriptSegment.idx)
    )
    heard = [_asr_segment(row) for row in rows]
    corrected = Corrector(call_terms(session, call), lexicon).correct(heard)
    origins = _OriginsInEffect(TurnOrigins(corrected), edits_in_effect(session, call.id))
    analysis = analyzer.analyze_segments(
        [_speech_segment(s) for s in corrected.segments],
        call_date=_call_date(call, timezone),
        duration=call.duration_s,
        stereo=call.channels != "mono",
        revise=origins.revise,
        swap_speakers=call.speakers_swapped,
    )
    store_analysis(session, call.id, analysis, origins.found)
    return analysis


class _OriginsInEffect:
    """The `revise` step of an analysis: records each turn's origin and puts a person's edit in
    effect where the turn still reads as Whisper heard it when they edited it."""

    def __init__(self, origins: TurnOrigins, edits: dict[int, TranscriptEdit]) -> None:
        self._origins = origins
        self._edits = edits
        self.found: dict[int, TurnOrigin] = {}

    def revise(self, index: int, turn: Utterance) -> Utterance:
        origin = self._origins.origin(turn)
        edit = self._edits.get(index)
        if (
            edit is not None
            and edit.heard_text == origin.heard_text
            and edit.speaker == turn.speaker
        ):
            self.found[index] = replace(origin, edit_id=edit.id)
            return replace(turn, text=edit.new_text)
        self.found[index] = origin
        return turn


def edits_in_effect(session: Session, call_id: int) -> dict[int, TranscriptEdit]:
    """The latest edit of each turn of the call (whether it still applies is the analysis's
    call: it must still read as Whisper heard it)."""
    edits = session.scalars(
        select(TranscriptEdit).where(TranscriptEdit.call_id == call_id).order_by(TranscriptEdit.id)
    )
    return {edit.turn_index: edit for edit in edits}


def read_analysis(session: Session, call_id: int, viewer: Principal) -> AnalysisView:
    call = get_call(session, call_id, viewer)
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        raise TranscriptNotReady(
            f"call {call_id} has not been analysed yet (status: {call.status})"
        )
    turns = list(
        session.scalars(select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx))
    )
    view = _stored_view(summary, turns, correction_state(session, call_id, turns))
    return _with_edits(view, turns, session, call_id)


def _with_edits(
    view: AnalysisView, turns: Sequence[CallTurn], session: Session, call_id: int
) -> AnalysisView:
    """Each turn's edit in effect, and the latest edits that no longer apply (stale)."""
    latest = edits_in_effect(session, call_id)
    by_id = {e.id: e for e in latest.values()}
    in_effect = {t.idx: t.edit_id for t in turns if t.edit_id is not None}
    stale = [text_edit_view(e) for i, e in sorted(latest.items()) if in_effect.get(i) != e.id]
    with_edit = [
        replace(t, edit=text_edit_view(by_id[in_effect[t.index]]))
        if in_effect.get(t.index) in by_id else t
        for t in view.turns
    ]  # fmt: skip
    return replace(view, turns=with_edit, stale_edits=stale)


def analysis_in_effect(session: Session, call_id: int) -> Analysis | None:
    """The call's stored analysis with the labels in effect (a person's correction over the
    model's label): its turns, advances, counts and score as the reports read them. None when
    the call has not been analysed."""
    summary = session.get(CallAnalysis, call_id)
    if summary is None:
        return None
    rows = list(
        session.scalars(select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.idx))
    )
    view = _stored_view(summary, rows, correction_state(session, call_id, rows))
    counts = {"situation": summary.situation_count, "problem": summary.problem_count,
              "implication": summary.implication_count, "need_payoff": summary.need_payoff_count}  # fmt: skip
    metrics = {
        **summary.metrics,
        "question_counts": {**summary.metrics["question_counts"], **counts},
    }
    return Analysis(
        turns=tuple(_turn_of(t) for t in view.turns),
        metrics=metrics,
        commitments=tuple(
            Commitment(c.turn_index, c.action, c.due, c.time_text, c.text, c.probability)
            for c in view.commitments
        ),
        score=None if summary.score is None else score_from_json(summary.score, summary.score_reasons),
        speakers=SpeakerGuess(view.speakers.method, view.speakers.confidence,
                              tuple(view.speakers.reasons)),
        commitment_secured=summary.commitment_secured,
        conversation=ConversationCheck(summary.is_sales_call, view.conversation.confidence or 0.5,
                                       tuple(view.conversation.reasons)),
    )  # fmt: skip


def _turn_of(view: TurnView) -> Turn:
    return Turn(
        index=view.index, speaker=view.speaker, start=view.start, end=view.end, text=view.text,
        tokens=tuple(view.tokens), question_type=view.question_type,
        questions=tuple(Question(q.text, q.question_type, q.probability or 1.0)
                        for q in view.questions),
        commitment=view.commitment, commitment_action=view.commitment_action,
        commitment_due=view.commitment_due, evidence=tuple(view.evidence),
        question_probability=view.question_probability,
        commitment_probability=view.commitment_probability,
    )  # fmt: skip


def follow_labels(session: Session, call: Call) -> None:
    """Derive again what rests on the call's labels in effect, in the caller's transaction: the
    follow-up draft's next step and due date, the commitment objective's judgement and the
    score's objective line. Runs after every analysis and every correction of a label (done on
    the system's behalf: a QA reviewer may correct a label but not write a follow-up)."""
    analysis = analysis_in_effect(session, call.id)
    if analysis is None:
        return
    draft_follow_up(session, call, analysis, _LABELS_IN_EFFECT)
    session.flush()
    judge_objectives(session, call, analysis, _LABELS_IN_EFFECT)


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
    queue_reanalysis(session, call, notify)
    return call


def queue_reanalysis(
    session: Session, call: Call, notify: Callable[[int, str], None] | None
) -> None:
    """A re-analysis job for the call unless one is queued or running (which will see what
    changed: it reads everything when it starts); the job is announced after the commit."""
    pending = session.scalar(
        select(Job.id).where(
            Job.call_id == call.id, Job.state.in_((JobState.QUEUED, JobState.RUNNING))
        )
    )
    if pending is not None:
        return
    job = Job(kind=JobKind.REANALYZE_CALL, call_id=call.id)
    session.add(job)
    session.flush()
    call.status, call.progress, call.error = CallStatus.QUEUED, 0.95, None
    if notify is not None:
        on_commit(session, lambda: notify(job.id, job.kind))


def queue_transcription(
    session: Session, call: Call, notify: Callable[[int, str], None] | None
) -> None:
    """Transcribe the call again (its channel layout changed): its transcript is marked gone so
    the job transcribes before it analyses. A job still queued (of either kind: both run the
    whole pipeline) reads the call when it starts, so it does the work; a running one must have
    been refused by the caller."""
    call.transcribed_at = None
    call.status, call.progress, call.error = CallStatus.QUEUED, 0.0, None
    queued = select(Job.id).where(Job.call_id == call.id, Job.state == JobState.QUEUED)
    if session.scalar(queued) is not None:
        return
    job = Job(kind=JobKind.PROCESS_CALL, call_id=call.id)
    session.add(job)
    session.flush()
    if notify is not None:
        on_commit(session, lambda: notify(job.id, job.kind))


def store_analysis(
    session: Session,
    call_id: int,
    analysis: Analysis,
    origins: dict[int, TurnOrigin] | None = None,
) -> None:
    """Replace the call's stored turns and summary with `analysis` (and so its search index);
    `origins`: where each turn's words came from (ingest.turn_origins)."""
    session.execute(delete(CallTurn).where(CallTurn.call_id == call_id))
    session.execute(delete(CallAnalysis).where(CallAnalysis.call_id == call_id))
    found = origins or {}
    session.add_all(_turn_row(call_id, t, found.get(t.index)) for t in analysis.turns)
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
            commitments=[_commitment_json(c) for c in analysis.commitments],
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


def _stored_view(
    summary: CallAnalysis, turns: list[CallTurn], corrections: CorrectionState
) -> AnalysisView:
    return AnalysisView(
        turns=[_stored_turn(t, corrections.active.get(t.idx)) for t in turns],
        metrics=summary.metrics,
        commitments=effective_commitments(summary.commitments, turns, corrections.active),
        commitment_secured=summary.commitment_secured,
        score=score_view(summary.score, summary.score_reasons),
        speakers=SpeakersView(
            summary.speaker_method, summary.speaker_confidence, summary.speaker_reasons
        ),
        conversation=ConversationView(
            summary.is_sales_call, summary.conversation_confidence, summary.conversation_reasons
        ),
        stale_corrections=[correction_view(c) for c in corrections.stale],
    )


def _turn_row(call_id: int, turn: Turn, origin: TurnOrigin | None) -> CallTurn:
    return CallTurn(
        call_id=call_id, idx=turn.index, speaker=turn.speaker, start=turn.start, end=turn.end,
        text=turn.text, tokens=list(turn.tokens), search_text=search_text(turn.tokens),
        question_type=turn.question_type, question_probability=turn.question_probability,
        questions=[asdict(q) for q in turn.questions], commitment=turn.commitment,
        commitment_probability=turn.commitment_probability,
        commitment_action=turn.commitment_action, commitment_due=turn.commitment_due,
        evidence=list(turn.evidence),
        heard_text=origin.heard_text if origin else turn.text,
        replacements=[] if origin is None or origin.edit_id else origin.replacements,
        doubtful=[] if origin is None or origin.edit_id else origin.doubtful,
        edit_id=origin.edit_id if origin else None,
    )  # fmt: skip


def _commitment_json(commitment: Commitment) -> dict[str, Any]:
    """As `CallAnalysis.commitments` keeps it (ingest.labels_in_effect reads it back)."""
    stored = asdict(commitment)
    stored["due"] = commitment.due.isoformat() if commitment.due else None
    return stored


def search_text(tokens: Sequence[str]) -> str:
    """What the full-text index reads: the turn's jieba tokens joined by spaces (the database
    indexes it in the same transaction; see models/search.py)."""
    return " ".join(t for t in tokens if t.strip())


def _stored_turn(row: CallTurn, correction: LabelCorrection | None) -> TurnView:
    """The stored turn with a person's correction in effect, if there is one."""
    model = ModelLabels(
        row.question_type, row.commitment, row.commitment_action, row.commitment_due
    )
    turn = TurnView(
        index=row.idx, speaker=row.speaker, start=row.start, end=row.end, text=row.text,
        tokens=list(row.tokens), question_type=row.question_type,
        question_probability=row.question_probability, questions=question_views(row.questions),
        commitment=row.commitment, commitment_probability=row.commitment_probability,
        commitment_action=row.commitment_action, commitment_due=row.commitment_due,
        evidence=list(row.evidence), model_labels=model,
        heard_text=row.heard_text if row.heard_text not in (None, row.text) else None,
        replacements=replacement_views(row.replacements or []),
        doubtful=doubtful_views(row.doubtful or []),
    )  # fmt: skip
    if correction is None:
        return turn
    return replace(turn, correction=correction_view(correction), **_corrected(turn, correction))


def _corrected(turn: TurnView, correction: LabelCorrection) -> dict[str, Any]:
    """The labels a correction puts in effect (only those of its kind)."""
    label = correction.new_label
    if correction.kind == "question":
        return {"question_type": label}
    next_step = label in ("advance", "continuation")
    action = (correction.new_action or turn.commitment_action) if next_step else None
    due = (correction.new_due or turn.commitment_due) if next_step else None
    return {"commitment": label, "commitment_action": action, "commitment_due": due}


def _score_reasons(analysis: Analysis) -> list[dict[str, Any]]:
    return score_reasons_json(analysis.score) if analysis.score else []


def _asr_segment(row: TranscriptSegment) -> Segment:
    """The stored segment as asr made it: words [start, end, text, probability] and, on mono
    calls, [voice, voice confidence]."""
    words = tuple(Word(w[0], w[1], w[2], w[3], *w[4:6]) for w in row.words)
    return Segment(row.start, row.end, row.text, Speaker(row.speaker), words)


def _speech_segment(segment: Segment) -> SpeechSegment:
    words = tuple(
        TimedWord(w.start, w.end, w.text, w.voice, w.voice_confidence) for w in segment.words
    )
    return SpeechSegment(segment.speaker.value, segment.start, segment.end, segment.text, words)


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
