"""The two jobs over a whole corpus: ``batch`` (decide every row) and ``diff`` (what a rules change changes).

Both check everything the client can before a worker starts (the rules, the
query, the language, the output's name), cut the input into partitions, and
run them on Dask (:mod:`.cluster`) with a progress bar.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, TextIO

from .. import progress
from ..errors import UnsupportedLanguage
from ..policy import Policy
from .bundle import PolicyBundle
from .cluster import dask_client, run_ordered
from .corpus import Partition, inline_partitions, partitions
from .output import Output
from .summary import DiffSummary, Summary
from .work import decide_partition, diff_partition


@dataclass(frozen=True)
class Cluster:
    """Where a job runs: an existing scheduler, or a LocalCluster of ``workers`` processes (default: one a core)."""

    scheduler: str | None = None
    workers: int | None = None
    log: TextIO | None = sys.stderr  #: progress and the dashboard link (None: quiet)


def _checked(bundle: PolicyBundle, query: str, lang: str = "en") -> Policy:
    policy = bundle.load()  # in the client first: bad rules are reported once, with file:line:col
    policy.query(query)
    if lang not in policy.languages:
        raise UnsupportedLanguage(lang, policy.languages)
    return policy


def _progress(rows: int | None, log: TextIO | None, what: str) -> Any:
    return progress.bar(rows, what, "rows", log)


def run_batch(query: str, source: str, output: str, rules: str | None = None, lang: str = "en",
              cluster: Cluster = Cluster(), backend: str = "compiled") -> tuple[Summary, float]:
    """Decide every row of ``source`` into ``output``; the summary, and the seconds it took."""
    start = time.perf_counter()
    bundle = PolicyBundle.of(rules, backend)
    _checked(bundle, query, lang)
    out = Output(output)
    parts = list(partitions(source))  # where each partition lies, not its rows: small
    summary = Summary()
    try:
        with dask_client(cluster.scheduler, cluster.workers, cluster.log) as client, \
                _progress(sum(p.rows for p in parts), cluster.log, query) as bar:
            for part in run_ordered(client, decide_partition, (bundle, query, lang, out.parquet), parts, bar,
                                    len(parts)):
                out.write(part.payload)
                summary.merge(part.summary)
    except BaseException:
        out.discard()
        raise
    out.commit()
    return summary, time.perf_counter() - start


def run_diff(query: str, source: str, base_rules: str, rules: str | None = None, cluster: Cluster = Cluster(),
             from_log: bool = False) -> tuple[DiffSummary, Policy, Policy, float]:
    """How the decisions of ``source`` change from ``base_rules`` to ``rules``; both policies; seconds taken."""
    start = time.perf_counter()
    base, new = PolicyBundle.of(base_rules), PolicyBundle.of(rules)
    before, after = _checked(base, query), _checked(new, query)
    parts: Iterable[Partition]
    if from_log:  # a log's partitions hold the documents themselves: taken a window at a time, never all at once
        parts, rows, count = _logged(source, query), None, None
    else:
        listed = list(partitions(source))
        parts, rows, count = listed, sum(p.rows for p in listed), len(listed)
    result = DiffSummary()
    with dask_client(cluster.scheduler, cluster.workers, cluster.log) as client, \
            _progress(rows, cluster.log, f"diff {query}") as bar:
        for part in run_ordered(client, diff_partition, (base, new, query), parts, bar, count):
            result.merge(part)
    return result, before, after, time.perf_counter() - start


def _logged(path: str, query: str) -> Iterator[Partition]:
    """The facts of a decision log's records for ``query`` (where facts were logged)."""
    from .logcorpus import logged_facts

    return inline_partitions(logged_facts(path, query))
