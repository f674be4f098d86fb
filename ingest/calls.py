"""The calls service: accept a recording, list and read calls, hand out transcripts and audio.

Services never commit: the caller's unit of work (the request dependency, the CLI's
session_scope) commits or rolls back, and after-commit hooks wake the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asr import AudioInfo, AudioLimits, ChannelLayout, probe_audio
from asr.errors import AudioError, AudioLimitError, CorruptAudioError, NotAudioError
from asr.fingerprint import SAME_SOUND_BELOW, SoundPrint, print_sound, sound_distance
from auth.permissions import (
    DELETE_CALLS,
    READ_CALLS,
    READ_CUSTOMERS,
    READ_OPPORTUNITIES,
    UPLOAD_CALLS,
    Action,
    authorize,
    require_visible,
    visible,
)
from auth.principal import Principal
from core.errors import (
    ChannelMismatch,
    CorruptAudio,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLong,
    TranscriptNotReady,
    UnsupportedAudio,
)
from core.paging import Page, PageRequest, paged
from core.types import EARLIEST_DATE, LATEST_DATE
from crm.links import CallLinks, RecordRef, parse_ref, resolve_call_links
from ingest.storage import AudioStore, IncomingAudio, content_address
from models import (
    Call,
    CallAnalysis,
    CallStatus,
    CallTrackerHit,
    Job,
    JobKind,
    Rep,
    Role,
    TranscriptSegment,
    on_commit,
    on_rollback,
    utcnow,
)

__all__ = [
    "DEFAULT_RULES",
    "SAME_FILE",
    "SAME_SOUND",
    "AudioFile",
    "CallFilters",
    "CallMetadata",
    "CreatedCall",
    "IntakeRules",
    "audio_file",
    "check_layout",
    "check_links",
    "create_call",
    "delete_call",
    "get_call",
    "get_transcript",
    "list_calls",
    "parse_metadata",
    "parse_moment",
]

Notify = Callable[[int, str], None]  # (job id, job kind), called once the upload has committed

# PyAV container names → (file extension, MIME type) for storing and serving the original.
_FORMATS = {
    "wav": ("wav", "audio/wav"),
    "mp3": ("mp3", "audio/mpeg"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("m4a", "audio/mp4"),
    "aac": ("aac", "audio/aac"),
    "amr": ("amr", "audio/amr"),
    "ogg": ("ogg", "audio/ogg"),
    "flac": ("flac", "audio/flac"),
    "matroska,webm": ("webm", "audio/webm"),
    "g729": ("g729", "application/octet-stream"),
}


@dataclass(frozen=True, slots=True)
class CallMetadata:
    channels: ChannelLayout = ChannelLayout.MONO
    title: str | None = None
    rep: str | None = None
    customer: str | None = None
    occurred_at: datetime | None = None
    rep_ref: RecordRef | None = None
    customer_ref: RecordRef | None = None
    opportunity_ref: RecordRef | None = None
    original_filename: str | None = None
    keep_both: bool = False  # store it even when it is the same conversation as a stored call


@dataclass(frozen=True)
class IntakeRules:
    """The service's rules for a new recording, and who to tell once it is stored."""

    max_attempts: int = 3  # tries its job gets
    max_seconds: float | None = None  # HUASHU_MAX_CALL_MINUTES
    notify: Notify | None = None  # hands the committed job to whoever runs jobs

    @property
    def limits(self) -> AudioLimits:
        return AudioLimits(max_duration_s=self.max_seconds)


DEFAULT_RULES = IntakeRules()


@dataclass(frozen=True, slots=True)
class CreatedCall:
    call: Call
    created: bool  # False when the same recording was already stored: `call` is that one
    same: SameAs | None = None  # why it is the same: SAME_FILE (its bytes) or SAME_SOUND


