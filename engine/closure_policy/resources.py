"""Where the bundled rules and schemas are.

In a wheel they are copied into ``closure_policy/_bundled``; in a source
checkout (editable install, tests) they are the repository's own ``rules/``
and ``schemas/``, so authors edit one copy.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"bundled {name}/ not found next to {_PACKAGE}")


def rules_dir() -> Path:
    return _bundled("rules")


def schemas_dir() -> Path:
    return _bundled("schemas")


def suites_dir() -> Path:
    """The bundled rules' YAML test suites (what ``sample`` varies)."""
    return _bundled("tests/policy")


def schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file stem, e.g. ``schema("facts")``: a copy of its own for each caller,
    so that no caller can change what the next one reads."""
    return copy.deepcopy(_schema(name))


@lru_cache(maxsize=None)
def _schema(name: str) -> dict[str, Any]:
    with open(schemas_dir() / f"{name}.schema.json", encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


LOCAL_RULES = "rules"  # the rule folder every command takes when run where a policy folder's rules are


def default_rules() -> str | None:
    """The rule folder a command takes when none is named: ``./rules`` when there is one, else None (the
    bundled rules). One rule for every command (``test`` and ``eval --case`` look at the suites' ``rules:``
    first)."""
    return LOCAL_RULES if Path(LOCAL_RULES).is_dir() else None
