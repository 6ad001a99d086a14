"""The stream's memory with many accounts: bounded and compact per account.

    python benchmarks/bench_stream_memory.py [--accounts 1000000] [--backend compiled]

Feeds one ``account.snapshot`` per account (generated one at a time, never
held in a list), then one ``balance.updated`` to every tenth account, so that
accounts come back after their durable_rules session was evicted. Prints the
resident memory before and after, and the bytes each account costs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import rss_mb  # noqa: E402
from synthetic import snapshot  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.stream import StreamProcessor  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--backend", default="compiled")
    args = parser.parse_args(argv)
    processor = StreamProcessor(load_policy(backend=args.backend))
    rng = random.Random(2026)
    before, start = rss_mb(), time.perf_counter()
    line = 0
    for n in range(args.accounts):
        account = f"P-{n:07d}"
        line += 1
        processor.feed(json.dumps({"account_id": account, "type": "account.snapshot",
                                   "payload": {"facts": snapshot(rng, account)}}), line)
    for n in range(0, args.accounts, 10):
        line += 1
        processor.feed(json.dumps({"account_id": f"P-{n:07d}", "type": "balance.updated",
                                   "payload": {"balance": {"available": "0"}}}), line)
    elapsed, after = time.perf_counter() - start, rss_mb()
    per_account = (after - before) * 2**20 / args.accounts
    print(json.dumps({"backend": args.backend, "accounts": len(processor.store), "events": line,
                      "seconds": round(elapsed, 1), "events_per_s": round(line / elapsed),
                      "rss_before_mb": round(before), "rss_after_mb": round(after),
                      "bytes_per_account": round(per_account), "live_sessions": processor.lifecycle.live}))
    return 0 if after < 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
