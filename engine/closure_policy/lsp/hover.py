"""``textDocument/hover``: a named condition as written, a rule (its article, its reading, the suites' coverage),
or a fact (its type, description and example)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from lsprotocol import types as lsp

from ..compile.pipeline import Compilation
from ..errors import ClosurePolicyError
from .check import Checker
from .context import Cursor
from .lookup import described, first, rule_named, schema_path, type_of


class Hover:
    def __init__(self, checker: Checker):
        self.checker = checker
        self._coverage: dict[str, dict[str, Any]] = {}

    def __call__(self, path: Path, text: str, row: int, column: int) -> lsp.Hover | None:
        cursor = Cursor.at(text, row, column)
        word = cursor.word(column)
        c = self.checker.folder_for(path).compilation
        if word is None or c is None or c.ctx is None:
            return None
        name, start, end = word
        key = cursor.key()
        found = None
        if key is not None and key[0] == "use" and name in c.ctx.conditions:
            found = "**named condition** `" + name + "`\n\n```yaml\n" + yaml.safe_dump(
                c.ctx.conditions[name].data, allow_unicode=True, sort_keys=False) + "```"
        elif (rule := rule_named(c, name)) is not None:
            found = self.rule_text(c, rule)
        else:
            found = self.fact_text(c, name, cursor)
        if found is None:
            return None
        span = lsp.Range(lsp.Position(row, start), lsp.Position(row, end))
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found), range=span)

    @staticmethod
    def fact_text(c: Compilation, name: str, cursor: Cursor) -> str | None:
        t = type_of(c.facts, name, cursor.bound())
        if t is None:
            return None
        field = described(c).get(schema_path(name, cursor.bound()))
        return f"`{name}`: {t.describe()}" + (f"\n\n{field.description}" if field and field.description else "") \
            + (f"\n\nExample: `{field.example}`" if field and field.example else "")

    def rule_text(self, c: Compilation, rule: Any) -> str:
        lines = [f"**{rule.id}**: {first(rule.title)}", "",
                 f"{rule.source.get('section', '')}: {rule.source.get('quote', '')}"]
        if rule.reading:
            lines += ["", f"Reading: {first(rule.reading)}"]
        cases = self.cases(c).get(rule.id)
        if cases is not None:
            covered, total = cases.items
            lines += ["", f"Suites: violated in {len(cases.fired)}, held in {cases.held}; "
                          f"coverage {covered}/{total}"]
        return "\n".join(lines)

    def cases(self, c: Compilation) -> dict[str, Any]:
        """What the suites beside the rule folder did with each rule (once per revision of the rules)."""
        if c.revision not in self._coverage:
            from ..policy import Policy
            from ..tester.reach import rule_cases

            suites = c.directory.parent / "tests" / "policy"
            table: dict[str, Any] = {}
            if not c.problems:
                try:
                    table = rule_cases(Policy(c), [str(suites)] if suites.is_dir() else [])[0]
                except (ClosurePolicyError, OSError):  # suites with problems: no coverage to show, not a crash
                    table = {}
            self._coverage = {c.revision: table}
        return self._coverage[c.revision]
