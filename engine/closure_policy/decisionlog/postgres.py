"""The fleet's shared decision log in PostgreSQL: its table, how records are written there, and read back.

One table, ``closure_policy_decisions``, created by the shipper when missing:
a row is a :class:`~.record.Record` (its columns, in its order) plus the
instance that shipped it and when. ``decision_id`` is the primary key, so a
record shipped twice (a shipper killed between PostgreSQL's commit and its own)
is kept once. ``violations`` and ``facts`` are the JSON texts the service wrote,
kept as text so that ``closure-policy log`` reads back exactly what a SQLite log
gives (``facts::jsonb`` queries them in SQL).
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import ClosurePolicyError
from .record import ADDED, FIELDS, Record
from .rows import EVERY, Filters, row_record, selecting

TABLE = "closure_policy_decisions"
SCHEMES = ("postgresql://", "postgres://")
CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    decision_id text PRIMARY KEY, time text NOT NULL, query text NOT NULL, outcome text NOT NULL,
    violations text NOT NULL, account_id text, lang text NOT NULL, policy_name text NOT NULL,
    revision text NOT NULL, facts_sha256 text NOT NULL, backend text NOT NULL, latency_ms double precision NOT NULL,
    source text NOT NULL DEFAULT 'api', facts text, instance text NOT NULL,
    shipped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {TABLE}_account ON {TABLE} (account_id);
CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (time);
"""
COLUMNS = f"{', '.join(FIELDS)}, instance"
# A batch is COPY'd into a session's staging table (emptied at each commit), then moved in with one INSERT that
# skips the records already there: COPY is PostgreSQL's fast path, and COPY alone cannot skip a duplicate.
STAGING = f"CREATE TEMP TABLE IF NOT EXISTS staging (LIKE {TABLE} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
COPY = f"COPY staging ({COLUMNS}) FROM STDIN"
MOVE = f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM staging ON CONFLICT (decision_id) DO NOTHING"


def columns(connection: Any) -> set[str]:
    """The columns of the shared log's table (none when there is none yet)."""
    return {row[0] for row in connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = ANY(current_schemas(false))", [TABLE])}


def bring_up_to_date(connection: Any) -> None:
    """Add the fields a table made by an earlier version lacks, each holding the value its records had; only
    when one is missing (an ALTER TABLE locks the table the whole fleet writes, even when it changes nothing)."""
    for field in sorted(set(ADDED) - columns(connection)):  # ADDED's values are the module's own constants
        connection.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {field} text NOT NULL "
                           f"DEFAULT '{ADDED[field]}'")


def is_postgres(target: str) -> bool:
    return target.startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL without its password, for status pages, logs and errors."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def connect(url: str, timeout: float = 5.0) -> Any:
    import psycopg

    return psycopg.connect(url, connect_timeout=max(1, int(timeout)), application_name="closure-policy")


def read_postgres(url: str, filters: Filters = EVERY) -> Iterator[Record]:
    """The records of the shared log, oldest first, those ``filters`` keeps."""
    import psycopg

    try:
        with connect(url) as connection, connection.cursor(name="records") as cursor:
            cursor.execute(*selecting(TABLE, "%s", filters, columns(connection)))
            for row in cursor:
                yield row_record(shown(url), row)
    except psycopg.Error as exc:
        raise ClosurePolicyError(f"{shown(url)}: cannot read the shared decision log "
                                 f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})"
                                 ) from None
