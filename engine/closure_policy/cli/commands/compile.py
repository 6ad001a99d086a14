"""``closure-policy compile``: load, check and compile the rules; show what runs.

With ``--show-source``, print the Python the compiled backend generated for a
query, so a reader can see exactly what decides it (``--mode traced`` shows the
variant that records explanations and coverage).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ...evaluate.compiled.codegen import MODES
from ...policy import load_policy
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("compile", help="compile the rules; with --show-source, print a query's generated Python")
    options.add_rules(p)
    p.add_argument("--query", "-q", help="the query to show (default: list the queries compiled)")
    p.add_argument("--show-source", action="store_true", help="print the query's generated Python")
    p.add_argument("--lang", default="en", help="the language of the function to show (default en)")
    p.add_argument("--mode", choices=MODES, default="plain",
                   help="plain (decides), traced (also records a trace), oracle (told by durable_rules) or "
                        "trusted (plain without the whole document's checks: the stream's)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return compile_rules(args.rules, args.query, show_source=args.show_source, lang=args.lang, mode=args.mode)


def compile_rules(rules: str | None = None, query: str | None = None, *, show_source: bool = False,
                  lang: str = "en", mode: str = "plain") -> int:
    """Compile the rules at ``rules``; print each query's size, or one query's generated source."""
    policy = load_policy(rules)
    if query is not None:
        source = policy.source(query, lang=lang, mode=mode)
        if show_source:
            sys.stdout.write(source)
        else:
            print(f"{query}: {_rules(len(policy.query(query).rules))}, {source.count(chr(10))} lines of Python")
        return 0
    for name, compiled in policy.queries.items():
        lines = policy.source(name, lang=lang, mode=mode).count("\n")
        print(f"{name}: {_rules(len(compiled.rules))}, {lines} lines of Python")
    print(f"{policy.name} {policy.revision}: compiled")
    return 0


def _rules(count: int) -> str:
    return f"{count} rule{'' if count == 1 else 's'}"
