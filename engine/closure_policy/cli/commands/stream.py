"""``closure-policy stream``: JSON Lines events on stdin, JSON Lines decisions on stdout.

One bad line never ends the stream: it is reported on stderr with its line
number and skipped. Exit status: 0 when every line was taken, 2 when any line
was refused (bad JSON, not an event, facts the policy rejects, a limit), 1
when a line met an internal fault (reported the same way, and the stream
still goes on).

With ``--state PATH`` each account's state is kept in a SQLite file, committed
with the input position in groups (``stream/durable.py``); run again with the
same state on the same input, the stream skips the lines already committed.
With ``--workers N`` the accounts are split over N processes
(``stream/partitions.py``). The loop itself is ``stream/run.py``.
"""
from __future__ import annotations

import argparse
import sys
from typing import IO, Any

from ... import limits
from ...errors import ClosurePolicyError
from ...jsondoc import lines as bounded_lines
from ...policy import load_policy
from ...stream import partitions
from ...stream.run import Durability, Numbered, Sink
from ...stream.run import run as run_stream
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("stream", help="decide over a stream of account events (JSON Lines)")
    options.add_rules(p)
    options.add_backend(p)
    p.add_argument("--input", "-i", metavar="PATH", help="read the events from this file (default: standard input)")
    p.add_argument("--state", metavar="PATH",
                   help="keep each account's state in this SQLite file; a restart resumes after its last commit")
    p.add_argument("--commit-lines", type=options.whole(1), default=1000, metavar="N",
                   help="with --state: commit at least every N lines (default 1000)")
    p.add_argument("--commit-ms", type=options.whole(1), default=200, metavar="MS",
                   help="with --state: commit at least every MS milliseconds (default 200)")
    p.add_argument("--cache", type=options.whole(1), default=limits.STATE_CACHE_ACCOUNTS, metavar="N",
                   help=f"with --state: accounts held in memory (default {limits.STATE_CACHE_ACCOUNTS:,})")
    p.add_argument("--migrate", action="store_true",
                   help="with --state: a state file of another policy revision is re-read through these rules "
                        "(how many accounts changed state is said on stderr), not refused")
    p.add_argument("--workers", type=options.whole(1, 64), default=1, metavar="N",
                   help="split the accounts by a stable hash over N worker processes (default 1); the output "
                        "stays in input order")
    p.add_argument("--interpret", action="store_true",
                   help="run the stream's declaration through the interpreter (the reference the generated "
                        "handlers are tested against) instead of its generated handlers")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    durable = Durability(args.state, args.commit_lines, args.commit_ms / 1000, args.cache, args.migrate) \
        if args.state else None
    if args.migrate and durable is None:
        raise ClosurePolicyError("--migrate re-reads a state file: give it with --state PATH")
    if args.input is None:
        return stream(rules=args.rules, backend=args.backend, durable=durable, workers=args.workers,
                      interpret=args.interpret)
    try:
        source = open(args.input, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ClosurePolicyError(f"--input {args.input}: {exc.strerror or exc}") from None
    with source:
        return stream(rules=args.rules, backend=args.backend, source=source, durable=durable, workers=args.workers,
                      interpret=args.interpret)


def stream(*, rules: str | None = None, backend: str = "compiled", source: IO[bytes] | None = None,
           out: IO[str] | None = None, durable: Durability | None = None, workers: int = 1,
           interpret: bool = False) -> int:
    """Decide over the events of ``source`` (standard input), writing decisions to ``out`` (standard output)."""
    policy = load_policy(rules, backend=backend)
    sink = Sink(out or sys.stdout, sys.stderr)
    numbered = Numbered(bounded_lines(source or sys.stdin.buffer))
    if workers > 1:
        return partitions.run(policy, numbered, sink, workers, durable, interpret)
    return run_stream(policy, numbered, sink, durable, interpret)
