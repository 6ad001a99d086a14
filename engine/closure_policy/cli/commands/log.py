"""``closure-policy log``: read the service's decision log back."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ...decisionlog import SOURCES, Filters, Record
from ...decisionlog.rows import EVERY
from ...errors import ClosurePolicyError
from ...jsondoc import dump_text
from ...scalars import ScalarError, to_instant
from ...text import safe


def add_parser(sub: Any) -> None:
    p = sub.add_parser("log", help="read the decision log of closure-policy serve")
    p.add_argument("--decision-log", required=True, metavar="PATH|URL",
                   help="the SQLite decision log, or the fleet's shared log (a postgresql:// URL: serve --ship-to)")
    p.add_argument("--decision-id", help="only this decision")
    p.add_argument("--account", help="only decisions about this account")
    p.add_argument("--since", metavar="TIME", help="only decisions at or after this RFC 3339 instant")
    p.add_argument("--outcome", help="only decisions with this outcome")
    p.add_argument("--source", choices=SOURCES,
                   help="only decisions asked by applications (api) or from the service's playground page")
    p.add_argument("--format", choices=("json", "table"), default="json",
                   help="json: one record a line (default); table: one line each, for people")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    filters = Filters(decision_id=args.decision_id, account_id=args.account, since=_utc(args.since),
                      outcome=args.outcome, source=args.source)
    return show_log(args.decision_log, filters, args.format)


def show_log(path: str, filters: Filters = EVERY, fmt: str = "json") -> int:
    from ...decisionlog import read_records

    try:
        records = read_records(path, filters)
        if fmt == "table":
            sys.stdout.write(_row("time", "decision_id", "query", "outcome", "source", "subject", "violations"))
        for record in records:
            sys.stdout.write(dump_text(record.to_dict()) + "\n" if fmt == "json" else _line(record))
    except FileNotFoundError:
        raise ClosurePolicyError(f"{path}: no such decision log") from None
    return 0


def _utc(since: str | None) -> str | None:
    """``--since`` in the log's own form (UTC, milliseconds), so that text order is time order."""
    if since is None:
        return None
    from ...decisionlog import log_time

    try:
        return log_time(to_instant(since).utc)
    except ScalarError as exc:
        raise ClosurePolicyError(f"--since {since!r} {exc}") from None


def _line(record: Record) -> str:
    return _row(record.time, record.decision_id, record.query, record.outcome, record.source,
                record.account_id or "-", ",".join(record.violations) or "-")


def _row(time: str, decision_id: str, query: str, outcome: str, source: str, account: str, violations: str) -> str:
    """One line of the table (the header too), in fixed columns."""
    return safe(f"{time:<24}  {decision_id:<36}  {query:<18} {outcome:<14} {source:<10} {account:<12} "
                f"{violations}") + "\n"
