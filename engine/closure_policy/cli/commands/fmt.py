"""``closure-policy fmt``: one canonical layout for rule files and test suites (comments kept)."""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from ...errors import ClosurePolicyError
from ...load import load_yaml_file
from ...text import safe

DEFAULT_PATHS = ("rules", "tests/policy")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("fmt", help="lay out rule files and test suites canonically (comments kept)")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="YAML files or folders (default: rules/ and tests/policy/ where they exist)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 and list the files to reformat")
    p.add_argument("--diff", action="store_true", help="change nothing; print what would change as a unified diff")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return fmt(args.paths, check=args.check, diff=args.diff)


def fmt(paths: list[str], *, check: bool = False, diff: bool = False) -> int:
    """Format the YAML files at ``paths``; with ``check`` or ``diff``, only say what would change."""
    from ...load.fmt import Unformattable, format_text

    files = _files(paths)
    changed, failed = [], 0
    for path in files:
        # read by the rules' own loader first: its limits (size, nodes, depth, aliases), UTF-8, duplicate keys
        source, problems = load_yaml_file(path, str(path))
        if problems:
            for problem in problems:
                print(problem.format(), file=sys.stderr)
            failed += 1
            continue
        text = source.text
        try:
            formatted = format_text(text)
        except Unformattable as exc:
            print(safe(f"{path}: cannot format: {' '.join(str(exc).split())}"), file=sys.stderr)
            failed += 1
            continue
        if formatted == text:
            continue
        changed.append(path)
        if diff:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True),
                                                       str(path), f"{path} (formatted)"))
        if check:
            print(f"would reformat {path}")
        elif not diff:
            path.write_text(formatted, encoding="utf-8")
            print(f"reformatted {path}")
    verb = "would be reformatted" if check or diff else "reformatted"
    print(f"{len(changed)} file(s) {verb}, {len(files) - len(changed) - failed} unchanged", file=sys.stderr)
    return 2 if failed else 1 if check and changed else 0


def _files(paths: list[str]) -> list[Path]:
    given = paths or [p for p in DEFAULT_PATHS if Path(p).is_dir()]
    if not given:
        raise ClosurePolicyError("fmt: name the files or folders to format (no rules/ or tests/policy/ here)")
    found: list[Path] = []
    for name in given:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ClosurePolicyError(f"fmt: {name}: no such file or folder")
    return found
