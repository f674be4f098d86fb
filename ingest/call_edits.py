"""Fixing a call after upload: relink it (rep, customer, opportunity), retitle or redate it, or
say which channel is the rep's (which transcribes it again).

Who may upload a call for its rep may change it (`EDIT_CALLS`), and may move it only to a rep
they may upload for and link only records they see — the upload's own rules. Every change is
kept (`CallChange`: who, when, the field, old and new as the page shows them). The search
index follows the call's columns by trigger in the same transaction; the rest derived from the
links (follow-up draft, objectives, stalls, the score's objective line) comes from a re-analysis
queued after the commit. A new channel layout needs a new transcript: the call is transcribed
again (corrections and text edits made on the old turns stay only where the new turn still
reads the same, as after any re-analysis).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from asr import ChannelLayout
from auth.permissions import EDIT_CALLS, authorize
from auth.principal import Principal
from core.errors import Conflict, InvalidInput
from crm.links import CallLinks, RecordRef, resolve
from ingest.call_analysis import queue_reanalysis, queue_transcription
from ingest.calls import check_layout, check_links, get_call
from models import Call, CallAnalysis, CallChange, Customer, Job, JobState, Opportunity, Rep

__all__ = ["CallChanges", "edit_call", "list_call_changes"]

MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class CallChanges:
    """The fields given (a field left out stays as it is; None clears it)."""

    given: frozenset[str]
    title: str | None = None
    occurred_at: datetime | None = None
    rep_id: int | None = None
    customer_id: int | None = None
    opportunity_id: int | None = None
    channels: ChannelLayout | None = None
    speakers_swapped: bool | None = None


def edit_call(
    session: Session,
    call_id: int,
    changes: CallChanges,
    principal: Principal,
    notify: Callable[[int, str], None] | None = None,
) -> Call:
    authorize(principal, EDIT_CALLS)
    call = get_call(session, call_id, principal, EDIT_CALLS)
    before = _shown(session, call)
    if "title" in changes.given:
        call.title = _clean_title(changes.title)
    if "occurred_at" in changes.given:
        call.occurred_at = changes.occurred_at
        call.happened_at = changes.occurred_at or call.created_at
    if changes.given & {"rep_id", "customer_id", "opportunity_id"}:
        _relink(session, call, changes, principal)
    new_layout = _new_layout(session, call, changes)
    if "speakers_swapped" in changes.given and changes.speakers_swapped is not None:
        call.speakers_swapped = changes.speakers_swapped
    changed = _record_changes(session, call, before, _shown(session, call), principal)
    if new_layout:
        queue_transcription(session, call, notify)
    elif changed and session.get(CallAnalysis, call.id) is not None:
        queue_reanalysis(session, call, notify)  # draft, objectives, stalls follow the links
    return call


def _new_layout(session: Session, call: Call, changes: CallChanges) -> bool:
    """Set the layout asked for; True when it differs (the call must be transcribed again)."""
    if "channels" not in changes.given or changes.channels is None:
        if "channels" in changes.given:
            raise InvalidInput("channels cannot be empty", field="channels")
        return False
    if changes.channels.value == call.channels:
        return False
    check_layout(changes.channels, call.audio_channels)
    running = select(Job.id).where(Job.call_id == call.id, Job.state == JobState.RUNNING)
    if session.scalar(running) is not None:
        raise Conflict(
            f"call {call.id} is being processed; change its channels once it is done",
            field="channels",
        )
    call.channels = changes.channels.value
    return True


def list_call_changes(session: Session, call_id: int, viewer: Principal) -> Sequence[CallChange]:
    get_call(session, call_id, viewer)
    query = select(CallChange).where(CallChange.call_id == call_id).order_by(CallChange.id)
    return list(session.scalars(query))


def _clean_title(title: str | None) -> str | None:
    cleaned = (title or "").strip()
    if len(cleaned) > MAX_TITLE_CHARS:
        raise InvalidInput(f"title has more than {MAX_TITLE_CHARS} characters", field="title")
    return cleaned or None


def _relink(session: Session, call: Call, changes: CallChanges, principal: Principal) -> None:
    """An opportunity brings its customer and owner along unless they are given too (as at
    upload); a new customer drops an opportunity of another customer."""
    given = changes.given
    opportunity = resolve(
        session, Opportunity, _ref(changes, "opportunity_id", call.opportunity_id)
    )
    rep = resolve(session, Rep, _ref(changes, "rep_id", call.rep_id))
    customer = resolve(session, Customer, _ref(changes, "customer_id", call.customer_id))
    if "opportunity_id" in given and opportunity is not None:
        if "rep_id" not in given:
            rep = session.get(Rep, opportunity.owner_rep_id)
        if "customer_id" not in given:
            customer = session.get(Customer, opportunity.customer_id)
    if opportunity is not None and (customer is None or opportunity.customer_id != customer.id):
        if "opportunity_id" in given:
            raise InvalidInput(
                f"opportunity {opportunity.id} belongs to another customer", field="opportunity_id"
            )
        opportunity = None  # the customer changed: the old deal is not this call's any more
    check_links(session, principal, CallLinks(rep, customer, opportunity))
    if rep is not None or "rep_id" in given:
        call.rep_id, call.rep = (rep.id, rep.name) if rep else (None, None)
    if customer is not None or "customer_id" in given:  # a name typed at upload stays otherwise
        call.customer_id, call.customer = (
            (customer.id, customer.company) if customer else (None, None)
        )
    call.opportunity_id = opportunity.id if opportunity else None


def _ref(changes: CallChanges, field: str, current: int | None) -> RecordRef | None:
    wanted = getattr(changes, field) if field in changes.given else current
    return RecordRef(id=wanted) if wanted is not None else None


def _shown(session: Session, call: Call) -> dict[str, str | None]:
    """The call's editable fields as the page shows them."""
    opportunity = session.get(Opportunity, call.opportunity_id) if call.opportunity_id else None
    return {
        "title": call.title,
        "occurred_at": call.occurred_at.isoformat() if call.occurred_at else None,
        "rep": call.rep,
        "customer": call.customer,
        "opportunity": opportunity.name if opportunity else None,
        "channels": call.channels,
        "speakers_swapped": "true" if call.speakers_swapped else "false",
    }


def _record_changes(
    session: Session,
    call: Call,
    before: dict[str, str | None],
    after: dict[str, str | None],
    principal: Principal,
) -> bool:
    changed = [f for f in before if before[f] != after[f]]
    session.add_all(
        CallChange(call_id=call.id, field=f, old_value=before[f], new_value=after[f],
                   changed_by=principal.name, changed_by_user_id=principal.user_id)
        for f in changed
    )  # fmt: skip
    session.flush()
    return bool(changed)
