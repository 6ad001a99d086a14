"""Evidence of a change: the documents of a corpus or a decision log decided under both revisions, by query.

What ``diff`` computes (``batch/summary.py``: transitions of outcome, rules that
start or stop firing, samples), here in process, query by query: a review's
corpus is a pull request's, not a data lake's. A log gives each query its own
documents (the facts its records kept), so "how many of last period's real
decisions would now differ" is its ``changed`` count.
"""
from __future__ import annotations

import time
from typing import Any, Iterator

from ..batch.corpus import partitions
from ..batch.logcorpus import logged_facts
from ..batch.report import to_dict
from ..batch.summary import DiffSummary
from ..policy import Policy


def evidence(base: Policy, new: Policy, corpus: str | None, log: str | None) -> dict[str, Any]:
    """``{"corpus": {query: report}, "log": {query: report}}`` for what was given."""
    found: dict[str, Any] = {}
    queries = [q for q in new.queries if q in base.queries]
    if corpus is not None:
        found["corpus"] = {q: _diff(base, new, q, _corpus(corpus)) for q in queries}
    if log is not None:
        found["log"] = {q: _diff(base, new, q, logged_facts(log, q)) for q in queries}
    return found


def _corpus(source: str) -> Iterator[Any]:
    for part in partitions(source):
        yield from part.read()


def _diff(base: Policy, new: Policy, query: str, documents: Iterator[Any]) -> dict[str, Any]:
    start, summary, row = time.perf_counter(), DiffSummary(), 0
    batch: list[Any] = []
    for document in documents:
        batch.append(document)
        if len(batch) == 1000:
            row = _decide(base, new, query, batch, row, summary)
            batch = []
    _decide(base, new, query, batch, row, summary)
    return to_dict(query, summary, base, new, time.perf_counter() - start)


def _decide(base: Policy, new: Policy, query: str, documents: list[Any], first: int, summary: DiffSummary) -> int:
    for old, now in zip(base.decide_many(query, documents), new.decide_many(query, documents), strict=True):
        summary.add(first + old.index, base, old, now)
    return first + len(documents)
