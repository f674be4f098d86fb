"""The columns of a call that decide who reaches it, and the search index that carries them.

`CALL_SCOPE` is the one definition. Each column of `calls` in it is:
- a part a principal's reach can be made of (auth.permissions.CallReach: "the calls whose
  `rep_id` is one of these", "whose `uploaded_by_user_id` is this user"…), which the permission
  model turns into SQL over `calls`;
- a token the full-text index keeps with every turn of the call (prefix + value: `r12`), which a
  search intersects inside the index instead of joining every match to its call
  (search/narrow.py turns the same reach into the same tokens).

Besides those, the index keeps tokens that only narrow a search: the UTC year, month and day of
`calls.happened_at` (y2026 m202611 d20261130), the turn's speaker (srep) and the labels in effect
on the turn (lsituation, from `call_labels`).

The triggers that keep the tokens (SQLite: the FTS5 table `call_turns_fts`; PostgreSQL: the
`call_turns.search_vector` column) are generated from `CALL_SCOPE` here and installed by
`sync_scope_index`, which `models.migrate.upgrade_to_head` runs after the migrations: when the
generated DDL differs from what the database holds (its fingerprint is kept in the DDL itself),
the triggers are replaced and every turn is indexed again, in the same transaction. So a change
of who may see a call is one edit: the reach (auth/permissions.py), plus a line here if it needs
a column that is not in `CALL_SCOPE` yet. Migration 0016 made the first version of the index.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

from models.search import FTS_TABLE, PG_SEARCH_INDEX

__all__ = [
    "CALL",
    "CALL_SCOPE",
    "CUSTOMER",
    "DAY",
    "LABEL",
    "MONTH",
    "PG_SEARCH_INDEX",
    "REP",
    "SPEAKER",
    "UPLOADER",
    "YEAR",
    "ScopeColumn",
    "drop_scope_index",
    "label_token",
    "scope_index_exists",
    "scope_statements",
    "sync_scope_index",
]


@dataclass(frozen=True, slots=True)
class ScopeColumn:
    column: str  # of `calls`
    prefix: str  # of its index token: `r` + 12 → "r12"
    when_null: int | None = None  # the token's value for NULL; None: no token then

    def token(self, value: int) -> str:
        return f"{self.prefix}{value}"


CALL = ScopeColumn("id", "k")
REP = ScopeColumn("rep_id", "r", when_null=0)
UPLOADER = ScopeColumn("uploaded_by_user_id", "u")
CUSTOMER = ScopeColumn("customer_id", "c")
CALL_SCOPE: tuple[ScopeColumn, ...] = (CALL, REP, UPLOADER, CUSTOMER)
# Tokens that only narrow a search: the call's UTC year (y2026), month (m202611) and day
# (d20261130), the turn's speaker (srep), the labels in effect on the turn (lneedpayoff).
YEAR, MONTH, DAY, SPEAKER, LABEL = "y", "m", "d", "s", "l"


def label_token(label: str) -> str:
    """`need_payoff` → `lneedpayoff`: the index's tokenizer would split at the underscore."""
    return LABEL + label.replace("_", "")


_FINGERPRINT = re.compile(r"huashu-scope:([0-9a-f]{16})")
_MARKED_TRIGGER = "call_turns_fts_insert"  # SQLite: the trigger whose text holds the fingerprint
_PG_TRIGGERS = {"call_turns_search_vector": "call_turns", "call_labels_search_scope": "call_labels",
                "calls_search_scope": "calls"}  # fmt: skip


def _watched() -> str:
    """The columns of `calls` whose change re-indexes its turns: the scope's and the date."""
    return ", ".join([*(c.column for c in CALL_SCOPE if c is not CALL), "happened_at"])


def _sqlite_scope() -> str:
    """SQL (SQLite) of the scope text of turn `t` in call `c`: ' k1 r3 u2 c7 y2026 …'."""
    parts = [
        f"' {c.prefix}' || coalesce(c.{c.column}, {c.when_null})"
        if c.when_null is not None
        else f"coalesce(' {c.prefix}' || c.{c.column}, '')"
        for c in CALL_SCOPE
    ]
    parts += [
        f"strftime(' {YEAR}%Y {MONTH}%Y%m {DAY}%Y%m%d', c.happened_at)",
        f"' {SPEAKER}' || t.speaker",
        f"""coalesce((SELECT group_concat(' {LABEL}' || replace(label, '_', ''), '')
                 FROM call_labels WHERE call_id = t.call_id AND turn_index = t.idx), '')""",
    ]
    return "(" + "\n        || ".join(parts) + ")"


