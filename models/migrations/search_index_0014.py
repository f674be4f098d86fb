"""The first full-text index over the analysed turns, as migration 0014 made it: on SQLite an
FTS5 table over `call_turns.search_text` (external content) with its triggers, on PostgreSQL a
GIN index on `to_tsvector('simple', search_text)`. Migration 0014 creates it; 0016's downgrade,
which goes back to it, creates it again.
"""

from __future__ import annotations

__all__ = ["PG_INDEX", "SQLITE_DOWN", "SQLITE_UP"]

SQLITE_UP = (
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
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS call_turns_fts_update",
    "DROP TRIGGER IF EXISTS call_turns_fts_delete",
    "DROP TRIGGER IF EXISTS call_turns_fts_insert",
    "DROP TABLE IF EXISTS call_turns_fts",
)
PG_INDEX = (
    "CREATE INDEX ix_call_turns_search ON call_turns "
    "USING gin (to_tsvector('simple'::regconfig, search_text))"
)
