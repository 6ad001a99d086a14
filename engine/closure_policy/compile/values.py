"""Values a rule computes when it fires: details, effect and response templates, and texts.

Each compiles into the intermediate form (``ir.Value``, ``ir.Template``,
``ir.Text``); the backends' code generator turns them into Python.
"""
from __future__ import annotations

import re
from typing import Any

from . import ir
from .conditions import build_iteration
from .context import Here
from .paths import resolve
from .scope import Scope

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


def compile_detail(data: dict[str, Any], here: Here, scope: Scope) -> ir.Value:
    if "fact" in data:
        return resolve(data["fact"], here.at("fact"), scope)
    if "count" in data:
        return ir.Count(build_iteration(data["count"], here.at("count"), scope)[0])
    spec = data["collect"]
    it, inner = build_iteration(spec, here.at("collect"), scope)
    return ir.Collect(it, resolve(spec["select"], here.at("collect", "select"), inner))


def compile_details(data: dict[str, Any], here: Here, scope: Scope) -> tuple[tuple[str, ir.Value], ...]:
    return tuple((name, compile_detail(d, here.at(name), scope)) for name, d in data.items())


def compile_template(data: dict[str, Any], here: Here, scope: Scope) -> ir.Template:
    """An object whose values are literals or ``{fact: PATH}``, filled per decision."""
    return ir.Template(tuple(
        (k, resolve(v["fact"], here.at(k, "fact"), scope) if isinstance(v, dict) else ir.Const(v))
        for k, v in data.items()))


def compile_text(text: str, detail_names: set[str], here: Here, scope: Scope) -> ir.Text:
    """``{name}`` is a detail of the rule, else a fact path; ``{{`` and ``}}`` are braces."""
    parts: list[str | ir.Ref | ir.Const | ir.Detail] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[last:match.start()])
        last = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        parts.append(_placeholder(match.group(1).strip(), detail_names, here, scope))
    parts.append(text[last:])
    return ir.Text(tuple(p for p in parts if p != ""))


def _placeholder(name: str, detail_names: set[str], here: Here, scope: Scope) -> ir.Ref | ir.Const | ir.Detail:
    if name in detail_names:
        return ir.Detail(name)
    if not _NAME.match(name) or scope.type_of(name) is None:
        here.error(f"placeholder {{{name}}} names no detail of this rule ({', '.join(sorted(detail_names)) or 'none'}) "
                   "and no fact", "unknown-placeholder")
        return ir.Const(None)
    return resolve(name, here, scope)
