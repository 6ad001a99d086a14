"""``closure-policy stream``: JSON Lines events on stdin, JSON Lines decisions on stdout.

One bad line never ends the stream: it is reported on stderr with its line
number and skipped. Exit status: 0 when every line was taken, 2 when any line
was refused (bad JSON, not an event, facts the policy rejects, a limit), 1
when a line met an internal fault (reported the same way, and the stream
still goes on).

With ``--state PATH`` each account's state is kept in a SQLite file, committed
with the input position in groups (``stream/durable.py``); run again with the
same state on the same input, the stream skips the lines already committed.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import dataclass
from typing import IO, Any, Iterator

from ... import limits
from ...errors import ClosurePolicyError
from ...jsondoc import dump_text
from ...jsondoc import lines as bounded_lines
from ...policy import Policy, load_policy
from ...stream import StreamError, StreamProcessor
from ...stream.durable import DurableStore
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
    p.set_defaults(run=run)


def lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) pairs; a line longer than the limit is drained and given as None."""
    return enumerate(bounded_lines(stream), start=1)


def run(args: argparse.Namespace) -> int:
    durable = Durability(args.state, args.commit_lines, args.commit_ms / 1000, args.cache) if args.state else None
    if args.input is None:
        return stream(rules=args.rules, backend=args.backend, durable=durable)
    try:
        source = open(args.input, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ClosurePolicyError(f"--input {args.input}: {exc.strerror or exc}") from None
    with source:
        return stream(rules=args.rules, backend=args.backend, source=source, durable=durable)


@dataclass(frozen=True)
class Durability:
    path: str
    lines: int  #: commit at least every so many lines
    seconds: float  #: and at least every so many seconds
    cache: int  #: accounts held in memory


def stream(*, rules: str | None = None, backend: str = "compiled", source: IO[bytes] | None = None,
           out: IO[str] | None = None, durable: Durability | None = None) -> int:
    """Decide over the events of ``source`` (standard input), writing decisions to ``out`` (standard output)."""
    policy = load_policy(rules, backend=backend)
    out, err = out or sys.stdout, sys.stderr
    commits = _Commits(policy, durable, out)
    processor = StreamProcessor(policy, store=commits.store)
    commits.processor = processor
    refused = faults = 0
    for number, line in lines(source or sys.stdin.buffer):
        if number <= commits.resumed or line is not None and not line.strip():
            continue  # taken before the last commit of an earlier run, or blank
        commits.due(number - 1)
        commits.taken(number)  # a refused line is done with too: a restart does not report it again
        try:
            if line is None:
                raise StreamError(f"line {number}: longer than {limits.MAX_DOCUMENT_BYTES:,} bytes")
            outputs = processor.feed(line, number)
        except StreamError as exc:  # reported and skipped; the stream goes on
            refused += 1
            print(exc.report(), file=err)
            continue
        except Exception:  # a bug of ours: reported with its trace, and the stream goes on
            faults += 1
            print(f"line {number}: internal error; please report it with this trace:", file=err)
            traceback.print_exc(file=err)
            continue
        for output in outputs:
            out.write(dump_text(output.to_dict()) + "\n")
    commits.close()
    if refused or faults:
        print(f"{refused + faults} line(s) skipped", file=err)
    return 1 if faults else 2 if refused else 0


class _Commits:
    """When a durable stream commits: every so many lines or seconds, its output flushed first."""

    def __init__(self, policy: Policy, durable: Durability | None, out: IO[str]):
        self.durable, self.out = durable, out
        self.store = DurableStore(durable.path, policy.facts_schema.document, policy.revision, durable.cache) \
            if durable is not None else None
        self.resumed = self.store.position if self.store is not None else 0  #: the lines an earlier run took
        self.processor: StreamProcessor | None = None
        self._last, self._since = self.resumed, time.monotonic()

    def taken(self, number: int) -> None:
        self._last = number

    def due(self, position: int) -> None:
        """Commit what lines up to ``position`` changed, when a group is full or old enough."""
        if self.store is None or self.durable is None:
            return
        if position - self.store.position >= self.durable.lines or \
                time.monotonic() - self._since >= self.durable.seconds:
            self._commit(position)

    def close(self) -> None:
        if self.store is not None:
            self._commit(self._last)
            self.store.close()

    def _commit(self, position: int) -> None:
        assert self.store is not None and self.processor is not None
        self.out.flush()  # what the committed lines wrote is out before their states are kept
        for account in self.store.commit(max(position, self.store.position)):
            self.processor.lifecycle.forget(account)
        self._since = time.monotonic()
