"""What the benchmarks measure with: rates and resident memory."""
from __future__ import annotations

import resource
import time
from typing import Any, Callable


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn()
        count += 100
    return count / elapsed


def rates(fns: dict[str, Callable[[], Any]], seconds: float, rounds: int = 10) -> dict[str, float]:
    """Calls per second of each function, measured side by side.

    The machine's speed drifts (a shared host), so the contenders take turns:
    ``rounds`` rounds, each giving every function ``seconds / rounds``, and each
    keeps its best round (as ``timeit`` keeps the least time). A drift then
    touches every contender alike instead of whichever ran during it.
    """
    best = dict.fromkeys(fns, 0.0)
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = max(best[name], rate(fn, seconds / rounds))
    return best


def peak_rss_mb() -> float:
    """The most resident memory this process has had (Linux's VmHWM, in MiB). Not ``ru_maxrss``: that
    survives ``exec``, so a process started by a big one would report its parent's peak."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def rss_mb() -> float:
    """Resident memory now (Linux), in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
