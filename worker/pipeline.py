"""What one `process_call` job does: transcribe (saving progress as Whisper goes), store the
transcript, analyse, finish. Each stage commits on its own, so a crash loses at most one stage.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from analysis import Analyzer
from asr import AudioLimits, ChannelLayout, Transcriber, Transcript, Word
from asr.errors import CorruptAudioError
from asr.lexicon import Lexicon
from auth.principal import Principal
from ingest.call_analysis import analyze_call, follow_labels
from ingest.storage import AudioStore
from models import (
    Call,
    CallStatus,
    Customer,
    Job,
    JobState,
    Rep,
    SessionFactory,
    TranscriptSegment,
    session_scope,
    utcnow,
)
from qa.rules import check_call
from search.trackers import track_call

__all__ = ["CallGone", "PipelineParts", "process_call"]

_PROGRESS_STEP = 0.02  # write progress at most every 2 %…
_PROGRESS_INTERVAL_S = 1.0  # …or every second, whichever comes later
_CANCEL_CHECK_S = 5.0  # without progress, still look this often whether the call was deleted
_TRANSCRIBE_SHARE = 0.95  # transcription is ~all the work; analysis gets the last 5 %

# The worker acts as the system: it may do everything to the calls it processes.
WORKER = Principal.system("worker")


class CallGone(Exception):
    """The call was deleted while its job ran; the job simply stops."""


@dataclass(frozen=True, slots=True)
class _Work:
    call_id: int
    audio: str  # its address in the store
    sha256: str
    layout: ChannelLayout
    already_transcribed: bool
    hotwords: tuple[str, ...] = ()  # the call's CRM names first, then the team's terms


@dataclass(frozen=True)
class PipelineParts:
    """What a job needs besides its id: where things are and the tools that do the work."""

    factory: SessionFactory
    store: AudioStore
    transcriber: Transcriber
    analyzer: Callable[[], Analyzer]  # built on first use: loading it takes seconds
    timezone: str = "Asia/Shanghai"
    max_seconds: float | None = None  # HUASHU_MAX_CALL_MINUTES, checked again while decoding
    hotwords: tuple[str, ...] | None = None  # the team's terms; None: no hotwords at all
    # The frequency lexicon homophones are corrected with (built on first use, like the
    # analyzer); None: only the vocabulary corrects the transcript.
    lexicon: Callable[[], Lexicon] | None = None


def process_call(parts: PipelineParts, job_id: int) -> None:
    """Transcribe (unless the call already has a transcript: reanalysis, or a crash after that
    stage), analyse, finish."""
    work = _start(parts.factory, job_id, parts.hotwords)
    if not work.already_transcribed:
        _transcribe(parts, job_id, work)
    _analyze(parts, job_id, work.call_id)
    _finish(parts.factory, job_id, work.call_id)


def _transcribe(parts: PipelineParts, job_id: int, work: _Work) -> None:
    """From a local copy of the stored file (the file itself when the store is a folder)."""
    limits = AudioLimits(max_duration_s=parts.max_seconds)
    with parts.store.local_copy(work.audio) as audio:
        _check_stored_file(audio, work.sha256)
        saver = _ProgressSaver(parts.factory, job_id, work.call_id)
        transcript = parts.transcriber.transcribe(
            audio, work.layout, saver, hotwords=work.hotwords, limits=limits
        )
    _save_transcript(parts.factory, job_id, work.call_id, transcript)


def _start(factory: SessionFactory, job_id: int, team_terms: tuple[str, ...] | None) -> _Work:
    with session_scope(factory) as session:
        job = session.get(Job, job_id)
        call = session.get(Call, job.call_id) if job else None
        if job is None or call is None:
            raise CallGone(f"job {job_id} has no call any more")
        done_before = call.transcribed_at is not None
        call.status = CallStatus.ANALYZING if done_before else CallStatus.TRANSCRIBING
        call.error = None
        layout = ChannelLayout(call.channels)
        words = () if team_terms is None else (*_call_names(session, call), *team_terms)
        return _Work(call.id, call.audio_path, call.audio_sha256, layout, done_before, words)


def _call_names(session: Session, call: Call) -> list[str]:
    """Who the call is with, as the CRM spells it: what Whisper most often gets wrong."""
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    rep = session.get(Rep, call.rep_id) if call.rep_id else None
    names = [call.customer, customer and customer.company, customer and customer.contact,
             call.rep, rep and rep.name]  # fmt: skip
    return list(dict.fromkeys(n for n in names if n))


def _check_stored_file(audio: Path, sha256: str) -> None:
    """A file damaged or cut short on disk since its upload would give a partial transcript of a
    call marked done: it fails at once instead (retrying cannot mend it)."""
    digest = hashlib.sha256()
    try:
        with audio.open("rb") as stored:
            while chunk := stored.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        raise CorruptAudioError("the stored audio file is missing") from None
    if digest.hexdigest() != sha256:
        raise CorruptAudioError("the stored audio file no longer matches the upload (damaged)")


def _save_transcript(
    factory: SessionFactory, job_id: int, call_id: int, transcript: Transcript
) -> None:
    """Replace the call's segments and move to `analyzing` in one transaction (exactly once)."""
    with session_scope(factory) as session:
        call = _require_call(session, call_id, job_id)
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_id == call_id))
        session.add_all(_segment_rows(call_id, transcript))
        call.language = transcript.language
        call.asr_model = transcript.model
        call.transcribed_at = utcnow()
        call.status = CallStatus.ANALYZING
        call.progress = _TRANSCRIBE_SHARE
        _set_job_progress(session, job_id, _TRANSCRIBE_SHARE)