def _index_turns(where: str) -> str:
    """Index the turns `t` for which `where` holds (their rows must not be in the index)."""
    return f"""INSERT INTO call_turns_fts(rowid, search_text, search_scope)
        SELECT t.id, t.search_text, {_sqlite_scope()}
        FROM call_turns t JOIN calls c ON c.id = t.call_id WHERE {where};"""


def _reindex_turns(where: str) -> str:
    return f"""DELETE FROM call_turns_fts
        WHERE rowid IN (SELECT t.id FROM call_turns t WHERE {where});
    {_index_turns(where)}"""


def _sqlite_triggers() -> dict[str, str]:
    """name → CREATE TRIGGER statement."""
    triggers = {
        "call_turns_fts_insert": f"""AFTER INSERT ON call_turns
        BEGIN {_index_turns("t.id = new.id")} END""",
        "call_turns_fts_delete": """AFTER DELETE ON call_turns
        BEGIN DELETE FROM call_turns_fts WHERE rowid = old.id; END""",
        "call_turns_fts_update": f"""AFTER UPDATE OF search_text, speaker, call_id, idx ON call_turns
        BEGIN DELETE FROM call_turns_fts WHERE rowid = old.id; {_index_turns("t.id = new.id")} END""",
        "calls_fts_update": f"""AFTER UPDATE OF {_watched()} ON calls
        BEGIN {_reindex_turns("t.call_id = new.id")} END""",
    }
    # A label row added, changed or removed re-indexes its turn (`row`: new or old).
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        triggers[f"call_labels_fts_{event.lower()}"] = f"""AFTER {event} ON call_labels BEGIN
        {_reindex_turns(f"t.call_id = {row}.call_id AND t.idx = {row}.turn_index")} END"""
    return {name: f"CREATE TRIGGER {name} {body}" for name, body in triggers.items()}


def _postgres_tokens() -> str:
    """SQL (PostgreSQL) of the scope lexemes of the turn NEW in call `c` (`#`-marked, so no
    parsed word can be one)."""
    tokens = [
        f"'#{c.prefix}' || coalesce(c.{c.column}, {c.when_null})"
        if c.when_null is not None
        else f"'#{c.prefix}' || c.{c.column}"
        for c in CALL_SCOPE
    ]
    tokens += [
        f"""to_char(c.happened_at, '"#{YEAR}"YYYY')""",
        f"""to_char(c.happened_at, '"#{MONTH}"YYYYMM')""",
        f"""to_char(c.happened_at, '"#{DAY}"YYYYMMDD')""",
        f"'#{SPEAKER}' || NEW.speaker",
    ]
    return ", ".join(tokens)


def _postgres_statements() -> dict[str, str]:
    """name → statement; functions before the triggers that run them."""
    return {
        "call_turns_search_vector()": f"""CREATE FUNCTION call_turns_search_vector()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := to_tsvector('simple'::regconfig, NEW.search_text)
            || array_to_tsvector((SELECT array_remove(ARRAY[{_postgres_tokens()}], NULL)
                || coalesce((SELECT array_agg('#{LABEL}' || replace(l.label, '_', ''))
                    FROM call_labels l WHERE l.call_id = NEW.call_id AND l.turn_index = NEW.idx),
                    '{{}}')
              FROM calls c WHERE c.id = NEW.call_id));
        RETURN NEW;
    END $$""",
        "call_turns_search_vector": """CREATE TRIGGER call_turns_search_vector
        BEFORE INSERT OR UPDATE OF search_text, speaker, call_id, idx
        ON call_turns FOR EACH ROW EXECUTE FUNCTION call_turns_search_vector()""",
        # A label's or a call's change re-fires the turns' trigger (an UPDATE OF search_text).
        "call_labels_search_scope()": """CREATE FUNCTION call_labels_search_scope()
    RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE x call_labels;
    BEGIN
        IF TG_OP = 'DELETE' THEN x := OLD; ELSE x := NEW; END IF;
        UPDATE call_turns SET search_text = search_text
            WHERE call_id = x.call_id AND idx = x.turn_index;
        RETURN NULL;
    END $$""",
        "call_labels_search_scope": """CREATE TRIGGER call_labels_search_scope
        AFTER INSERT OR UPDATE OR DELETE ON call_labels
        FOR EACH ROW EXECUTE FUNCTION call_labels_search_scope()""",
        "calls_search_scope()": """CREATE FUNCTION calls_search_scope()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE call_turns SET search_text = search_text WHERE call_id = NEW.id;
        RETURN NULL;
    END $$""",
        "calls_search_scope": f"""CREATE TRIGGER calls_search_scope
        AFTER UPDATE OF {_watched()} ON calls
        FOR EACH ROW EXECUTE FUNCTION calls_search_scope()""",
    }


