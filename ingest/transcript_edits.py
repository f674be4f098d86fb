"""People fixing what Whisper got wrong: a turn's text edited on the review page.

An edit is kept with who, when, the text before and after, and the words it replaced; every edit
is kept (the history), the latest of a turn is in effect. The turn shows the new text at once;
the call is queued for re-analysis, which puts the edit in effect for everything that reads the
turn (labels, score, search index, trackers, objectives, the follow-up draft) as long as the
turn still reads as Whisper heard it when the edit was made (`heard_text`). A replacement people
make the same way on `learn_after_calls` calls becomes a learned correction in the vocabulary,
applied to the team's later calls.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from asr.edits import edit_changes
from asr.lexicon import Lexicon
from auth.permissions import EDIT_TRANSCRIPTS, READ_CALLS, authorize
from auth.principal import Principal
from core.errors import InvalidInput, NotFound, TranscriptNotReady
from ingest.call_analysis import MAX_TURN_CHARS, queue_reanalysis
from ingest.call_views import TextEditView, text_edit_view
from ingest.calls import get_call
from models import CallAnalysis, CallTurn, TranscriptChange, TranscriptEdit
from vocabulary.terms import TermView, learn_corrections

__all__ = ["EditResult", "edit_turn_text", "list_text_edits"]


@dataclass(frozen=True, slots=True)
class EditResult:
    edit: TextEditView
    learned: list[TermView]  # corrections this edit confirmed often enough to be learned


def edit_turn_text(
    session: Session,
    call_id: int,
    index: int,
    text: str,
    principal: Principal,
    *,
    lexicon: Lexicon | None,
    learn_after_calls: int,
    notify: Callable[[int, str], None] | None,
) -> EditResult:
    """Replace turn `index`'s text, keep the edit, learn what it confirms, queue re-analysis."""
    authorize(principal, EDIT_TRANSCRIPTS)
    call = get_call(session, call_id, principal, EDIT_TRANSCRIPTS)
    turn = _turn(session, call_id, index)
    new_text = _clean_text(text)
    if new_text == turn.text:
        raise InvalidInput("text is unchanged: edit the words before saving", field="text")
    changes = edit_changes(turn.text, new_text, lexicon)
    edit = TranscriptEdit(
        call_id=call_id, turn_index=index, speaker=turn.speaker,
        heard_text=turn.heard_text or turn.text, old_text=turn.text, new_text=new_text,
        changes=[list(c) for c in changes], edited_by_user_id=principal.user_id,
        edited_by=principal.name,
    )  # fmt: skip
    session.add(edit)
    session.flush()
    session.add_all(TranscriptChange(edit_id=edit.id, call_id=call_id, heard=old, text=new)
                    for old, new in changes)  # fmt: skip
    session.flush()
    _show_now(turn, edit)
    learned = learn_corrections(session, changes, learn_after_calls)
    queue_reanalysis(session, call, notify)
    return EditResult(text_edit_view(edit), learned)


def list_text_edits(session: Session, call_id: int, viewer: Principal) -> list[TextEditView]:
    """Every edit of the call's transcript, oldest first (the history; the latest per turn holds)."""
    get_call(session, call_id, viewer, READ_CALLS)
    query = select(TranscriptEdit).where(TranscriptEdit.call_id == call_id)
    return [text_edit_view(e) for e in session.scalars(query.order_by(TranscriptEdit.id))]


def _turn(session: Session, call_id: int, index: int) -> CallTurn:
    if session.get(CallAnalysis, call_id) is None:
        raise TranscriptNotReady(f"call {call_id} has not been analysed yet: nothing to edit")
    turn = session.scalar(
        select(CallTurn).where(CallTurn.call_id == call_id, CallTurn.idx == index)
    )
    if turn is None:
        raise NotFound(f"call {call_id} has no turn {index}", field="turn_index")
    return turn


def _show_now(turn: CallTurn, edit: TranscriptEdit) -> None:
    """The edited words show at once; their labels, tokens and search entry follow when the
    queued re-analysis has run (seconds)."""
    turn.text = edit.new_text
    turn.edit_id = edit.id
    turn.replacements, turn.doubtful = [], []


def _clean_text(text: str) -> str:
    """Control and format characters dropped (they carry no speech); 422 naming `text` when
    nothing or too much is left."""
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C"
    ).strip()
    if not cleaned:
        raise InvalidInput("text is empty: a turn needs words", field="text")
    if len(cleaned) > MAX_TURN_CHARS:
        raise InvalidInput(
            f"text has {len(cleaned)} characters (at most {MAX_TURN_CHARS})", field="text"
        )
    return cleaned
