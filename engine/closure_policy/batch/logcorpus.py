"""A decision log of ``closure-policy serve`` as a corpus: the facts of its records for one query.

Either log the service writes: SQLite (``--decision-log PATH``) or JSON Lines
(``--decision-log -``, as a log shipper stored it); reading it is the
decision log's own (``decisionlog.read_log``). Records whose facts were not
logged (``--log-facts none``) cannot be decided again and are left out; facts
that were masked are decided as masked.
"""
from __future__ import annotations

from typing import Any, Iterator

from ..decisionlog import read_log
from ..errors import ClosurePolicyError


def logged_facts(path: str, query: str) -> Iterator[Any]:
    """The logged facts of every record of ``query``, oldest first (as the log holds them)."""
    try:
        for record in read_log(path):
            if record.query == query and record.facts is not None:
                yield record.facts
    except FileNotFoundError:
        raise ClosurePolicyError(f"--input {path}: no such decision log") from None