SameAs = Literal["file", "sound"]
SAME_FILE: SameAs = "file"
SAME_SOUND: SameAs = "sound"
# How much two recordings of one conversation may differ in length (encoder padding, a cut tail).
_SAME_LENGTH_WITHIN_S, _SAME_LENGTH_WITHIN_SHARE = 1.0, 0.01
_MOST_CANDIDATES = 200  # stored calls of about the same length compared by sound, newest first


@dataclass(frozen=True, slots=True)
class CallFilters:
    rep: str | None = None
    status: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    rep_id: int | None = None
    customer_id: int | None = None
    opportunity_id: int | None = None
    commitment_secured: bool | None = None
    score_min: int | None = None
    score_max: int | None = None
    tracker_id: int | None = None  # only calls with a mention of this tracker


@dataclass(frozen=True, slots=True)
class AudioFile:
    relative: str  # its address in the store
    size: int
    media_type: str
    download_name: str


def parse_metadata(fields: Mapping[str, str | None], filename: str | None) -> CallMetadata:
    """Turn an upload's text fields into metadata, naming the field that is wrong."""
    return CallMetadata(
        channels=_parse_channels(fields.get("channels")),
        title=_short_text(fields, "title", 200),
        rep=_short_text(fields, "rep", 100),
        customer=_short_text(fields, "customer", 200),
        occurred_at=_parse_time(fields.get("occurred_at")),
        rep_ref=parse_ref(fields, "rep"),
        customer_ref=parse_ref(fields, "customer"),
        opportunity_ref=parse_ref(fields, "opportunity"),
        original_filename=clean_filename(filename),
        keep_both=_parse_flag(fields, "keep_both"),
    )


def parse_moment(value: str | None, timezone: str, field: str) -> datetime | None:
    """A time from a query: ISO 8601 with an offset; without one it is local time in `timezone`,
    and a date alone (2026-11-23) means that local day's midnight."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field} {value!r} is not a date or an ISO 8601 time (e.g. 2026-11-23 or "
            "2026-11-23T14:30:00+08:00)",
            field=field,
        ) from None
    if not EARLIEST_DATE.year <= moment.year <= LATEST_DATE.year:
        raise InvalidInput(
            f"{field} must lie between {EARLIEST_DATE.year} and {LATEST_DATE.year}", field=field
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def clean_filename(name: str | None) -> str | None:
    """Keep the uploader's file name for display only; anything path-like is refused."""
    if name is None or name == "":
        return None
    bad = any(ch in name for ch in "/\\") or name in {".", ".."} or name.startswith("..")
    if bad or any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or len(name) > 255:
        raise InvalidInput(f"the file name {name!r} is not a plain file name", field="audio")
    return name


def create_call(
    session: Session,
    store: AudioStore,
    incoming: IncomingAudio,
    meta: CallMetadata,
    uploader: Principal,
    rules: IntakeRules = DEFAULT_RULES,
) -> CreatedCall:
    """Validate a received file, store it under its hash, and queue it for transcription.
    The same file, or the same conversation in another file (unless `meta.keep_both`), is not
    stored again: the answer is the call already there."""
    meta = _as_uploader(uploader, meta)
    sha256 = incoming.finish()
    existing = _call_with_audio(session, sha256)
    if existing is not None:
        incoming.discard()
        return CreatedCall(existing, created=False, same=SAME_FILE)
    links = resolve_call_links(session, meta.rep_ref, meta.customer_ref, meta.opportunity_ref)
    if links.rep is None and meta.rep:
        links = replace(links, rep=_rep_named(session, uploader, meta.rep))
    check_links(session, uploader, links)
    info = _probe(incoming.path, rules.limits)
    check_layout(meta.channels, info.channels)
    sound = _sound_print(incoming.path)
    same_sound = None if meta.keep_both else _call_with_sound(session, uploader, sound, info)
    if same_sound is not None:
        incoming.discard()
        return CreatedCall(same_sound, created=False, same=SAME_SOUND)
    extension, _ = _FORMATS.get(info.format_name, ("bin", "application/octet-stream"))
    relative = content_address(sha256, extension)
    call = _new_call(meta, info, sha256, incoming.size, relative)
    call.uploaded_by, call.uploaded_by_user_id = uploader.token_id, uploader.user_id
    call.sound_print = sound.to_bytes() if sound is not None else None
    _link(call, links)
    # The file goes to its content address first and the rows follow in one savepoint: SQLite
    # may commit a first savepoint on release, so nothing that can fail comes after it.
    _store_file(session, store, incoming, relative)
    job = Job(kind=JobKind.PROCESS_CALL, max_attempts=rules.max_attempts)
    try:
        with session.begin_nested():
            session.add(call)
            session.flush()
            job.call_id = call.id
            session.add(job)
            session.flush()
    except IntegrityError:  # the same audio arrived concurrently and won the race: its call
        # holds this very file (same content, same address), so the file stays.
        same = _require(_call_with_audio(session, sha256), sha256)
        return CreatedCall(same, created=False, same=SAME_FILE)
    if rules.notify is not None:
        notify = rules.notify
        on_commit(session, lambda: notify(job.id, job.kind))
    return CreatedCall(call, created=True)


