"""``closure-policy lsp``: the language server for rule files, suites and property files, over stdio."""
from __future__ import annotations

import argparse
from typing import Any

from ...errors import ClosurePolicyError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("lsp", help="a Language Server Protocol server for rule files, suites and properties (stdio)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ...lsp.server import create_server
    except ImportError as exc:  # pygls is an extra: say how to get it
        raise ClosurePolicyError(f"lsp needs pygls: pip install 'closure-policy[lsp]' ({exc})") from None
    create_server().start_io()
    return 0
