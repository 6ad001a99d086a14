"""``closure-policy review``: what a change of the rules does, proven, measured and gated, in one report."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ... import limits
from ...errors import ClosurePolicyError
from ...paths import output_file, writing
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("review", help="what a change of the rules does: each query's verdict proven, the text "
                                      "changed, evidence and tests, and a gate for CI")
    options.add_rules(p, what="the rules as proposed")
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument("--base-rules", metavar="DIR", type=options.folder, help="the rules as they are")
    base.add_argument("--base", metavar="GIT_REF", help="the rules as they are at this ref of the current "
                                                        "repository (e.g. origin/main)")
    p.add_argument("--corpus", metavar="PATH", help="facts documents decided under both (JSON Lines or Parquet, "
                                                    "as batch)")
    p.add_argument("--from-log", metavar="PATH|URL", help="a decision log whose facts are decided under both "
                                                          "(SQLite, JSON Lines or postgresql://)")
    p.add_argument("--suites", nargs="*", metavar="PATH", help="YAML test suites run under both (default: as for "
                                                                "test; give none to skip)")
    p.add_argument("--mutate", action="store_true", help="also the suites' mutation score under each revision")
    p.add_argument("--fail-on", choices=("more-permissive", "any-change", "none"), default="more-permissive",
                   help="what trips the gate (exit 1): a query more permissive, incomparable or unknown "
                        "(default); any change; nothing")
    p.add_argument("--max-items", type=options.whole(1, limits.MAX_PROVE_ITEMS), default=2,
                   help="list items in the prover's documents (default 2)")
    p.add_argument("--timeout", type=options.seconds, default=60.0, help="seconds for each of the prover's "
                                                                         "questions (default 60)")
    p.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report here (default: standard output)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...policy import load_policy
    from ...review import build_review
    from ...review.render import write
    from ...review.sources import rules_at
    from ...tester.session import default_paths

    target = output_file(args.output) if args.output else None
    scratch = None
    base_rules = args.base_rules
    if args.base is not None:
        base_rules, scratch = rules_at(args.base, args.rules)
    try:
        base = _loaded(load_policy, base_rules, "the base rules")
        new = _loaded(load_policy, args.rules, "the proposed rules")
        suites = default_paths() if args.suites is None else args.suites
        review = build_review(base, new, gate_on=args.fail_on, corpus=args.corpus, log=args.from_log,
                              suites=suites or None, mutation=args.mutate, max_items=args.max_items,
                              timeout=args.timeout)
    finally:
        if scratch is not None:
            scratch.cleanup()
    report = write(review, args.format)
    if target is None:
        sys.stdout.write(report)
    else:
        with writing(target):
            target.write_text(report, encoding="utf-8")
        print(review.headline(), file=sys.stderr)
    return 1 if review.tripped else 0


def _loaded(load: Any, rules: str, what: str) -> Any:
    try:
        return load(rules)
    except ClosurePolicyError as exc:
        raise ClosurePolicyError(f"{what} ({rules}): {exc.report()}") from None
