"""The stream at scale: events per second, memory, and equality with one-shot evaluation.

    python benchmarks/bench_stream.py [--events 1000000] [--accounts 10000] [--backend compiled] [--no-verify]
                                      [--floor]

Generates the events (benchmarks/synthetic.py), feeds them to the
stream processor, and (unless --no-verify) checks every emitted decision
against a one-shot decision on the account's facts at that moment. With
--floor, the same lines then go through ``stream_floor.py`` (the stream
written by hand for this policy: the floor), in the same run, once it has been
seen to answer as the engine's stream on the first 20,000 lines.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import rss_mb  # noqa: E402
from stream_floor import Floor, agrees  # noqa: E402
from synthetic import events  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.stream import StreamProcessor  # noqa: E402
from closure_policy.stream.replay import replay  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--backend", default="compiled")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--floor", action="store_true", help="also run the hand-written floor on the same lines")
    args = parser.parse_args(argv)
    lines = [line.encode() for line in events(args.events, args.accounts, seed=2026, malformed=0.0005)]
    policy = load_policy(backend=args.backend)
    processor = StreamProcessor(policy)
    start_rss, start = rss_mb(), time.perf_counter()
    result = replay(processor, lines, check=not args.no_verify)
    elapsed = time.perf_counter() - start
    print(f"{args.backend}: {result.events:,} events over {len(processor.store):,} accounts in {elapsed:.1f} s "
          f"({result.events / elapsed:,.0f} events/s{' including verification' if not args.no_verify else ''}); "
          f"{result.outputs:,} decisions, {result.skipped:,} lines skipped, {result.mismatches} mismatches; "
          f"{processor.lifecycle.live:,} live durable_rules sessions; "
          f"rss {start_rss:.0f} MB -> {rss_mb():.0f} MB")
    if args.floor:
        print(f"the hand-written stream answers as the engine's on the first {agrees(policy, lines[:20_000]):,} lines")
        floor = Floor({"name": policy.name, "revision": policy.revision})
        start = time.perf_counter()
        written = floor.run(lines)
        elapsed = time.perf_counter() - start
        print(f"hand-written floor: {len(lines):,} events in {elapsed:.1f} s "
              f"({len(lines) / elapsed:,.0f} events/s); {written:,} decisions")
    return 1 if result.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
