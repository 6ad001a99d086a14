"""Options several commands share, declared once."""
from __future__ import annotations

import argparse
import math
import os
from typing import Callable

from ..policy import BACKENDS
from ..resources import default_rules


def add_rules(p: argparse.ArgumentParser, found: bool = False, option: str = "--rules", what: str = "rule folder",
              required: bool = False) -> None:
    """A rule folder option, with the one default every command has: ``./rules`` when there is one, else the
    bundled rules. ``found``: a suite's ``rules:`` comes first (``test``, ``eval --case``), so the default is
    left to the suites (None here)."""
    said = "the suites' rules:, else " if found else ""
    help = f"{what} (default: {said}./rules when there is one, else the bundled rules)"
    default = None if found or required else default_rules()
    p.add_argument(option, metavar="DIR", type=folder, default=default, required=required,
                   help=what if required else help)



def folder(text: str) -> str:
    """An argparse type: a folder that exists (a rule folder), else a usage error naming the option."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder" if os.path.exists(text) else
                                         f"no folder {text!r}")
    return text


def add_backend(p: argparse.ArgumentParser, repeatable: bool = False) -> None:
    if repeatable:
        p.add_argument("--backend", action="append", choices=BACKENDS,
                       help="run cases on this backend (repeatable; default: every backend installed)")
    else:
        p.add_argument("--backend", choices=BACKENDS, default="compiled", help="evaluator (default compiled)")


def add_cluster(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on this Dask cluster, e.g. tcp://host:8786 (default: a LocalCluster started here)")
    p.add_argument("--workers", type=whole(1), metavar="N", help="LocalCluster worker processes (default: one a core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or dashboard link on stderr")


def whole(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``least`` (to ``most``), else a usage error naming the bound."""
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least or (most is not None and value > most):
            bound = f"from {least:,} to {most:,}" if most is not None else f"of {least:,} or more"
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number {bound}")
        return value
    return read


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value
