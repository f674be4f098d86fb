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

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# The search_scope text of turn `t` in call `c`. The labels are those in effect (call_labels:
# each question a rep turn asks, a person's correction).
_SCOPE = """('k' || c.id || ' r' || coalesce(c.rep_id, 0)
    || coalesce(' u' || c.uploaded_by_user_id, '')
    || coalesce(' c' || c.customer_id, '')
    || strftime(' y%Y m%Y%m d%Y%m%d', c.happened_at)
    || ' s' || t.speaker
    || coalesce((SELECT group_concat(' l' || replace(label, '_', ''), '') FROM call_labels
                 WHERE call_id = t.call_id AND turn_index = t.idx), ''))"""


def _index_turns(where: str) -> str:
    """Index the turns `t` for which `where` holds (their rows must not be in the index)."""
    return f"""INSERT INTO call_turns_fts(rowid, search_text, search_scope)
        SELECT t.id, t.search_text, {_SCOPE}
        FROM call_turns t JOIN calls c ON c.id = t.call_id WHERE {where};"""


def _reindex_turns(where: str) -> str:
    """Index again the turns `t` for which `where` holds."""
    return f"""DELETE FROM call_turns_fts
        WHERE rowid IN (SELECT t.id FROM call_turns t WHERE {where});
    {_index_turns(where)}"""


_DROP_0014 = (
    "DROP TRIGGER IF EXISTS call_turns_fts_update",
    "DROP TRIGGER IF EXISTS call_turns_fts_delete",
    "DROP TRIGGER IF EXISTS call_turns_fts_insert",
    "DROP TABLE IF EXISTS call_turns_fts",
)
_UP = (
    *_DROP_0014,
    """CREATE VIRTUAL TABLE call_turns_fts USING fts5(
        search_text, search_scope, tokenize='unicode61')""",
    f"""CREATE TRIGGER call_turns_fts_insert AFTER INSERT ON call_turns
        BEGIN {_index_turns("t.id = new.id")} END""",
    """CREATE TRIGGER call_turns_fts_delete AFTER DELETE ON call_turns BEGIN
        DELETE FROM call_turns_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER call_turns_fts_update
        AFTER UPDATE OF search_text, speaker, call_id, idx ON call_turns
        BEGIN DELETE FROM call_turns_fts WHERE rowid = old.id; {_index_turns("t.id = new.id")} END""",
    # A label row added, changed or removed re-indexes its turn (`row`: new or old).
    *(
        f"""CREATE TRIGGER call_labels_fts_{event.lower()} AFTER {event} ON call_labels BEGIN
        {_reindex_turns(f"t.call_id = {row}.call_id AND t.idx = {row}.turn_index")} END"""
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old"))
    ),
    f"""CREATE TRIGGER calls_fts_update
        AFTER UPDATE OF rep_id, customer_id, uploaded_by_user_id, happened_at ON calls
        BEGIN {_reindex_turns("t.call_id = new.id")} END""",
    _index_turns("1 = 1"),  # the turns stored before this migration
)
# Back to 0014: its external-content index over call_turns.search_text, made as 0014 made it.
_0014 = importlib.import_module("models.migrations.versions.0014_search_and_trackers")
_DOWN = (
    "DROP TRIGGER IF EXISTS calls_fts_update",
    "DROP TRIGGER IF EXISTS call_labels_fts_insert",
    "DROP TRIGGER IF EXISTS call_labels_fts_update",
    "DROP TRIGGER IF EXISTS call_labels_fts_delete",
    *_DROP_0014,
    *_0014._SQLITE_UP,
)

_PG_TURN_VECTOR = """CREATE FUNCTION call_turns_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := to_tsvector('simple'::regconfig, NEW.search_text)
            || array_to_tsvector((SELECT array_remove(ARRAY[
                '#k' || c.id, '#r' || coalesce(c.rep_id, 0), '#u' || c.uploaded_by_user_id,
                '#c' || c.customer_id, to_char(c.happened_at, '"#y"YYYY'),
                to_char(c.happened_at, '"#m"YYYYMM'), to_char(c.happened_at, '"#d"YYYYMMDD'),
                '#s' || NEW.speaker], NULL) || coalesce((SELECT array_agg(
                    '#l' || replace(l.label, '_', '')) FROM call_labels l
                    WHERE l.call_id = NEW.call_id AND l.turn_index = NEW.idx), '{}')
              FROM calls c WHERE c.id = NEW.call_id));
        RETURN NEW;
    END $$"""
# A call's change re-fires the turns' trigger (an UPDATE OF search_text) for its turns.
_PG_CALL_SCOPE = """CREATE FUNCTION calls_search_scope() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE call_turns SET search_text = search_text WHERE call_id = NEW.id;
        RETURN NULL;
    END $$"""
_PG_LABEL_SCOPE = """CREATE FUNCTION call_labels_search_scope() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE x call_labels;
    BEGIN
        IF TG_OP = 'DELETE' THEN x := OLD; ELSE x := NEW; END IF;
        UPDATE call_turns SET search_text = search_text
            WHERE call_id = x.call_id AND idx = x.turn_index;
        RETURN NULL;
    END $$"""
_PG_UP = (
    "DROP INDEX IF EXISTS ix_call_turns_search",
    "ALTER TABLE call_turns ADD COLUMN search_vector tsvector",
    _PG_TURN_VECTOR,
    """CREATE TRIGGER call_turns_search_vector
        BEFORE INSERT OR UPDATE OF search_text, speaker, call_id, idx
        ON call_turns FOR EACH ROW EXECUTE FUNCTION call_turns_search_vector()""",
    _PG_LABEL_SCOPE,
    """CREATE TRIGGER call_labels_search_scope AFTER INSERT OR UPDATE OR DELETE ON call_labels
        FOR EACH ROW EXECUTE FUNCTION call_labels_search_scope()""",
    _PG_CALL_SCOPE,
    """CREATE TRIGGER calls_search_scope
        AFTER UPDATE OF rep_id, customer_id, uploaded_by_user_id, happened_at ON calls
        FOR EACH ROW EXECUTE FUNCTION calls_search_scope()""",
    "UPDATE call_turns SET search_text = search_text",
    "CREATE INDEX ix_call_turns_search ON call_turns USING gin (search_vector)",
)
_PG_DOWN = (
    "DROP TRIGGER IF EXISTS call_labels_search_scope ON call_labels",
    "DROP FUNCTION IF EXISTS call_labels_search_scope()",
    "DROP TRIGGER IF EXISTS calls_search_scope ON calls",
    "DROP FUNCTION IF EXISTS calls_search_scope()",
    "DROP TRIGGER IF EXISTS call_turns_search_vector ON call_turns",
    "DROP FUNCTION IF EXISTS call_turns_search_vector()",
    "DROP INDEX IF EXISTS ix_call_turns_search",
    "ALTER TABLE call_turns DROP COLUMN IF EXISTS search_vector",
    _0014._PG_INDEX,
)
_STATEMENTS = {"sqlite": (_UP, _DOWN), "postgresql": (_PG_UP, _PG_DOWN)}


def upgrade() -> None:
    for statement in _STATEMENTS[op.get_bind().dialect.name][0]:
        op.execute(statement)


def downgrade() -> None:
    for statement in _STATEMENTS[op.get_bind().dialect.name][1]:
        op.execute(statement)
