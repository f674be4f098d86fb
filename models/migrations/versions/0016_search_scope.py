"""the search index also holds each turn's scope, so the index narrows a search itself

0014's index held the turn's words only: a search limited to a rep, a team, a month, a speaker
or a label had to look up every matching turn's call (a common word over 100 000 calls: 40 000
look-ups, 300–600 ms). Now the index also holds tokens for what a search may be limited to —
k<call id> r<rep id, 0 for none> u<uploader's user id> c<customer id> y<year> m<year month>
d<year month day> (of happened_at, UTC) s<speaker> l<question type or commitment, without the
underscore; the labels in effect, from call_labels: each question a rep turn asks, or a
person's correction> — kept in step by triggers on call_turns, calls and call_labels.

SQLite: call_turns_fts becomes an FTS5 table of its own (it keeps a copy of what it indexed, so
a delete never depends on the call still being there) with columns search_text (the words) and
search_scope (the tokens).
PostgreSQL: call_turns.search_vector (tsvector) holds the words' lexemes and the tokens as
lexemes marked `#` (#k12, #r3…), which no parsed word can be; a BEFORE trigger fills it, the GIN
index ix_call_turns_search is on it, and ts_rank reads it instead of parsing the text again.

This migration makes the storage only. The triggers, the PostgreSQL index and the indexing of
the turns come from the one definition of a call's scope (models/call_scope.py), installed by
`sync_scope_index` right after the migrations run (models/migrations/env.py), in the same
transaction — and again whenever that definition changes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

from models.call_scope import PG_SEARCH_INDEX, drop_scope_index
from models.migrations.search_index_0014 import PG_INDEX, SQLITE_DOWN, SQLITE_UP

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SQLITE_UP = (
    *SQLITE_DOWN,
    """CREATE VIRTUAL TABLE call_turns_fts USING fts5(
        search_text, search_scope, tokenize='unicode61')""",
)
_PG_UP = (
    f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}",
    "ALTER TABLE call_turns ADD COLUMN search_vector tsvector",
)
_SQLITE_DOWN = ("DROP TABLE IF EXISTS call_turns_fts", *SQLITE_UP)
_PG_DOWN = (
    f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}",
    "ALTER TABLE call_turns DROP COLUMN IF EXISTS search_vector",
    PG_INDEX,
)
_STATEMENTS = {"sqlite": (_SQLITE_UP, _SQLITE_DOWN), "postgresql": (_PG_UP, _PG_DOWN)}


def upgrade() -> None:
    for statement in _STATEMENTS[op.get_bind().dialect.name][0]:
        op.execute(statement)


def downgrade() -> None:
    drop_scope_index(op.get_bind())
    for statement in _STATEMENTS[op.get_bind().dialect.name][1]:
        op.execute(statement)
