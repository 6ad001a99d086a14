"""A decision log of ``closure-policy serve`` as a corpus: the facts of its records for one query.

Either log the service writes: SQLite (``--decision-log PATH``) or JSON Lines
(``--decision-log -``, as a log shipper stored it). Records whose facts were not
logged (``--log-facts none``) cannot be decided again and are left out; facts
that were masked are decided as masked.
"""
from __future__ import annotations

from typing import Any, Iterator

from ..errors import ClosurePolicyError
from ..jsondoc import lines, parse

_SQLITE = b"SQLite format 3\0"


def logged_facts(path: str, query: str) -> Iterator[Any]:
    """The logged facts of every record of ``query``, oldest first (as the log holds them)."""
    try:
        with open(path, "rb") as fh:
            sqlite = fh.read(len(_SQLITE)) == _SQLITE
    except OSError as exc:
        raise ClosurePolicyError(f"--input {path}: cannot read the decision log ({exc.strerror})") from None
    records = _sqlite(path) if sqlite else _json_lines(path)
    for record in records:
        if record.get("query") == query and record.get("facts") is not None:
            yield record["facts"]


def _sqlite(path: str) -> Iterator[dict[str, Any]]:
    from ..serve.decision_log import read_records

    return read_records(path)


def _json_lines(path: str) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as fh:
        for number, line in enumerate(lines(fh), start=1):
            if line is not None and not line.strip():
                continue
            record, problems = parse(line) if line is not None else (None, [])
            if problems or not isinstance(record, dict):
                raise ClosurePolicyError(f"{path}:{number}: not a decision log record"
                                         + (f" ({problems[0].format()})" if problems else ""))
            yield record
