"""What makes one ``serve`` an instance of a fleet: its policy from a signed bundle (polled), its decision log
shipped to the fleet's PostgreSQL, and what it says of both (``GET /v1/status``, ``/metrics``, ``/health``).

The bundle source and the shipper live in ``bundle/`` and ``decisionlog/``;
this module starts and stops them with the service and reads their state.
"""
from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import anyio

from ..bundle.poll import BundleSource
from ..bundle.signing import public_key
from ..bundle.verify import Verified
from ..decisionlog import Shipper
from ..decisionlog.postgres import shown
from ..policy import Policy
from .config import ServeConfig
from .holder import PolicyHolder
from .metrics import Metrics


class Fleet:
    def __init__(self, config: ServeConfig, metrics: Metrics):
        self.config, self.metrics = config, metrics
        self.bundles: BundleSource | None = None
        self.shipper: Shipper | None = None
        self.holder: PolicyHolder | None = None
        self._poller: asyncio.Task[None] | None = None
        if config.bundle is not None:
            assert config.bundle_key is not None and config.bundle_cache is not None  # the CLI sees to both
            self.bundles = BundleSource(config.bundle, public_key(config.bundle_key), Path(config.bundle_cache),
                                        config.backend, install=self._install)

    def first_policy(self) -> Policy | None:
        """A bundle's policy to start with (the cached one the CLI kept, else the server's); None: no bundle."""
        if self.bundles is None:
            return None
        return self.bundles.cached() or self.bundles.first()

    def _install(self, policy: Policy, verified: Verified) -> None:
        assert self.holder is not None
        self.holder.install(policy)
        self.metrics.bundle_activated()
        print(f"closure-policy serve: bundle {verified.manifest.label} active (revision {policy.revision[:19]}…)",
              file=sys.stderr, flush=True)

    def start(self) -> None:
        """Within the running event loop: the poller, and the shipper (its own thread)."""
        if self.bundles is not None:
            self._poller = asyncio.create_task(self._poll(self.bundles))
        if self.config.ship_to is not None and self.config.decision_log not in (None, "-"):
            assert self.config.decision_log is not None
            instance = f"{socket.gethostname()}/{os.getpid()}"
            self.shipper = Shipper(self.config.decision_log, self.config.ship_to, instance).start()

    async def _poll(self, source: BundleSource) -> None:
        while True:
            await asyncio.sleep(self.config.bundle_poll)
            failures = source.status.failures
            await anyio.to_thread.run_sync(source.poll)
            if source.status.failures != failures:  # said where an operator looks, as a failed reload is
                self.metrics.bundle_failed()
                print(f"closure-policy serve: bundle refused; still serving the last good one: "
                      f"{source.status.last_error}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        if self.bundles is not None:
            self.bundles.close()
        if self.shipper is not None:
            self.shipper.stop()

    def observe(self) -> None:
        """The shipper's counts into the metrics (read when they are asked for)."""
        if self.shipper is not None:
            ship = self.shipper.status
            self.metrics.shipping(ship.shipped, ship.pending, ship.failures)

    def stale(self) -> str | None:
        """Why this instance should be drained (no bundle confirmed for ``--bundle-max-age``), or None."""
        if self.bundles is None or not self.bundles.status.stale(self.config.bundle_max_age):
            return None
        return (f"no bundle confirmed from {self.config.bundle} for more than {self.config.bundle_max_age:g} s "
                f"(last error: {self.bundles.status.last_error})")

    def status(self, policy: Policy, holder: PolicyHolder) -> dict[str, Any]:
        bundle = None if self.bundles is None else {**self.bundles.status.to_dict(), "stale": self.stale() is not None}
        log = None
        if self.config.decision_log is not None:
            log = {"target": self.config.decision_log,
                   "ship_to": shown(self.config.ship_to) if self.config.ship_to else None,
                   "shipping": self.shipper.status.to_dict() if self.shipper is not None else None}
        return {"policy": {"name": policy.name, "revision": policy.revision, "activated_at": holder.activated_at,
                           "label": self.bundles.status.label if self.bundles is not None else None},
                "bundle": bundle, "decision_log": log}
