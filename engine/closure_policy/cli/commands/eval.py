"""``closure-policy eval``: one decision over one facts document."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ...errors import ClosurePolicyError, InvalidFacts
from ...jsondoc import dump_text
from ...policy import Policy, load_policy
from ...tester.session import rules_folder
from ...tester.suite import find_case
from .. import options
from ..facts_input import read_facts
from ..render_text import render_decision


def add_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="decide a query over a facts document")
    p.add_argument("--query", "-q", help="the query to decide (closure-policy reference lists them)")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument("--facts", "-f", metavar="FILE", help="facts JSON file, or - for standard input")
    given.add_argument("--case", metavar="FILE::NAME",
                       help="decide exactly the facts a YAML test case builds (fixture + patch), with its query")
    options.add_rules(p, found=True)
    p.add_argument("--lang", help="language of messages: en or zh (default: the case's, else en)")
    p.add_argument("--format", choices=("json", "text"), default="json", help="output format (default json)")
    p.add_argument("--explain", action="store_true", help="include the evaluation trace")
    options.add_backend(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.case is not None:
        return replay(args.case, query=args.query, rules=args.rules, lang=args.lang, fmt=args.format,
                      explain=args.explain, backend=args.backend)
    if args.query is None:
        raise ClosurePolicyError("eval: --query is required with --facts")
    return evaluate(args.query, args.facts, rules=args.rules, lang=args.lang or "en", fmt=args.format,
                    explain=args.explain, backend=args.backend)


def evaluate(query: str, facts_path: str, *, rules: str | None = None, lang: str = "en", fmt: str = "json",
             explain: bool = False, backend: str = "compiled") -> int:
    """Decide ``query`` over the facts at ``facts_path`` (``-``: standard input) and print the decision."""
    policy = load_policy(rules_folder(rules, None), backend=backend)
    policy.query(query)  # an unknown query is reported before reading any input
    facts = read_facts(facts_path)
    return _decide(policy, query, facts, "<stdin>" if facts_path == "-" else facts_path, lang, fmt, explain)


def replay(spec: str, *, query: str | None = None, rules: str | None = None, lang: str | None = None,
           fmt: str = "json", explain: bool = False, backend: str = "compiled") -> int:
    """Decide exactly what the test case ``FILE::NAME`` decides, so that it can be explained and re-run."""
    policy = load_policy(rules_folder(rules, [spec.partition("::")[0]]), backend=backend)
    case = find_case(spec, policy)
    if query is not None and query != case.query:
        raise ClosurePolicyError(f"--query {query} differs from the case's query {case.query}; leave it out")
    source = "the patch makes the facts invalid" if case.patched else f"the facts of case {case.name!r} are invalid"
    return _decide(policy, case.query, case.facts, source, lang or case.lang, fmt, explain)


def _decide(policy: Policy, query: str, facts: Any, source: str, lang: str, fmt: str, explain: bool) -> int:
    try:
        decision = policy.decide(query, facts, lang=lang, explain=explain)
    except InvalidFacts as exc:
        exc.source = source
        raise
    if fmt == "json":
        sys.stdout.write(dump_text(decision.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_decision(policy, decision))
    return 0
