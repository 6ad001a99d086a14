"""``closure-policy init DIR``: a policy folder of your own that passes check, test and test --mutate as made.

The files are copied from the package's ``skeleton/`` as they are (nothing in
them is filled in or run): the rules, their facts schema, one YAML suite at
100% coverage that kills every mutant, and one example document.
"""
from __future__ import annotations

import argparse
import sys
from importlib import resources as package_files
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from ...errors import ClosurePolicyError
from ...paths import writing
from ...policy import load_policy


def add_parser(sub: Any) -> None:
    p = sub.add_parser("init", help="make a policy folder of your own: rules, facts schema, a suite, an example")
    p.add_argument("folder", metavar="DIR", help="the folder to make (new, or empty)")
    p.set_defaults(run=run)


def _files(node: Traversable, under: Path = Path()) -> list[tuple[Path, bytes]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name.startswith(("_", ".")):
            continue
        found += _files(child, under / child.name) if child.is_dir() else [(under / child.name, child.read_bytes())]
    return found


def run(args: argparse.Namespace) -> int:
    target = Path(args.folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ClosurePolicyError(f"init {args.folder}: already exists and is not an empty folder; name a new one")
    files = _files(package_files.files("closure_policy").joinpath("skeleton"))
    with writing(target, "init"):
        for relative, data in files:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_bytes(data)
    policy = load_policy(target / "rules")  # what was written loads: its names come from it, not from here
    example = next(p for p, _ in files if p.parts[0] == "examples")
    print(f"{args.folder}: a policy of {len(policy.queries)} query and its rules ({len(files)} files). Next:\n"
          f"  cd {args.folder}\n  closure-policy check rules\n  closure-policy test --coverage --fail-under 100\n"
          f"  closure-policy eval -q {next(iter(policy.queries))} -f {example.as_posix()} --format text",
          file=sys.stderr)
    return 0
