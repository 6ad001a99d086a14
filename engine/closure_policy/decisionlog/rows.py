"""A stored row as a :class:`~.record.Record`, read as strictly as any input (a SQLite or a PostgreSQL log)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection

import zstandard

from .. import limits
from ..errors import ClosurePolicyError
from ..jsondoc import parse
from ..text import excerpt
from .record import ADDED, FIELDS, Record


@dataclass(frozen=True)
class Filters:
    """Which records ``closure-policy log`` asks for (None: any)."""

    decision_id: str | None = None
    account_id: str | None = None
    since: str | None = None  #: at or after this time, as the log writes it (:func:`~.record.log_time`)
    outcome: str | None = None
    source: str | None = None


EVERY = Filters()  #: no filter: every record


def selecting(table: str, mark: str, filters: Filters, present: Collection[str]) -> tuple[str, list[str]]:
    """The query of a log's records that ``filters`` keeps (``mark``: the driver's parameter, ``?`` or ``%s``),
    oldest first, and its arguments. ``present``: the table's columns; a field added since the table was made
    (:data:`~.record.ADDED`) is read as the value its records hold."""
    # ADDED's values are the module's own constants, written as SQL literals
    expressions = [f"'{ADDED[f]}'" if f in ADDED and f not in present else f for f in FIELDS]
    where, args = [], []
    for field in ("decision_id", "account_id", "outcome", "source"):
        value = getattr(filters, field)
        if value is not None:
            where.append(f"{expressions[FIELDS.index(field)]} = {mark}")
            args.append(value)
    if filters.since is not None:
        where.append(f"time >= {mark}")
        args.append(filters.since)
    sql = f"SELECT {', '.join(expressions)} FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
    return sql + " ORDER BY time, decision_id", args


def row_record(path: str, row: tuple[Any, ...]) -> Record:
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


def facts_text(stored: bytes | str) -> bytes:
    """The logged facts' JSON text: a Zstandard frame opened only when its header says it holds at most a
    document's size (no decompression bomb), or (logs written before it) the text itself."""
    if isinstance(stored, str):
        return stored.encode("utf-8")
    size = zstandard.frame_content_size(stored)  # -1: not written, so unknown; ZstdError: not a frame
    if not 0 <= size <= limits.MAX_DOCUMENT_BYTES:
        raise ValueError(f"facts of {'unknown size' if size < 0 else f'{size:,} bytes'}; the limit is "
                         f"{limits.MAX_DOCUMENT_BYTES:,} bytes")
    return zstandard.ZstdDecompressor().decompress(stored)


def _facts(stored: bytes | str) -> Any:
    """The logged facts: a Zstandard frame of their JSON, or (logs written before it) the JSON text.

    A log file is read as any input: a frame is opened only when its header
    says it holds at most a document's size (no decompression bomb), and the
    JSON is read strictly, within the limits. ``ValueError`` says what is wrong.
    """
    document, problems = parse(facts_text(stored))
    if problems:
        raise ValueError(f"facts {problems[0].format()}")
    return document


