"""What the editor's requests look up in the compiled policy: rules, fact paths and their types, fields."""
from __future__ import annotations

import re
from typing import Any

from ..compile.pipeline import Compilation
from ..compile.scope import Scope
from ..facts.fields import Field, fields
from ..facts.types import FactType
from .context import Cursor

FACT_KEYS = ("fact", "value_of", "in", "select", "as_day_in")
OUTCOME_KEYS = ("outcome", "outcome_not", "default", "on_violation")


def first(texts: Any) -> str:
    """A text in the first language it is given in (English first)."""
    if isinstance(texts, dict):
        return str(texts.get("en") or next(iter(texts.values()), ""))
    return str(texts or "")


def above(cursor: Cursor, key: str) -> str | None:
    """The value of the nearest ``key:`` at or above the cursor's line."""
    for row in range(cursor.row, -1, -1):
        found = re.search(rf"\b{key}\s*:\s*[\"']?([A-Za-z_][\w.\-]*)", cursor.lines[row])
        if found:
            return found.group(1)
    return None


def fixtures(data: Any) -> list[str]:
    found = data.get("fixtures") if isinstance(data, dict) else None
    return list(found) if isinstance(found, dict) else []


def rule_named(c: Compilation, name: str) -> Any:
    return next((r for q in c.queries.values() for r in q.rules if r.id == name), None)


def rule_at(c: Compilation, cursor: Cursor) -> Any:
    rule_id = above(cursor, "id")
    return rule_named(c, rule_id) if rule_id else None


def scope_paths(facts: FactType, bound: dict[str, str]) -> list[tuple[str, FactType]]:
    """Every fact path readable here (the root facts, and the names quantifiers bound), with its type."""
    scope = Scope(facts)
    for name, over in bound.items():
        t = scope.type_of(over) if over else None
        if t is not None and t.kind == "array" and t.item is not None:
            scope = scope.bind(name, t.item)
    found = []
    for path in scope.known_paths():
        t = scope.type_of(path)
        if t is not None:
            found.append((path, t))
    return found


def type_of(facts: FactType, path: str | None, bound: dict[str, str]) -> FactType | None:
    if not path:
        return None
    return dict(scope_paths(facts, bound)).get(path)


def schema_path(path: str, bound: dict[str, str]) -> str:
    """A path as the facts reference names it: a bound name as the items of its list (``contracts[].status``)."""
    head, _, rest = path.partition(".")
    if head in bound and bound[head]:
        return schema_path(bound[head], bound) + "[]" + (f".{rest}" if rest else "")
    return path


def described(c: Compilation) -> dict[str, Field]:
    """The facts schema's fields (descriptions, examples) by path."""
    return {f.path: f for f in fields(c.schema.document)} if c.schema is not None else {}
