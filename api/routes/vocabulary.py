"""The team's vocabulary (词库) over HTTP: /api/v1/vocabulary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentPrincipal, SessionDep
from api.schemas.vocabulary import VocabularyQuery, VocabularyTermIn, VocabularyTermOut
from core.types import Id
from vocabulary import terms

router = APIRouter(prefix="/api/v1", tags=["vocabulary"])


@router.get("/vocabulary")
def read_vocabulary(
    session: SessionDep, principal: CurrentPrincipal, query: Annotated[VocabularyQuery, Query()]
) -> list[VocabularyTermOut]:
    """The terms transcripts are corrected against (besides each call's CRM names), and the
    corrections learned from people's edits."""
    found = terms.list_terms(session, principal, query.kind)
    return [VocabularyTermOut.model_validate(t) for t in found]


@router.post("/vocabulary", status_code=status.HTTP_201_CREATED)
def create_vocabulary_term(
    body: VocabularyTermIn, session: SessionDep, principal: CurrentPrincipal
) -> VocabularyTermOut:
    """Add a term (a brand, product, person, competitor or industry word); calls analysed from
    now on are corrected against it (re-analyse older calls to correct them too)."""
    term = terms.TermIn(body.text, body.kind, body.heard, body.note)
    return VocabularyTermOut.model_validate(terms.add_term(session, term, principal))


@router.delete("/vocabulary/{term_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_vocabulary_term(term_id: Id, session: SessionDep, principal: CurrentPrincipal) -> None:
    """Remove a term; a learned correction removed is not learned again from the same edits."""
    terms.remove_term(session, term_id, principal)
