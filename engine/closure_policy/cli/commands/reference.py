"""``closure-policy reference``: the project's reference, generated (``docs/reference.md``)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ...policy import load_policy
from .. import options
from ..reference import render


def add_parser(sub: Any) -> None:
    p = sub.add_parser("reference", help="print the reference of the facts, queries, rules, decision, CLI and API")
    options.add_rules(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the reference of the rules at ``--rules`` (default: the bundled ones) and of this CLI."""
    sys.stdout.write(render(args.cli, load_policy(args.rules)))
    return 0
