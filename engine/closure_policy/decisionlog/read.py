"""Reading a decision log back: a SQLite log (``closure-policy log``, ``diff --from-log``) or the JSON
Lines a ``--decision-log -`` service wrote; either way, as :class:`Record`\\ s, read as strictly as any input."""
from __future__ import annotations

import os
import sqlite3
from typing import Iterator

from ..errors import ClosurePolicyError
from ..jsondoc import lines, parse
from ..sqlitefile import read_only
from .postgres import is_postgres, read_postgres
from .record import ADDED, FIELDS, Record
from .rows import EVERY, Filters, row_record, selecting

_SQLITE = b"SQLite format 3\x00"


def read_log(path: str) -> Iterator[Record]:
    """Every record of the log at ``path``, a SQLite log or JSON Lines (told apart by the file's header), or of
    the shared log a ``postgresql://`` URL names."""
    if is_postgres(path):
        return read_postgres(path)
    try:
        with open(path, "rb") as fh:
            sqlite = fh.read(len(_SQLITE)) == _SQLITE
    except OSError as exc:
        raise ClosurePolicyError(f"{path}: cannot read the decision log ({exc.strerror})") from None
    return read_records(path) if sqlite else read_json_lines(path)


def read_json_lines(path: str) -> Iterator[Record]:
    """The records a service wrote to standard output (``--decision-log -``), one JSON object a line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(lines(fh), start=1):
            if line is not None and not line.strip():
                continue
            record, problems = parse(line) if line is not None else (None, [])
            ids = record.get("violations") if isinstance(record, dict) else None
            if problems or not isinstance(record, dict) or set(FIELDS) - set(ADDED) - set(record) or \
                    set(record) - set(FIELDS) or not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
                raise ClosurePolicyError(f"{path}:{number}: not a decision log record"
                                         + (f" ({problems[0].format()})" if problems else ""))
            yield Record(**{**ADDED, **record})  # a line written before a field was added holds its old value


def read_records(path: str, filters: Filters = EVERY) -> Iterator[Record]:
    """The records of a SQLite decision log (or of the shared log a ``postgresql://`` URL names), oldest first,
    those ``filters`` keeps."""
    if is_postgres(path):
        return read_postgres(path, filters)
    return _read_sqlite(path, filters)


def _read_sqlite(path: str, filters: Filters) -> Iterator[Record]:
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    if not os.path.isfile(path):
        raise ClosurePolicyError(f"{path}: not a decision log (not a file)")
    connection: sqlite3.Connection | None = None
    try:
        connection = read_only(path)
        sql, args = selecting("decisions", "?", filters, columns(connection))
        for row in connection.execute(sql, args):
            yield row_record(path, row)
    except sqlite3.Error as exc:
        raise ClosurePolicyError(f"{path}: not a decision log ({exc})") from None
    finally:
        if connection is not None:
            connection.close()


def columns(connection: sqlite3.Connection) -> set[str]:
    """The columns of a SQLite log's table (none when it has no table: the query then says so)."""
    return {row[1] for row in connection.execute("PRAGMA table_info(decisions)")}
