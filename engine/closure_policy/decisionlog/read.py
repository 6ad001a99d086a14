"""Reading a decision log back: a SQLite log (``closure-policy log``, ``diff --from-log``) or the JSON
Lines a ``--decision-log -`` service wrote; either way, as :class:`Record`\\ s, read as strictly as any input."""
from __future__ import annotations

import os
import sqlite3
from typing import Any, Iterator

import zstandard

from .. import limits
from ..errors import ClosurePolicyError
from ..jsondoc import lines, parse
from ..sqlitefile import read_only
from ..text import excerpt
from .record import FIELDS, Record

_SQLITE = b"SQLite format 3\x00"


def read_log(path: str) -> Iterator[Record]:
    """Every record of the log at ``path``, a SQLite log or JSON Lines (told apart by the file's header)."""
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
            if problems or not isinstance(record, dict) or set(record) != set(FIELDS) or \
                    not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
                raise ClosurePolicyError(f"{path}:{number}: not a decision log record"
                                         + (f" ({problems[0].format()})" if problems else ""))
            yield Record(**record)


def read_records(path: str, *, decision_id_: str | None = None, account: str | None = None,
                 since: str | None = None, outcome: str | None = None) -> Iterator[Record]:
    """The records of a SQLite decision log, oldest first, filtered."""
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    if not os.path.isfile(path):
        raise ClosurePolicyError(f"{path}: not a decision log (not a file)")
    connection: sqlite3.Connection | None = None
    try:
        connection = read_only(path)
        where, args = [], []
        for column, value in (("decision_id", decision_id_), ("account_id", account), ("outcome", outcome)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("time >= ?")
            args.append(since)
        sql = f"SELECT {', '.join(FIELDS)} FROM decisions"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY time, decision_id"
        for row in connection.execute(sql, args):
            yield _record(path, row)
    except sqlite3.Error as exc:
        raise ClosurePolicyError(f"{path}: not a decision log ({exc})") from None
    finally:
        if connection is not None:
            connection.close()


def _record(path: str, row: tuple[Any, ...]) -> Record:
    """A row as a record; a row this service could not have written is an error naming it."""
    record = dict(zip(FIELDS, row, strict=True))
    try:
        record["violations"] = _violations(record["violations"])
        record["facts"] = _facts(record["facts"]) if record["facts"] is not None else None
    except (ValueError, zstandard.ZstdError) as exc:
        raise ClosurePolicyError(f"{path}: decision {excerpt(str(record['decision_id']))}: cannot be read "
                                 f"({exc})") from None
    return Record(**record)


def _violations(stored: Any) -> list[str]:
    """The violated rule ids as the service writes them (a JSON list of strings), read strictly."""
    ids, problems = parse(stored if isinstance(stored, (str, bytes)) else str(stored))
    if problems or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError("violations: " + (problems[0].format() if problems else "not a list of rule ids"))
    return ids


def _facts(stored: bytes | str) -> Any:
    """The logged facts: a Zstandard frame of their JSON, or (logs written before it) the JSON text.

    A log file is read as any input: a frame is opened only when its header
    says it holds at most a document's size (no decompression bomb), and the
    JSON is read strictly, within the limits. ``ValueError`` says what is wrong.
    """
    if isinstance(stored, str):
        text = stored.encode("utf-8")
    else:
        size = zstandard.frame_content_size(stored)  # -1: not written, so unknown; ZstdError: not a frame
        if not 0 <= size <= limits.MAX_DOCUMENT_BYTES:
            raise ValueError(f"facts of {'unknown size' if size < 0 else f'{size:,} bytes'}; the limit is "
                             f"{limits.MAX_DOCUMENT_BYTES:,} bytes")
        text = zstandard.ZstdDecompressor().decompress(stored)
    document, problems = parse(text)
    if problems:
        raise ValueError(f"facts {problems[0].format()}")
    return document