def list_calls(
    session: Session, filters: CallFilters, viewer: Principal, page: PageRequest
) -> Page[Call]:
    """A page of the calls matching `filters` that `viewer` may see."""
    if filters.status is not None and filters.status not in CallStatus.ALL:
        allowed = ", ".join(CallStatus.ALL)
        raise InvalidInput(
            f"unknown status {filters.status!r}; use one of {allowed}", field="status"
        )
    query = _filtered(select(Call), filters).where(visible(viewer, READ_CALLS, Call))
    return paged(session, query, page, Call.happened_at.desc(), Call.id.desc())


def get_call(
    session: Session, call_id: int, principal: Principal, action: Action = READ_CALLS
) -> Call:
    """The call, if it exists and `principal` may do `action` (by default: open it) to it."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"call {call_id} does not exist")
    require_visible(session, principal, action, call)
    return call


def get_transcript(
    session: Session, call_id: int, viewer: Principal
) -> tuple[Call, list[TranscriptSegment]]:
    call = get_call(session, call_id, viewer)
    if call.transcribed_at is None:
        raise TranscriptNotReady(f"call {call_id} has no transcript yet (status: {call.status})")
    segments = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.call_id == call_id)
        .order_by(TranscriptSegment.idx)
    )
    return call, list(segments)


def audio_file(session: Session, store: AudioStore, call_id: int, viewer: Principal) -> AudioFile:
    call = get_call(session, call_id, viewer)
    size = store.size(call.audio_path)
    if size is None:
        raise NotFound(f"the audio of call {call_id} is missing from the store")
    _, media_type = _FORMATS.get(call.audio_format, ("bin", "application/octet-stream"))
    name = call.original_filename or Path(call.audio_path).name
    return AudioFile(call.audio_path, size, media_type, name)


def delete_call(session: Session, store: AudioStore, call_id: int, principal: Principal) -> None:
    """Delete the call's rows now and its audio once the deletion has committed."""
    authorize(principal, DELETE_CALLS)
    call = get_call(session, call_id, principal, DELETE_CALLS)
    relative = call.audio_path
    session.delete(call)
    session.flush()
    on_commit(session, lambda: store.remove(relative))


def _filtered(query: Select[Any], f: CallFilters) -> Select[Any]:
    if f.rep:
        query = query.where(Call.rep == f.rep)
    if f.status:
        query = query.where(Call.status == f.status)
    for column, value in (
        (Call.rep_id, f.rep_id),
        (Call.customer_id, f.customer_id),
        (Call.opportunity_id, f.opportunity_id),
    ):
        if value is not None:
            query = query.where(column == value)
    query = _analysis_filters(query, f)
    if f.tracker_id is not None:
        mentioned = select(CallTrackerHit.call_id).where(CallTrackerHit.tracker_id == f.tracker_id)
        query = query.where(Call.id.in_(mentioned))
    when = Call.happened_at
    if f.occurred_from:
        query = query.where(when >= f.occurred_from)
    if f.occurred_to:
        query = query.where(when < f.occurred_to)
    return query