def scope_statements(dialect: str) -> dict[str, str]:
    """The DDL that keeps the scope tokens of the search index, by object name."""
    return _sqlite_triggers() if dialect == "sqlite" else _postgres_statements()


def _fingerprint(statements: dict[str, str]) -> str:
    return hashlib.sha256("\n".join(statements.values()).encode()).hexdigest()[:16]


def scope_index_exists(connection: Connection) -> bool:
    """Whether the database has the index's storage (migration 0016 or later)."""
    if connection.dialect.name == "sqlite":
        table = connection.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": FTS_TABLE},
        )
        return "search_scope" in (table or "")
    found = connection.scalar(
        text("SELECT 1 FROM information_schema.columns "
             "WHERE table_name = 'call_turns' AND column_name = 'search_vector'")
    )  # fmt: skip
    return found is not None


def sync_scope_index(connection: Connection) -> bool:
    """Install the generated triggers and index every turn again, unless the database holds
    them already (same fingerprint). True when it did. Runs in the caller's transaction."""
    dialect = connection.dialect.name
    statements = scope_statements(dialect)
    fingerprint = _fingerprint(statements)
    current = _installed_fingerprint(connection, dialect) == fingerprint
    if current and _installed_count(connection, dialect) == len(_trigger_names(dialect)):
        return False
    drop_scope_index(connection)
    if dialect == "sqlite":
        _install_sqlite(connection, statements, fingerprint)
    else:
        _install_postgres(connection, statements, fingerprint)
    return True


def drop_scope_index(connection: Connection) -> None:
    """Drop the triggers (and PostgreSQL functions) that keep the tokens; the stored index stays."""
    if connection.dialect.name == "sqlite":
        for name in _sqlite_triggers():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        return
    for name, table in _PG_TRIGGERS.items():
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
    for name in (name for name in _postgres_statements() if name.endswith("()")):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {name}"))


def _trigger_names(dialect: str) -> list[str]:
    return list(_sqlite_triggers()) if dialect == "sqlite" else list(_PG_TRIGGERS)


def _installed_count(connection: Connection, dialect: str) -> int:
    """How many of the triggers exist (a table rebuilt by a batch migration loses its own)."""
    names = _trigger_names(dialect)
    catalog = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
        if dialect == "sqlite"
        else "SELECT count(*) FROM pg_trigger WHERE tgname IN :names"
    )
    query = text(catalog).bindparams(bindparam("names", expanding=True))
    return int(connection.scalar(query, {"names": names}) or 0)


def _installed_fingerprint(connection: Connection, dialect: str) -> str | None:
    if dialect == "sqlite":
        found = connection.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": _MARKED_TRIGGER},
        )
    else:
        found = connection.scalar(
            text("SELECT obj_description(to_regproc('call_turns_search_vector'), 'pg_proc')")
        )
    match = _FINGERPRINT.search(found or "")
    return match.group(1) if match else None


def _install_sqlite(connection: Connection, statements: dict[str, str], fingerprint: str) -> None:
    for name, statement in statements.items():
        if name == _MARKED_TRIGGER:  # SQLite keeps a trigger's text, comments and all
            statement = statement.replace(" BEGIN ", f" BEGIN /* huashu-scope:{fingerprint} */ ", 1)
        connection.execute(text(statement))
    connection.execute(text(f"DELETE FROM {FTS_TABLE}"))
    connection.execute(text(_index_turns("1 = 1")))


def _install_postgres(connection: Connection, statements: dict[str, str], fingerprint: str) -> None:
    for statement in statements.values():
        connection.execute(text(statement))
    connection.execute(
        text(f"COMMENT ON FUNCTION call_turns_search_vector() IS 'huashu-scope:{fingerprint}'")
    )
    # Every vector again, then the index over them: faster than keeping the index during it.
    connection.execute(text(f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}"))
    connection.execute(text("UPDATE call_turns SET search_text = search_text"))
    connection.execute(
        text(f"CREATE INDEX {PG_SEARCH_INDEX} ON call_turns USING gin (search_vector)")
    )
