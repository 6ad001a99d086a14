"""The stream's memory with many accounts: bounded and compact per account.

    python benchmarks/bench_stream_memory.py [--accounts 1000000] [--backend compiled] [--state]

Feeds one ``account.snapshot`` per account (generated one at a time, never
held in a list), then one ``balance.updated`` to every tenth account, so that
accounts come back after their durable_rules session was evicted (and, with
--state, after their state left memory for the SQLite file: ``stream --state``
with its default cache and commits). Prints the resident memory before and
after, its peak, and the bytes each account costs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import peak_rss_mb, rss_mb  # noqa: E402
from synthetic import snapshot  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.stream import StreamProcessor  # noqa: E402
from closure_policy.stream.run import Commits, Durability, wire  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--backend", default="compiled")
    parser.add_argument("--state", action="store_true", help="keep the states in SQLite (stream --state)")
    args = parser.parse_args(argv)
    policy = load_policy(backend=args.backend)
    with tempfile.TemporaryDirectory() as folder:
        durable = Durability(str(Path(folder) / "state.db")) if args.state else None
        processor, commits = wire(policy, durable, lambda: None)
        store = commits.store
        before, start = rss_mb(), time.perf_counter()
        line = _feed(processor, commits, args.accounts)
        commits.close()
        elapsed, after = time.perf_counter() - start, rss_mb()
        accounts = args.accounts if store is not None else len(processor.store)
        size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
    peak = peak_rss_mb()
    print(json.dumps({"backend": args.backend, "state": "sqlite" if args.state else "memory", "accounts": accounts,
                      "events": line, "seconds": round(elapsed, 1), "events_per_s": round(line / elapsed),
                      "rss_before_mb": round(before), "rss_after_mb": round(after), "peak_rss_mb": round(peak),
                      "bytes_per_account": round((after - before) * 2**20 / args.accounts),
                      "state_file_mb": round(size) if args.state else None,
                      "live_sessions": processor.lifecycle.live}))
    return 0 if after < (300 if args.state else 1024) else 1


def _feed(processor: StreamProcessor, commits: Commits, accounts: int) -> int:
    rng = random.Random(2026)
    line = 0
    for n in range(accounts):
        account = f"P-{n:07d}"
        line += 1
        commits.due()
        commits.taken(line)
        processor.feed(json.dumps({"account_id": account, "type": "account.snapshot",
                                   "payload": {"facts": snapshot(rng, account)}}), line)
    for n in range(0, accounts, 10):
        line += 1
        commits.due()
        commits.taken(line)
        processor.feed(json.dumps({"account_id": f"P-{n:07d}", "type": "balance.updated",
                                   "payload": {"balance": {"available": "0"}}}), line)
    return line


if __name__ == "__main__":
    sys.exit(main())