def _analysis_filters(query: Select[Any], f: CallFilters) -> Select[Any]:
    """Commitment and score filters only match analysed calls."""
    if f.commitment_secured is None and f.score_min is None and f.score_max is None:
        return query
    query = query.join(CallAnalysis, CallAnalysis.call_id == Call.id)
    if f.commitment_secured is not None:
        query = query.where(CallAnalysis.commitment_secured == f.commitment_secured)
    if f.score_min is not None:
        query = query.where(CallAnalysis.score >= f.score_min)
    if f.score_max is not None:
        query = query.where(CallAnalysis.score <= f.score_max)
    return query


def _call_with_audio(session: Session, sha256: str) -> Call | None:
    return session.scalar(select(Call).where(Call.audio_sha256 == sha256))


def _sound_print(path: Path) -> SoundPrint | None:
    """The recording's print; a file the probe accepted but the print cannot read is stored
    without one (it is then found again by its bytes only)."""
    try:
        return print_sound(path)
    except AudioError:
        return None


def _call_with_sound(
    session: Session, uploader: Principal, sound: SoundPrint | None, info: AudioInfo
) -> Call | None:
    """A call the uploader can see whose recording is the same conversation: about as long,
    and its print (see asr.fingerprint) close."""
    if sound is None:
        return None
    within = max(_SAME_LENGTH_WITHIN_S, _SAME_LENGTH_WITHIN_SHARE * info.duration)
    candidates = session.execute(
        select(Call.id, Call.sound_print)
        .where(
            Call.duration_s.between(info.duration - within, info.duration + within),
            Call.sound_print.is_not(None),
            visible(uploader, READ_CALLS, Call),
        )
        .order_by(Call.id.desc())
        .limit(_MOST_CANDIDATES)
    )
    for call_id, stored in candidates:
        assert stored is not None  # the query asked for calls with a print
        distance = sound_distance(sound, SoundPrint.from_bytes(stored))
        if distance is not None and distance < SAME_SOUND_BELOW:
            return session.get(Call, call_id)
    return None


def _require(call: Call | None, sha256: str) -> Call:
    if call is None:
        raise RuntimeError(f"audio {sha256} conflicted but no call holds it")
    return call


def _probe(path: Path, limits: AudioLimits) -> AudioInfo:
    try:
        return probe_audio(path, limits)
    except AudioLimitError as exc:  # before any decoding where the header already says so
        refused = TooLong if exc.limit == "duration" else InvalidInput
        raise refused(f"the recording is refused: {exc}", field="audio") from exc
    except NotAudioError as exc:
        raise UnsupportedAudio(f"not an audio file: {exc}", field="audio") from exc
    except CorruptAudioError as exc:
        raise CorruptAudio(f"the audio cannot be decoded: {exc}", field="audio") from exc


def check_layout(layout: ChannelLayout, channels: int) -> None:
    """A layout naming the rep's side needs a recording with two sides."""
    if layout is not ChannelLayout.MONO and channels < 2:
        raise ChannelMismatch(
            f"channels={layout.value} needs a stereo recording (rep on one side, customer on the "
            f"other), but this file has {channels} channel",
            field="channels",
        )


def _as_uploader(uploader: Principal, meta: CallMetadata) -> CallMetadata:
    """QA staff do not upload; a rep's upload is always their own call."""
    authorize(uploader, UPLOAD_CALLS)
    if uploader.role != Role.REP:
        return meta
    own = RecordRef(id=uploader.rep_id)
    if meta.rep_ref not in (None, own):
        raise Forbidden("a rep uploads only their own calls")
    return replace(meta, rep_ref=own)


