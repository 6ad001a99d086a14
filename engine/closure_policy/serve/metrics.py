"""Prometheus metrics of the service (``GET /metrics``), in a registry of its own.

With ``serve --workers N`` every worker writes its values to files in one
folder (prometheus-client's multiprocess mode, switched on by
``PROMETHEUS_MULTIPROC_DIR``, which ``serve`` sets before the workers start),
and whichever worker answers ``/metrics`` adds up all of them: the counts are
the service's, not one process's.
"""
from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
SHARED_FOLDER = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own name for it


def shared() -> bool:
    """Whether this process's values go to the folder the workers share."""
    return bool(os.environ.get(SHARED_FOLDER))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.decisions = Counter("closure_policy_decisions", "Decisions answered, by query and outcome",
                                 ["query", "outcome"], registry=r)
        self.latency = Histogram("closure_policy_decision_seconds", "Time to decide, by query", ["query"],
                                 buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25, 1.0), registry=r)
        self.invalid = Counter("closure_policy_invalid_requests", "Requests refused, by problem type", ["problem"],
                               registry=r)
        self.reloads = Counter("closure_policy_reloads", "Policy reloads, by result", ["result"], registry=r)
        # A revision no worker serves any more stays, at 0: a worker's file
        # cannot forget a series, so "max" over the workers says whether any serves it.
        self.policy = Gauge("closure_policy_policy_info", "The policy being served (1 for the current revision)",
                            ["name", "revision"], registry=r, multiprocess_mode="max")
        self.bundles = Counter("closure_policy_bundle_activations", "Bundles swapped in", registry=r)
        self.bundle_failures = Counter("closure_policy_bundle_failures", "Bundle downloads or bundles refused",
                                       registry=r)
        self.bundle_success = Gauge("closure_policy_bundle_last_activation_timestamp_seconds",
                                    "When a bundle was last swapped in", registry=r, multiprocess_mode="max")
        self.shipped = Gauge("closure_policy_log_shipped_records", "Decision records shipped to PostgreSQL",
                             registry=r, multiprocess_mode="max")
        self.pending = Gauge("closure_policy_log_pending_records", "Decision records not yet shipped",
                             registry=r, multiprocess_mode="max")
        self.ship_failures = Gauge("closure_policy_log_ship_failures", "Failed shipping attempts of this process",
                                   registry=r, multiprocess_mode="sum")
        self._current: tuple[str, str] | None = None
        self._children: dict[tuple[str, str], tuple[Any, Any]] = {}

    def decided(self, query: str, outcome: str, seconds: float) -> None:
        # labels() looks its child up on every call; the pair is kept per query and outcome.
        children = self._children.get((query, outcome))
        if children is None:
            children = self._children[(query, outcome)] = (self.decisions.labels(query, outcome),
                                                           self.latency.labels(query))
        children[0].inc()
        children[1].observe(seconds)

    def serving(self, name: str, revision: str) -> None:
        if self._current is not None and self._current != (name, revision):
            self.policy.labels(*self._current).set(0)
        self._current = (name, revision)
        self.policy.labels(name, revision).set(1)

    def bundle_activated(self) -> None:
        self.bundles.inc()
        self.bundle_success.set_to_current_time()

    def bundle_failed(self) -> None:
        self.bundle_failures.inc()

    def shipping(self, shipped: int, pending: int, failures: int) -> None:
        self.shipped.set(shipped)
        self.pending.set(pending)
        self.ship_failures.set(failures)

    def render(self) -> bytes:
        if not shared():
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        return generate_latest(every_worker)
