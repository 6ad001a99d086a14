"""``closure-policy diff``: what would a rules change change? Both rule sets over one corpus, on Dask."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("diff", help="decide a corpus under two rule folders and report what changes")
    p.add_argument("--query", "-q", required=True, help="the query to compare")
    p.add_argument("--input", "-i", required=True, metavar="PATH",
                   help="JSON Lines or Parquet corpus (file, folder or glob), or a decision log with --from-log")
    options.add_rules(p, option="--base-rules", what="the rules as they are", required=True)
    options.add_rules(p, what="the rules as proposed")
    p.add_argument("--from-log", action="store_true",
                   help="--input is a decision log of closure-policy serve (SQLite, JSON Lines, or the fleet's "
                        "shared log: a postgresql:// URL) with facts")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report: .json, .md or .html")
    options.add_cluster(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...batch import Cluster, run_diff  # Dask and Arrow: imported by the commands that use them
    from ...batch import report as reports

    if args.output:
        reports.check_name(args.output)  # before the work, not after it
    cluster = Cluster(args.scheduler, args.workers, None if args.quiet else sys.stderr)
    diff, base, new, seconds = run_diff(args.query, args.input, args.base_rules, args.rules, cluster, args.from_log)
    report = reports.to_dict(args.query, diff, base, new, seconds,
                             (args.base_rules, args.rules or "the bundled rules"))
    if args.output:
        reports.write(report, args.output)
    sys.stdout.write(reports.markdown(report))
    return 0

