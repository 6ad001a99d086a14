"""``closure-policy stream``: JSON Lines events on stdin, JSON Lines decisions on stdout."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ...policy import BACKENDS, load_policy
from ...stream import StreamError, StreamProcessor


def add_parser(sub: Any) -> None:
    p = sub.add_parser("stream", help="decide over a stream of account events (JSON Lines)")
    p.add_argument("--rules", metavar="DIR", help="rule folder (default: the bundled rules)")
    p.add_argument("--backend", choices=BACKENDS, default="compiled", help="evaluator (default compiled)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    processor = StreamProcessor(load_policy(args.rules, backend=args.backend))
    out, err = sys.stdout, sys.stderr
    skipped = 0
    for number, text in enumerate(sys.stdin, start=1):
        if not text.strip():
            continue
        try:
            outputs = processor.feed(text, number)
        except StreamError as exc:  # reported and skipped; the stream goes on
            skipped += 1
            print(exc, file=err)
            continue
        for output in outputs:
            out.write(json.dumps(output.to_dict(), ensure_ascii=False) + "\n")
    if skipped:
        print(f"{skipped} line(s) skipped", file=err)
    return 0
