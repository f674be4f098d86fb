"""the search index also holds each turn's scope, so the index narrows a search itself

0014's index held the turn's words only: a search limited to a rep, a team, a month, a speaker
or a label had to look up every matching turn's call (a common word over 100 000 calls: 40 000
look-ups, 300–600 ms). Now the index also holds tokens for what a search may be limited to —
k<call id> r<rep id, 0 for none> u<uploader's user id> c<customer id> y<year> m<year month>
d<year month day> (of happened_at, UTC) s<speaker> l<question type or commitment, without the
underscore> — kept in step by triggers with call_turns and with the calls columns they copy.

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

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _scope(turn: str, call: str) -> str:
    """The search_scope text of `turn` in `call` (SQL over those two row aliases)."""
    return f"""('k' || {call}.id || ' r' || coalesce({call}.rep_id, 0)
        || coalesce(' u' || {call}.uploaded_by_user_id, '')
        || coalesce(' c' || {call}.customer_id, '')
        || strftime(' y%Y m%Y%m d%Y%m%d', {call}.happened_at)
        || ' s' || {turn}.speaker
        || coalesce(' l' || replace({turn}.question_type, '_', ''), '')
        || coalesce(' l' || replace({turn}.commitment, '_', ''), ''))"""


_INDEX_TURN = f"""INSERT INTO call_turns_fts(rowid, search_text, search_scope)
    SELECT new.id, new.search_text, {_scope("new", "c")} FROM calls c WHERE c.id = new.call_id;"""
_INDEX_CALL = f"""DELETE FROM call_turns_fts
        WHERE rowid IN (SELECT id FROM call_turns WHERE call_id = new.id);
    INSERT INTO call_turns_fts(rowid, search_text, search_scope)
        SELECT t.id, t.search_text, {_scope("t", "c")}
        FROM call_turns t JOIN calls c ON c.id = t.call_id WHERE t.call_id = new.id;"""

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
    f"CREATE TRIGGER call_turns_fts_insert AFTER INSERT ON call_turns BEGIN {_INDEX_TURN} END",
    """CREATE TRIGGER call_turns_fts_delete AFTER DELETE ON call_turns BEGIN
        DELETE FROM call_turns_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER call_turns_fts_update
        AFTER UPDATE OF search_text, speaker, question_type, commitment, call_id ON call_turns
        BEGIN DELETE FROM call_turns_fts WHERE rowid = old.id; {_INDEX_TURN} END""",
    f"""CREATE TRIGGER calls_fts_update
        AFTER UPDATE OF rep_id, customer_id, uploaded_by_user_id, happened_at ON calls
        BEGIN {_INDEX_CALL} END""",
    f"""INSERT INTO call_turns_fts(rowid, search_text, search_scope)
        SELECT t.id, t.search_text, {_scope("t", "c")}
        FROM call_turns t JOIN calls c ON c.id = t.call_id""",
)
# Back to 0014: an external-content index over call_turns.search_text.
_DOWN = (
    "DROP TRIGGER IF EXISTS calls_fts_update",
    *_DROP_0014,
    """CREATE VIRTUAL TABLE call_turns_fts USING fts5(
        search_text, content='call_turns', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER call_turns_fts_insert AFTER INSERT ON call_turns BEGIN
        INSERT INTO call_turns_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER call_turns_fts_delete AFTER DELETE ON call_turns BEGIN
        INSERT INTO call_turns_fts(call_turns_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER call_turns_fts_update AFTER UPDATE OF search_text ON call_turns BEGIN
        INSERT INTO call_turns_fts(call_turns_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO call_turns_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO call_turns_fts(call_turns_fts) VALUES ('rebuild')",
)


_PG_TURN_VECTOR = """CREATE FUNCTION call_turns_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := to_tsvector('simple'::regconfig, NEW.search_text)
            || array_to_tsvector((SELECT array_remove(ARRAY[
                '#k' || c.id, '#r' || coalesce(c.rep_id, 0), '#u' || c.uploaded_by_user_id,
                '#c' || c.customer_id, to_char(c.happened_at, '"#y"YYYY'),
                to_char(c.happened_at, '"#m"YYYYMM'), to_char(c.happened_at, '"#d"YYYYMMDD'),
                '#s' || NEW.speaker, '#l' || replace(NEW.question_type, '_', ''),
                '#l' || replace(NEW.commitment, '_', '')], NULL)
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
_PG_UP = (
    "DROP INDEX IF EXISTS ix_call_turns_search",
    "ALTER TABLE call_turns ADD COLUMN search_vector tsvector",
    _PG_TURN_VECTOR,
    """CREATE TRIGGER call_turns_search_vector
        BEFORE INSERT OR UPDATE OF search_text, speaker, question_type, commitment, call_id
        ON call_turns FOR EACH ROW EXECUTE FUNCTION call_turns_search_vector()""",
    _PG_CALL_SCOPE,
    """CREATE TRIGGER calls_search_scope
        AFTER UPDATE OF rep_id, customer_id, uploaded_by_user_id, happened_at ON calls
        FOR EACH ROW EXECUTE FUNCTION calls_search_scope()""",
    "UPDATE call_turns SET search_text = search_text",
    "CREATE INDEX ix_call_turns_search ON call_turns USING gin (search_vector)",
)
_PG_DOWN = (
    "DROP TRIGGER IF EXISTS calls_search_scope ON calls",
    "DROP FUNCTION IF EXISTS calls_search_scope()",
    "DROP TRIGGER IF EXISTS call_turns_search_vector ON call_turns",
    "DROP FUNCTION IF EXISTS call_turns_search_vector()",
    "DROP INDEX IF EXISTS ix_call_turns_search",
    "ALTER TABLE call_turns DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX ix_call_turns_search ON call_turns "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)
_STATEMENTS = {"sqlite": (_UP, _DOWN), "postgresql": (_PG_UP, _PG_DOWN)}


def upgrade() -> None:
    for statement in _STATEMENTS[op.get_bind().dialect.name][0]:
        op.execute(statement)


def downgrade() -> None:
    for statement in _STATEMENTS[op.get_bind().dialect.name][1]:
        op.execute(statement)
