"""``closure-policy check``: every problem of a rule folder, as file:line:col."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ...policy import check_rules


def add_parser(sub: Any) -> None:
    p = sub.add_parser("check", help="validate rule files (schema and semantic checks)")
    p.add_argument("dir", nargs="?", metavar="DIR", help="rule folder (default: the bundled rules)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return check(args.dir, fmt=args.format)


def check(directory: str | None, fmt: str = "text") -> int:
    """Print every problem of the rule folder; 0 when there is none, else 2."""
    result = check_rules(directory)
    if fmt == "json":
        json.dump({"directory": str(result.directory), "revision": result.revision,
                   "problems": [p.to_dict() for p in result.problems]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for problem in result.problems:
            print(problem.format())
    if result.problems:
        print(f"{len(result.problems)} problem(s) in {result.directory}", file=sys.stderr)
        return 2
    rules, queries = sum(len(q.rules) for q in result.queries.values()), len(result.queries)
    print(f"{result.directory}: {rules} rule{'s' * (rules != 1)} in {queries} quer{'ies' if queries != 1 else 'y'}, "
          "no problems "
          f"({result.revision[:19]})", file=sys.stderr)
    return 0
