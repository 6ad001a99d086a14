"""``closure-policy eval``: one decision over one facts document."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ...errors import InvalidFacts
from ...jsondoc import dump_text
from ...policy import load_policy
from .. import options
from ..facts_input import read_facts
from ..render_text import render_decision


def add_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="decide a query over a facts document")
    p.add_argument("--query", "-q", required=True, help="the query to decide (closure-policy reference lists them)")
    p.add_argument("--facts", "-f", required=True, metavar="FILE", help="facts JSON file, or - for standard input")
    options.add_rules(p)
    p.add_argument("--lang", default="en", help="language of messages: en or zh (default en)")
    p.add_argument("--format", choices=("json", "text"), default="json", help="output format (default json)")
    p.add_argument("--explain", action="store_true", help="include the evaluation trace")
    options.add_backend(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return evaluate(args.query, args.facts, rules=args.rules, lang=args.lang, fmt=args.format,
                    explain=args.explain, backend=args.backend)


def evaluate(query: str, facts_path: str, *, rules: str | None = None, lang: str = "en", fmt: str = "json",
             explain: bool = False, backend: str = "compiled") -> int:
    """Decide ``query`` over the facts at ``facts_path`` (``-``: standard input) and print the decision."""
    policy = load_policy(rules, backend=backend)
    policy.query(query)  # an unknown query is reported before reading any input
    facts = read_facts(facts_path)
    try:
        decision = policy.decide(query, facts, lang=lang, explain=explain)
    except InvalidFacts as exc:
        exc.source = "<stdin>" if facts_path == "-" else facts_path
        raise
    if fmt == "json":
        sys.stdout.write(dump_text(decision.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_decision(policy, decision))
    return 0
