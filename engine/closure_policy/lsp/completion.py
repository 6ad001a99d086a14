"""``textDocument/completion``: what may be written where the cursor is, one provider per key.

The key being written (``fact:``, ``op:``, ``use:``...) picks a provider from a
table, as Regal gives each completion its provider; a ``{`` placeholder in a
text has one of its own. Each provider answers from the policy as compiled.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from lsprotocol import types as lsp

from ..compile.pipeline import Compilation
from ..semantics import OPERATORS, ORDERED_KINDS, ORDERING
from ..tester.suite import RULE_LISTS
from .check import Checker
from .context import Cursor
from .lookup import (
    FACT_KEYS,
    OUTCOME_KEYS,
    above,
    described,
    first,
    fixtures,
    rule_at,
    schema_path,
    scope_paths,
    type_of,
)

Item = lsp.CompletionItem


class Completion:
    def __init__(self, checker: Checker):
        self.checker = checker
        self.providers: dict[str, Callable[[Compilation, Cursor, Path], list[Item]]] = {
            **dict.fromkeys(FACT_KEYS, self.facts), "op": self.operators, "value": self.values,
            "use": self.conditions, "query": self.queries, **dict.fromkeys(OUTCOME_KEYS, self.outcomes),
            **dict.fromkeys(RULE_LISTS, self.rules), "base": self.fixtures,
        }

    def __call__(self, path: Path, text: str, row: int, column: int) -> list[Item]:
        cursor = Cursor.at(text, row, column)
        c = self.checker.folder_for(path).compilation
        if c is None or c.ctx is None:
            return []
        if cursor.placeholder() is not None:
            return self.placeholders(c, cursor)
        found = cursor.key()
        provider = self.providers.get(found[0]) if found is not None else None
        return provider(c, cursor, path) if provider is not None else []

    # --- providers -------------------------------------------------------------------------------------------

    def facts(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        fields = described(c)
        items = []
        for name, t in scope_paths(c.facts, cursor.bound()):
            field = fields.get(schema_path(name, cursor.bound()))
            items.append(Item(label=name, kind=lsp.CompletionItemKind.Field, detail=t.describe(),
                              documentation=field.description if field is not None else None))
        return items

    def operators(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        t = type_of(c.facts, cursor.mapping_value("fact"), cursor.bound())
        ordered = t is None or t.kind in ORDERED_KINDS
        return [Item(label=op, kind=lsp.CompletionItemKind.Operator)
                for op in OPERATORS if ordered or op not in ORDERING]

    def values(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        t = type_of(c.facts, cursor.mapping_value("fact"), cursor.bound())
        if t is None:
            return []
        values = list(t.enum or ()) if t.kind != "boolean" else [True, False]
        return [Item(label=yaml.safe_dump(v).split("\n")[0], kind=lsp.CompletionItemKind.EnumMember) for v in values]

    def conditions(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        assert c.ctx is not None
        return _names((n, "named condition") for n in c.ctx.conditions)

    def queries(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        return _names((q, first(c.queries[q].title)) for q in c.queries)

    def outcomes(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        return _names((o, f"an outcome of {q.name}") for q in _queries(c, cursor) for o in q.outcomes)

    def rules(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        return _names((r.id, first(r.title)) for q in _queries(c, cursor) for r in q.rules)

    def fixtures(self, c: Compilation, cursor: Cursor, path: Path) -> list[Item]:
        return _names((f, "fixture") for f in fixtures(self.checker.documents.load(path)[0].data))

    @staticmethod
    def placeholders(c: Compilation, cursor: Cursor) -> list[Item]:
        rule = rule_at(c, cursor)
        details = [name for name, _ in rule.details] if rule is not None else []
        items = [Item(label=d, kind=lsp.CompletionItemKind.Variable, detail="a detail of this rule") for d in details]
        return items + [Item(label=p, kind=lsp.CompletionItemKind.Field, detail=t.describe())
                        for p, t in scope_paths(c.facts, {})]


def _names(found: Iterable[tuple[str, str]]) -> list[Item]:
    return [Item(label=n, kind=lsp.CompletionItemKind.Value, detail=d) for n, d in found]


def _queries(c: Compilation, cursor: Cursor) -> list[Any]:
    """The query the cursor's rule or case answers, or every query when it names none."""
    named = cursor.mapping_value("query") or above(cursor, "query")
    return [c.queries[named]] if named in c.queries else list(c.queries.values())
