"""Read a facts document: exact decimals, no duplicate keys, no NaN."""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from ..errors import FactProblem, InvalidFacts


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_facts(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InvalidFacts([FactProblem("", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")],
                           source) from None
    except ValueError as exc:
        raise InvalidFacts([FactProblem("", f"invalid JSON: {exc}")], source) from None


def read_facts(path: str) -> Any:
    """Facts from a file, or from standard input for ``-``."""
    if path == "-":
        return parse_facts(sys.stdin.read(), "<stdin>")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFacts([FactProblem("", f"cannot read: {exc}")], path) from None
    return parse_facts(text, path)
