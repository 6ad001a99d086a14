"""``closure-policy doc``: the policy's catalog, a static site (``site/``), written to a folder."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ...policy import load_policy
from ...site import build_site
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("doc", help="write the policy's catalog: a static site of its queries, rules, facts and "
                                   "lifecycle, in every language it has")
    options.add_rules(p)
    p.add_argument("suites", nargs="*", metavar="SUITE",
                   help="YAML suites whose cases are shown beside the rules (default: the tests/policy folder "
                        "beside the rule folder, when there is one)")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="the folder to write the site into")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return doc(args.rules, args.output, args.suites)


def doc(rules: str | None, output: str, suites: list[str] | None = None) -> int:
    """Write the catalog of ``rules`` (default: the bundled ones) into ``output``; say where to open it."""
    policy = load_policy(rules)
    beside = policy.directory.parent / "tests" / "policy"
    written = build_site(policy, output, suites or ([str(beside)] if beside.is_dir() else []))
    print(f"{len(written)} files written; open {Path(output) / 'index.html'}", file=sys.stderr)
    return 0
