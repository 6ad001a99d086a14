"""``closure-policy stream``: JSON Lines events on stdin, JSON Lines decisions on stdout.

One bad line never ends the stream: it is reported on stderr with its line
number and skipped. Exit status: 0 when every line was taken, 2 when any line
was refused (bad JSON, not an event, facts the policy rejects, a limit), 1
when a line met an internal fault (reported the same way, and the stream
still goes on).
"""
from __future__ import annotations

import argparse
import sys
import traceback
from typing import IO, Any, Iterator

from ... import limits
from ...jsondoc import dump_text
from ...jsondoc import lines as bounded_lines
from ...policy import load_policy
from ...stream import StreamError, StreamProcessor
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("stream", help="decide over a stream of account events (JSON Lines)")
    options.add_rules(p)
    options.add_backend(p)
    p.set_defaults(run=run)


def lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) pairs; a line longer than the limit is drained and given as None."""
    return enumerate(bounded_lines(stream), start=1)


def run(args: argparse.Namespace) -> int:
    return stream(rules=args.rules, backend=args.backend)


def stream(*, rules: str | None = None, backend: str = "compiled", source: IO[bytes] | None = None,
           out: IO[str] | None = None) -> int:
    """Decide over the events of ``source`` (standard input), writing decisions to ``out`` (standard output)."""
    processor = StreamProcessor(load_policy(rules, backend=backend))
    out, err = out or sys.stdout, sys.stderr
    refused = faults = 0
    for number, line in lines(source or sys.stdin.buffer):
        if line is not None and not line.strip():
            continue
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
    if refused or faults:
        print(f"{refused + faults} line(s) skipped", file=err)
    return 1 if faults else 2 if refused else 0