def _analyze(parts: PipelineParts, job_id: int, call_id: int) -> None:
    """The transcript corrected, then turns, SPIN labels, commitments, metrics and score, stored
    in one transaction."""
    analyzer = parts.analyzer()
    lexicon = parts.lexicon() if parts.lexicon is not None else None
    with session_scope(parts.factory) as session:
        call = _require_call(session, call_id, job_id)
        analyze_call(session, analyzer, call, parts.timezone, WORKER, lexicon)
        # the follow-up draft and the rep's 承诺目标, on the labels in effect (corrections kept)
        follow_labels(session, call)
        check_call(session, call.id, WORKER)  # QA rules on the fresh turns
        track_call(session, call.id, WORKER)  # trackers' mentions (the search index is the db's)


def _finish(factory: SessionFactory, job_id: int, call_id: int) -> None:
    with session_scope(factory) as session:
        call = _require_call(session, call_id, job_id)
        call.status = CallStatus.DONE
        call.progress = 1.0
        call.error = None
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=JobState.DONE, progress=1.0, finished_at=utcnow(), last_error=None)
        )


def _segment_rows(call_id: int, transcript: Transcript) -> list[TranscriptSegment]:
    return [
        TranscriptSegment(
            call_id=call_id,
            idx=index,
            start=s.start,
            end=s.end,
            speaker=s.speaker.value,
            text=s.text,
            words=[_word_row(w) for w in s.words],
            avg_logprob=s.avg_logprob,
            no_speech_prob=s.no_speech_prob,
        )
        for index, s in enumerate(transcript.segments)
    ]


def _word_row(word: Word) -> list[Any]:
    """[start, end, text, probability], then [voice, its confidence] on mono calls."""
    row: list[Any] = [word.start, word.end, word.text, round(word.probability, 4)]
    if word.voice is not None:
        row += [word.voice, round(word.voice_confidence, 3)]
    return row


def _require_call(session: Session, call_id: int, job_id: int) -> Call:
    """The call, as long as it and this job still exist (deleting a call deletes its jobs)."""
    call = session.get(Call, call_id)
    if call is None or session.get(Job, job_id) is None:
        raise CallGone(f"the call of job {job_id} was deleted")
    return call


def _set_job_progress(session: Session, job_id: int, progress: float) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(progress=progress))


class _ProgressSaver:
    """Receives Whisper's progress (0..1) and writes it to the call and job, throttled."""

    def __init__(self, factory: SessionFactory, job_id: int, call_id: int) -> None:
        self._factory = factory
        self._job_id = job_id
        self._call_id = call_id
        self._saved = 0.0
        self._saved_at = 0.0

    def __call__(self, fraction: float) -> None:
        """Raises CallGone when the call was deleted meanwhile: that stops the transcription."""
        progress = round(min(max(fraction, 0.0), 1.0) * _TRANSCRIBE_SHARE, 4)
        now = time.monotonic()
        stepped = progress - self._saved >= _PROGRESS_STEP
        if now - self._saved_at < (_PROGRESS_INTERVAL_S if stepped else _CANCEL_CHECK_S):
            return
        self._saved, self._saved_at = progress, now
        with session_scope(self._factory) as session:
            call = update(Call).where(Call.id == self._call_id).values(progress=progress)
            if session.execute(call).rowcount == 0:  # type: ignore[attr-defined]
                raise CallGone(f"call {self._call_id} was deleted during its transcription")
            job = update(Job).where(Job.id == self._job_id)
            session.execute(job.values(progress=progress, heartbeat_at=utcnow()))
