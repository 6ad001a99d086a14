"""Evidence of a change: the documents of a corpus or a decision log decided under both revisions, by query.

What ``diff`` computes (``batch/summary.py``: transitions of outcome, rules that
start or stop firing, samples), here in process, query by query: a review's
corpus is a pull request's, not a data lake's. A log gives each query its own
documents (the facts its records kept), so "how many of last period's real
decisions would now differ" is its ``changed`` count.
"""
from __future__ import annotations

import time
from typing import Any, Iterable, Iterator

from ..batch.corpus import partitions
from ..batch.report import to_dict
from ..batch.summary import DiffSummary
from ..decisionlog import read_log
from ..policy import Policy


def evidence(base: Policy, new: Policy, corpus: str | None, log: str | None) -> dict[str, Any]:
    """``{"corpus": {query: report}, "log": {query: report}}`` for what was given; each read once."""
    found: dict[str, Any] = {}
    queries = [q for q in new.queries if q in base.queries]
    if corpus is not None:  # every document, decided for every query
        found["corpus"] = _diffs(base, new, queries, ((q, d) for d in _corpus(corpus) for q in queries))
    if log is not None:  # each record's facts, decided for the query it was decided for
        found["log"] = _diffs(base, new, queries, ((r.query, r.facts) for r in read_log(log)
                                                   if r.query in queries and r.facts is not None))
    return found


def _corpus(source: str) -> Iterator[Any]:
    for part in partitions(source):
        yield from part.read()


def _diffs(base: Policy, new: Policy, queries: list[str], pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Each query's report over its documents, decided a thousand at a time (memory: a batch per query)."""
    start = time.perf_counter()
    summaries = {q: DiffSummary() for q in queries}
    batches: dict[str, list[Any]] = {q: [] for q in queries}
    rows = dict.fromkeys(queries, 0)
    for query, document in pairs:
        batches[query].append(document)
        if len(batches[query]) == 1000:
            rows[query] = _decide(base, new, query, batches[query], rows[query], summaries[query])
            batches[query] = []
    for query in queries:
        _decide(base, new, query, batches[query], rows[query], summaries[query])
    seconds = time.perf_counter() - start
    return {q: to_dict(q, summaries[q], base, new, seconds) for q in queries}


def _decide(base: Policy, new: Policy, query: str, documents: list[Any], first: int, summary: DiffSummary) -> int:
    for old, now in zip(base.decide_many(query, documents), new.decide_many(query, documents), strict=True):
        summary.add(first + old.index, base, old, now)
    return first + len(documents)
