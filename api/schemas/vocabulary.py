"""The vocabulary's shapes over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vocabulary.terms import MAX_NOTE_CHARS, MAX_TERM_CHARS

__all__ = ["TermKind", "VocabularyQuery", "VocabularyTermIn", "VocabularyTermOut"]

TermKind = Literal["product", "company", "person", "competitor", "term"]


class VocabularyTermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TERM_CHARS, examples=["云帆科技"])
    kind: TermKind = Field(examples=["company"])
    heard: str | None = Field(
        None,
        max_length=MAX_TERM_CHARS,
        description="Teach a correction by hand: this exact text is replaced by `text`.",
        examples=["赢翻科技"],
    )
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)


class VocabularyTermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    kind: Literal["product", "company", "person", "competitor", "term", "learned"]
    heard: str | None = Field(description="A correction: this text is replaced by `text`.")
    source: Literal["manual", "learned"]
    confirmations: int = Field(description="Learned: on how many calls people made the edit.")
    note: str | None
    created_by: str
    created_at: datetime


class VocabularyQuery(BaseModel):
    kind: Literal["product", "company", "person", "competitor", "term", "learned"] | None = None
