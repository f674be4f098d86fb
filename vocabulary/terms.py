"""Vocabulary terms: list, add, remove; the terms one call is corrected against; and learning a
correction once people have made the same edit on enough calls.

Terms belong to the whole team, like trackers: everyone may read them (they explain the
transcripts everyone reads), admins and managers change them. A learned correction (`heard` →
`text`) that someone removes is kept as removed, so the edits that taught it do not teach it
again; a person adding the same correction by hand brings it back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asr.correction import TERM_KINDS, Term, crm_terms, vocabulary_terms
from auth.permissions import READ_VOCABULARY, WRITE_VOCABULARY, authorize
from auth.principal import Principal
from core.errors import Conflict, InvalidInput, NotFound
from models import (
    Call,
    Customer,
    Opportunity,
    Rep,
    TermSource,
    TranscriptChange,
    VocabularyTerm,
    utcnow,
)

__all__ = [
    "LEARNED",
    "MAX_TERMS",
    "MAX_TERM_CHARS",
    "TermIn",
    "TermView",
    "add_term",
    "call_terms",
    "learn_corrections",
    "list_terms",
    "remove_term",
]

LEARNED = "learned"  # the kind a learned correction is listed under
MAX_TERM_CHARS = 20  # brands, names and terms are short; a sentence is not a term
MAX_NOTE_CHARS = 200
MAX_TERMS = 2_000  # every call is corrected against all of them


@dataclass(frozen=True, slots=True)
class TermIn:
    text: str
    kind: str
    heard: str | None = None  # a correction taught by hand: this exact text becomes `text`
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TermView:
    id: int
    text: str
    kind: str
    heard: str | None
    source: str  # manual | learned
    confirmations: int  # learned: on how many calls people made this edit
    note: str | None
    created_by: str
    created_at: datetime


def list_terms(session: Session, viewer: Principal, kind: str | None = None) -> list[TermView]:
    """The terms in use (removed learned ones are not), by kind and text."""
    authorize(viewer, READ_VOCABULARY)
    query = select(VocabularyTerm).where(VocabularyTerm.removed_at.is_(None))
    if kind is not None:
        _check_kind(kind, allow_learned=True)
        query = query.where(VocabularyTerm.kind == kind)
    rows = session.scalars(query.order_by(VocabularyTerm.kind, VocabularyTerm.text))
    return [_view(row) for row in rows]


def add_term(session: Session, term: TermIn, editor: Principal) -> TermView:
    authorize(editor, WRITE_VOCABULARY)
    text, heard = _clean_term(term.text, "text"), _clean_heard(term)
    _check_kind(term.kind, allow_learned=False)
    note = _clean_note(term.note)
    existing = session.scalar(
        select(VocabularyTerm).where(VocabularyTerm.text == text, VocabularyTerm.heard == heard)
    )
    if existing is not None and existing.removed_at is None:
        raise Conflict(f"the term {text!r} is in the vocabulary already", field="text")
    _check_room(session)
    row = existing or VocabularyTerm(text=text, heard=heard)
    row.kind, row.source, row.note, row.removed_at = term.kind, TermSource.MANUAL, note, None
    row.created_by_user_id, row.created_by, row.created_at = editor.user_id, editor.name, utcnow()
    session.add(row)
    session.flush()
    return _view(row)


def remove_term(session: Session, term_id: int, editor: Principal) -> None:
    """A term added by hand goes; a learned one is marked removed (so it is not learned again)."""
    authorize(editor, WRITE_VOCABULARY)
    row = session.get(VocabularyTerm, term_id)
    if row is None or row.removed_at is not None:
        raise NotFound(f"term {term_id} does not exist")
    if row.source == TermSource.LEARNED:
        row.removed_at = utcnow()
    else:
        session.delete(row)
    session.flush()


def call_terms(session: Session, call: Call) -> list[Term]:
    """What the call is corrected against: who it is with as the CRM spells them (its customer's
    company and contact, its rep, its opportunity), then the team's vocabulary and learned
    corrections. Read with the system's rights: correcting a call needs all of them."""
    terms = _crm_terms(session, call)
    rows = session.scalars(select(VocabularyTerm).where(VocabularyTerm.removed_at.is_(None)))
    for row in rows:
        terms.extend(vocabulary_terms(row.text, row.kind, row.heard or None))
    return terms


