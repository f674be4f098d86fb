"""Call intake over HTTP: upload, list, read, transcript, audio and delete calls; read, re-run
and try out their analysis; correct its labels and export the corrections. Each route calls one
service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentPrincipal, SessionDep, StateDep, StoreDep
from api.ranges import audio_response
from api.schemas.ingest import (
    AnalysisOut,
    AnalyzeIn,
    CallAccepted,
    CallChangeOut,
    CallEditIn,
    CallOut,
    CallQuery,
    CorrectionIn,
    CorrectionOut,
    ReviewQueueQuery,
    SegmentOut,
    TextEditIn,
    TextEditOut,
    TextEditResultOut,
    TranscriptOut,
    UncertainLabelOut,
    WordOut,
    call_out,
)
from api.schemas.paging import Page, page_out
from api.state import AppState
from api.upload import receive_upload
from asr.lexicon import Lexicon
from auth.permissions import UPLOAD_CALLS, authorize
from auth.principal import Principal
from core.types import Id
from ingest import call_analysis, call_edits, corrections, transcript_edits
from ingest import calls as service
from ingest.call_views import correction_view
from ingest.storage import IncomingAudio
from models import TranscriptSegment, session_scope

router = APIRouter(prefix="/api/v1", tags=["calls"])


@router.post(
    "/calls",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {
            "model": CallAccepted,
            "description": "The same recording was already uploaded (same file, or the same "
            "conversation by its sound): id is that call's.",
        }
    },
)
async def create_call(
    request: Request, response: Response, state: StateDep, principal: CurrentPrincipal
) -> CallAccepted:
    """Upload a recording (multipart field `audio`) with optional metadata fields. The database
    is opened only once the file is in: a slow upload holds no connection and no write lock.
    The same conversation already stored in another file answers 200 with its id unless
    `keep_both=true`."""
    authorize(principal, UPLOAD_CALLS)  # before reading a possibly huge body
    upload = await receive_upload(
        request.headers.get("content-type", ""),
        _content_length(request),
        request.stream(),
        state.store,
        state.settings.max_upload_bytes,
    )
    assert upload.incoming is not None
    with upload.incoming:
        meta = service.parse_metadata(upload.fields, upload.filename)
        created = await run_in_threadpool(_store_upload, state, upload.incoming, meta, principal)
    if not created.created:
        response.status_code = status.HTTP_200_OK
    return CallAccepted(
        id=created.call.id,
        status=created.call.status,
        duplicate=not created.created,
        same_as=created.same,  # SAME_FILE / SAME_SOUND
    )


def _store_upload(
    state: AppState, incoming: IncomingAudio, meta: service.CallMetadata, principal: Principal
) -> service.CreatedCall:
    with session_scope(state.session_factory) as session:
        rules = service.IntakeRules(
            state.settings.job_max_attempts, state.settings.max_call_seconds, state.dispatch
        )
        return service.create_call(session, state.store, incoming, meta, principal, rules)


@router.get("/calls")
def read_calls(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    query: Annotated[CallQuery, Query()],
) -> Page[CallOut]:
    """List calls, newest first; filter by rep (name or id), customer, opportunity, status,
    a [from, to) time range and a tracker the call mentions."""
    filters = query.filters(state.settings.timezone)
    return page_out(
        service.list_calls(session, filters, principal, query.page()).map(call_out), CallOut
    )


@router.get("/calls/{call_id}")
def read_call(call_id: Id, session: SessionDep, principal: CurrentPrincipal) -> CallOut:
    return call_out(service.get_call(session, call_id, principal))


@router.patch("/calls/{call_id}")
def update_call(
    call_id: Id, body: CallEditIn, session: SessionDep, state: StateDep,
    principal: CurrentPrincipal,
) -> CallOut:  # fmt: skip
    """Relink a call (rep, customer, opportunity), retitle or redate it, or change its channel
    layout: whoever may upload for its rep. The change is kept in its history and the call is
    re-analysed (follow-up draft, objectives, stalls follow the new links) or, for channels,
    transcribed again; search and the figures follow at once."""
    changes = call_edits.CallChanges(frozenset(body.model_fields_set), **body.model_dump())
    return call_out(call_edits.edit_call(session, call_id, changes, principal, state.dispatch))


@router.get("/calls/{call_id}/changes")
def read_call_changes(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> list[CallChangeOut]:
    """Who changed what of the call after upload, oldest first."""
    changes = call_edits.list_call_changes(session, call_id, principal)
    return [CallChangeOut.model_validate(c) for c in changes]


@router.get("/calls/{call_id}/transcript")
def read_transcript(call_id: Id, session: SessionDep, principal: CurrentPrincipal) -> TranscriptOut:
    call, segments = service.get_transcript(session, call_id, principal)
    return TranscriptOut(
        call_id=call.id,
        status=call.status,
        language=call.language,
        model=call.asr_model,
        duration_s=call.duration_s,
        segments=[_segment_out(s) for s in segments],
    )


@router.get(
    "/calls/{call_id}/audio",
    response_class=Response,
    responses={200: {"content": {"audio/*": {}}, "description": "The recording (Range works)."}},
)
def read_audio(
    call_id: Id, request: Request, session: SessionDep, store: StoreDep, principal: CurrentPrincipal
) -> Response:
    """The stored recording; supports HTTP Range requests so players can seek."""
    return audio_response(request, store, service.audio_file(session, store, call_id, principal))


@router.delete("/calls/{call_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_call(
    call_id: Id, session: SessionDep, store: StoreDep, principal: CurrentPrincipal
) -> None:
    """Delete the call, its transcript, its jobs and its audio file."""
    service.delete_call(session, store, call_id, principal)


def _segment_out(segment: TranscriptSegment) -> SegmentOut:
    words = [WordOut(start=w[0], end=w[1], text=w[2], probability=w[3]) for w in segment.words]
    return SegmentOut(
        start=segment.start,
        end=segment.end,
        speaker=segment.speaker,
        text=segment.text,
        words=words,
    )


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


@router.get("/calls/{call_id}/analysis")
def read_analysis(call_id: Id, session: SessionDep, principal: CurrentPrincipal) -> AnalysisOut:
    """Turns with SPIN types and commitments, metrics, commitments and the coaching score."""
    view = call_analysis.read_analysis(session, call_id, principal)
    return AnalysisOut.model_validate(view, from_attributes=True)


@router.post("/calls/{call_id}/reanalyze", status_code=status.HTTP_202_ACCEPTED)
def reanalyze_call(
    call_id: Id, session: SessionDep, state: StateDep, principal: CurrentPrincipal
) -> CallAccepted:
    """Analyse the stored transcript again (after a dictionary or model update)."""
    call = call_analysis.request_reanalysis(session, call_id, state.dispatch, principal)
    return CallAccepted(id=call.id, status=call.status, duplicate=False)


@router.post("/analyze")
async def analyze_turns(
    body: AnalyzeIn, state: StateDep, principal: CurrentPrincipal
) -> AnalysisOut:
    """Analyse turns given as text; nothing is stored (times in the result are null)."""
    turns = [call_analysis.TextTurn(t.speaker, t.text) for t in body.turns]
    result = await run_in_threadpool(
        lambda: call_analysis.analyze_text(state.analyzer.get(), turns, body.call_date, principal)
    )
    return AnalysisOut.model_validate(result, from_attributes=True)


TurnIndex = Annotated[int, Path(ge=0, le=call_analysis.MAX_TURNS, description="The turn's index.")]


@router.post("/calls/{call_id}/turns/{index}/corrections", status_code=status.HTTP_201_CREATED)
def create_correction(
    call_id: Id, index: TurnIndex, body: CorrectionIn, session: SessionDep,
    principal: CurrentPrincipal,
) -> CorrectionOut:  # fmt: skip
    """Correct a turn's SPIN type (rep turns: question_type) or commitment outcome (customer
    turns: commitment, with its action and due date). The latest correction of a turn holds;
    reports use it from now on."""
    labels = body.model_dump(include={"question_type", "commitment"}, exclude_unset=True)
    change = corrections.LabelChange(labels, body.commitment_action, body.commitment_due, body.note)
    made = corrections.correct_turn(session, call_id, index, change, principal)
    return CorrectionOut.model_validate(correction_view(made), from_attributes=True)


@router.patch("/calls/{call_id}/turns/{turn_index}")
async def update_turn_text(
    call_id: Id, turn_index: TurnIndex, body: TextEditIn, state: StateDep,
    principal: CurrentPrincipal,
) -> TextEditResultOut:  # fmt: skip
    """Correct what Whisper got wrong in a turn: the new text shows at once, the call is
    re-analysed with it (labels, score, search, trackers, objectives), and a replacement people
    have now made on enough calls (HUASHU_LEARN_AFTER_CALLS) is learned for later calls."""
    lexicon = await run_in_threadpool(state.analyzer.lexicon)  # built once, on the first edit
    return await run_in_threadpool(
        _edit_turn_text, state, call_id, turn_index, body.text, principal, lexicon
    )


def _edit_turn_text(
    state: AppState, call_id: int, index: int, text: str, principal: Principal, lexicon: Lexicon
) -> TextEditResultOut:
    with session_scope(state.session_factory) as session:
        result = transcript_edits.edit_turn_text(
            session, call_id, index, text, principal, lexicon=lexicon,
            learn_after_calls=state.settings.learn_after_calls, notify=state.dispatch,
        )  # fmt: skip
        return TextEditResultOut.model_validate(result, from_attributes=True)


@router.get("/calls/{call_id}/transcript-edits")
def read_transcript_edits(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> list[TextEditOut]:
    """Every edit of the call's transcript, oldest first (the history; the latest per turn holds)."""
    edits = transcript_edits.list_text_edits(session, call_id, principal)
    return [TextEditOut.model_validate(e, from_attributes=True) for e in edits]


@router.get("/review-queue")
def read_review_queue(
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
    query: Annotated[ReviewQueueQuery, Query()],
) -> Page[UncertainLabelOut]:
    """Labels the model was least sure of, on the calls you may correct, least sure first: confirm
    one (a correction to the same label) or correct it, and it leaves the queue."""
    below = state.settings.review_below if query.below is None else query.below
    found = corrections.uncertain_labels(session, principal, query.kind, below, query.page())
    return page_out(found, UncertainLabelOut)


@router.get("/calls/{call_id}/corrections")
def read_corrections(
    call_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> list[CorrectionOut]:
    """Every correction of the call's labels, oldest first (the history)."""
    made = corrections.list_corrections(session, call_id, principal)
    return [CorrectionOut.model_validate(correction_view(c), from_attributes=True) for c in made]


@router.get(
    "/corrections/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines."}},
)
def export_corrections(session: SessionDep, principal: CurrentPrincipal) -> StreamingResponse:
    """The corrections as training data for `python -m analysis.train --corrections FILE`."""
    lines = list(corrections.export_corrections(session, principal))  # before the session closes
    return StreamingResponse(
        iter(lines),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="corrections.jsonl"'},
    )
