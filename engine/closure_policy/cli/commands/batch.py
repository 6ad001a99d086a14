"""``closure-policy batch``: decide every row of a corpus (JSON Lines or Parquet) on Dask."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .. import options

if TYPE_CHECKING:
    from ...batch.summary import Summary


def add_parser(sub: Any) -> None:
    p = sub.add_parser("batch", help="decide every facts document of a JSON Lines or Parquet corpus, on Dask")
    p.add_argument("--query", "-q", required=True, help="the query to answer")
    p.add_argument("--input", "-i", required=True, metavar="PATH",
                   help="JSON Lines or Parquet file, or a folder or glob of them")
    p.add_argument("--output", "-o", required=True, metavar="PATH", help="a .parquet or .jsonl file")
    p.add_argument("--lang", default="en", help="language of messages (default en)")
    options.add_rules(p)
    options.add_backend(p)
    options.add_cluster(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...batch import Cluster, run_batch  # Dask and Arrow: imported by the commands that use them

    cluster = Cluster(args.scheduler, args.workers, None if args.quiet else sys.stderr)
    summary, seconds = run_batch(args.query, args.input, args.output, args.rules, args.lang, cluster, args.backend)
    sys.stdout.write(format_summary(summary, seconds))
    return 0


def format_summary(summary: "Summary", seconds: float) -> str:
    rate = summary.rows / seconds if seconds else 0.0
    lines = [f"{summary.rows:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s); {summary.invalid:,} invalid"]
    lines += [f"  {outcome:<24} {count:>12,}" for outcome, count in summary.outcomes.most_common()]
    if summary.rules:
        lines.append("violated rules:")
        lines += [f"  {rule:<40} {count:>12,}" for rule, count in summary.rules.most_common()]
    for shown in summary.first_invalid:
        first = shown["error"][0]
        lines.append(f"invalid row {shown['row']}: {first['pointer'] or '/'}: {first['message']}"
                     + (f" (and {len(shown['error']) - 1} more)" if len(shown["error"]) > 1 else ""))
    return "\n".join(lines) + "\n"
