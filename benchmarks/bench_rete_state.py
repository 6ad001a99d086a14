"""100,000 decisions in a row on one rete policy: speed, and that memory stays flat.

    python benchmarks/bench_rete_state.py [--count 100000]

durable_rules keeps per-session state in a fixed table; a backend that leaves
state behind fails with MemoryError after about a thousand sessions, or grows.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_decide import account  # noqa: E402
from measure import rss_mb  # noqa: E402

from closure_policy import load_policy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    policy = load_policy(backend="rete")
    inputs = [account(), {**account(), "final_review": {"status": "approved"}}]
    for f in inputs:
        policy.decide("close_account", f)
    start_rss, start = rss_mb(), time.perf_counter()
    for i in range(args.count):
        policy.decide("close_account", inputs[i % 2])
        if i and i % (args.count // 5) == 0:
            print(f"  {i:>7} decisions  rss {rss_mb():7.1f} MB")
    elapsed = time.perf_counter() - start
    print(f"{args.count:,} rete decisions in {elapsed:.1f} s ({args.count / elapsed:,.0f}/s); "
          f"rss {start_rss:.1f} MB -> {rss_mb():.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