def check_links(session: Session, uploader: Principal, links: CallLinks) -> None:
    """A call goes only to a rep the uploader may upload for, and links only records they see;
    a call with no rep stays the uploader's own."""
    rep = links.rep
    if rep is not None and not _may_upload_for(session, uploader, rep):
        raise Forbidden(f"you may not upload calls for rep {rep.id}", field="rep_id")
    if links.customer is not None:
        require_visible(session, uploader, READ_CUSTOMERS, links.customer)
    if links.opportunity is not None:
        require_visible(session, uploader, READ_OPPORTUNITIES, links.opportunity)


def _rep_named(session: Session, uploader: Principal, name: str) -> Rep | None:
    """`rep=王磊` (a display name) links the call to that rep record when exactly one rep the
    uploader may upload for has that name; otherwise the call keeps the name only."""
    condition = visible(uploader, UPLOAD_CALLS, Rep)
    found = list(session.scalars(select(Rep).where(Rep.name == name, condition).limit(2)))
    return found[0] if len(found) == 1 else None


def _may_upload_for(session: Session, uploader: Principal, rep: Rep) -> bool:
    condition = visible(uploader, UPLOAD_CALLS, Rep)
    return session.scalar(select(Rep.id).where(Rep.id == rep.id, condition)) is not None


def _link(call: Call, links: CallLinks) -> None:
    if links.rep is not None:
        call.rep_id, call.rep = links.rep.id, call.rep or links.rep.name
    if links.customer is not None:
        call.customer_id, call.customer = links.customer.id, call.customer or links.customer.company
    if links.opportunity is not None:
        call.opportunity_id = links.opportunity.id


def _new_call(meta: CallMetadata, info: AudioInfo, sha256: str, size: int, relative: str) -> Call:
    return Call(
        title=meta.title,
        rep=meta.rep,
        customer=meta.customer,
        occurred_at=meta.occurred_at,
        happened_at=meta.occurred_at or utcnow(),
        channels=meta.channels.value,
        status=CallStatus.QUEUED,
        progress=0.0,
        audio_sha256=sha256,
        audio_path=relative,
        original_filename=meta.original_filename,
        size_bytes=size,
        audio_format=info.format_name,
        audio_codec=info.codec,
        audio_channels=info.channels,
        sample_rate=info.sample_rate,
        duration_s=round(info.duration, 3),
    )


def _store_file(
    session: Session, store: AudioStore, incoming: IncomingAudio, relative: str
) -> None:
    """Move the upload to its content address. A file already there belongs to another call and
    must survive a rollback of this one; a new one is removed by it."""
    pre_existing = store.exists(relative)
    store.keep(incoming, relative)
    if not pre_existing:
        on_rollback(session, lambda: store.remove(relative))


def _parse_flag(fields: Mapping[str, str | None], name: str) -> bool:
    value = (fields.get(name) or "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise InvalidInput(f"{name} {value!r} is not true or false", field=name)


def _parse_channels(value: str | None) -> ChannelLayout:
    if value is None or value == "":
        return ChannelLayout.MONO
    try:
        return ChannelLayout(value)
    except ValueError:
        allowed = ", ".join(layout.value for layout in ChannelLayout)
        raise InvalidInput(
            f"unknown channels value {value!r}; use one of {allowed}", field="channels"
        ) from None


def _parse_time(value: str | None) -> datetime | None:
    if value is None or value.strip() == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"occurred_at {value!r} is not an ISO 8601 date-time (e.g. 2026-11-23T14:30:00+08:00)",
            field="occurred_at",
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(
            "occurred_at needs a time zone offset (e.g. +08:00 or Z)", field="occurred_at"
        )
    if not EARLIEST_DATE.year <= parsed.year <= LATEST_DATE.year:  # year 1 would overflow in UTC
        raise InvalidInput(
            f"occurred_at must lie between {EARLIEST_DATE.year} and {LATEST_DATE.year}",
            field="occurred_at",
        )
    return parsed


def _short_text(fields: Mapping[str, str | None], name: str, limit: int) -> str | None:
    value = (fields.get(name) or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters", field=name)
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput(f"{name} contains control characters", field=name)
    return value or None