def learn_corrections(
    session: Session, changes: Sequence[tuple[str, str]], after_calls: int
) -> list[TermView]:
    """The corrections among `changes` that people have now made on `after_calls` calls or more
    and that are not in the vocabulary yet (nor removed from it): added as learned terms. A
    learned term already there gets its count of calls brought up to date. Called in the
    transaction that stored the edit, after its change rows."""
    learned = []
    for heard, text in dict.fromkeys(changes):
        calls = _calls_with_change(session, heard, text)
        existing = session.scalar(
            select(VocabularyTerm).where(VocabularyTerm.text == text, VocabularyTerm.heard == heard)
        )
        if existing is not None:  # taught by hand, learned before, or removed: not relearned
            if existing.source == TermSource.LEARNED:
                existing.confirmations = calls
            continue
        if calls < after_calls:
            continue
        row = VocabularyTerm(text=text, heard=heard, kind=LEARNED, source=TermSource.LEARNED,
                             confirmations=calls, created_by="系统学习")  # fmt: skip
        session.add(row)
        session.flush()
        learned.append(_view(row))
    return learned


def _calls_with_change(session: Session, heard: str, text: str) -> int:
    """On how many different calls people replaced `heard` by `text`."""
    query = select(func.count(func.distinct(TranscriptChange.call_id))).where(
        TranscriptChange.heard == heard, TranscriptChange.text == text
    )
    return session.scalar(query) or 0


def _crm_terms(session: Session, call: Call) -> list[Term]:
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    rep = session.get(Rep, call.rep_id) if call.rep_id else None
    opportunity = session.get(Opportunity, call.opportunity_id) if call.opportunity_id else None
    companies = [customer.company if customer else "", call.customer or ""]
    contacts = [customer.contact or "" if customer else ""]
    reps = [rep.name if rep else "", call.rep or ""]
    return crm_terms(companies, contacts, reps, [opportunity.name if opportunity else ""])


def _clean_term(text: str, field: str) -> str:
    cleaned = "".join(
        c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c)[0] != "C"
    )
    cleaned = cleaned.strip()
    if not cleaned:
        raise InvalidInput(f"{field} is empty", field=field)
    if len(cleaned) > MAX_TERM_CHARS:
        raise InvalidInput(
            f"{field} has {len(cleaned)} characters (at most {MAX_TERM_CHARS})", field=field
        )
    return cleaned


def _clean_heard(term: TermIn) -> str:
    if term.heard is None or not term.heard.strip():
        return ""
    heard = _clean_term(term.heard, "heard")
    if heard == term.text.strip():
        raise InvalidInput("heard is the same as text: nothing to correct", field="heard")
    return heard


def _clean_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note is over {MAX_NOTE_CHARS} characters", field="note")
    return note.strip()


def _check_kind(kind: str, *, allow_learned: bool) -> None:
    allowed = (*TERM_KINDS, LEARNED) if allow_learned else TERM_KINDS
    if kind not in allowed:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(allowed)}", field="kind")


def _check_room(session: Session) -> None:
    count = (
        session.scalar(
            select(func.count())
            .select_from(VocabularyTerm)
            .where(VocabularyTerm.removed_at.is_(None))
        )
        or 0
    )
    if count >= MAX_TERMS:
        raise Conflict(f"the vocabulary holds {MAX_TERMS} terms already (the limit)", field="text")


def _view(row: VocabularyTerm) -> TermView:
    return TermView(
        id=row.id, text=row.text, kind=row.kind, heard=row.heard or None, source=row.source,
        confirmations=row.confirmations, note=row.note, created_by=row.created_by,
        created_at=row.created_at,
    )  # fmt: skip
