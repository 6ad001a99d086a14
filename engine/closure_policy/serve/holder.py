"""The policy the service answers with, swapped whole: the last good one always stays.

A reload loads, checks and compiles the new rules aside; only a policy free of
problems replaces the current one, by one assignment, so a request that took
``holder.policy`` keeps one revision from its first decision to its last. A
failed reload keeps the old policy and remembers the problems (``file:line:col``)
for ``GET /v1/policy``.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import ClosurePolicyError, InvalidRules
from ..policy import Policy
from ..reloader import Reloader


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class PolicyHolder:
    rules: str | None
    backend: str = "compiled"
    on_reload: Callable[[bool, Policy], None] = lambda ok, policy: None
    initial: Policy | None = None  #: a policy already loaded (a bundle's), served first
    policy: Policy = field(init=False)
    last_reload: dict[str, Any] | None = field(default=None, init=False)
    activated_at: str = field(default="", init=False)  #: when the policy served now was swapped in

    def __post_init__(self) -> None:
        self._loader = Reloader(self.rules, backend=self.backend)  # a reload redoes only what changed
        self.policy = self.initial if self.initial is not None else self._loader.load()
        self.initial = None
        self.activated_at = _now()
        self._lock = threading.Lock()  # one reload at a time; decisions never wait for it

    def install(self, policy: Policy) -> None:
        """Serve ``policy`` from now on (a new bundle, loaded and checked elsewhere): one assignment."""
        with self._lock:
            self.policy, self.activated_at = policy, _now()
            self.last_reload = {"ok": True, "at": self.activated_at, "revision": policy.revision, "problems": []}
            self.on_reload(True, policy)

    def reload(self) -> dict[str, Any]:
        """Load the rules again; swap only if they are free of problems. Returns what happened."""
        with self._lock:
            try:
                fresh = self._loader.load()
            except InvalidRules as exc:
                self.last_reload = {"ok": False, "at": _now(), "revision": self.policy.revision,
                                    "problems": [p.format() for p in exc.problems]}
            except ClosurePolicyError as exc:
                self.last_reload = {"ok": False, "at": _now(), "revision": self.policy.revision,
                                    "problems": [exc.report()]}
            else:
                if fresh.revision != self.policy.revision:
                    self.activated_at = _now()
                self.policy = fresh
                self.last_reload = {"ok": True, "at": _now(), "revision": fresh.revision, "problems": []}
            if not self.last_reload["ok"]:  # said where an operator looks, not only at GET /v1/policy
                print(f"closure-policy serve: reload failed; still serving {self.policy.revision[:19]}…\n"
                      + "\n".join(f"  {p}" for p in self.last_reload["problems"]), file=sys.stderr, flush=True)
            self.on_reload(self.last_reload["ok"], self.policy)
            return self.last_reload
