"""What the editor asks, answered from the policy as compiled: completion, hover, definitions and references,
formatting, and did-you-mean fixes. Each answer is plain LSP data (lsprotocol); the server only routes."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml
from lsprotocol import types as lsp

from .. import limits
from ..compile.pipeline import Compilation
from ..compile.scope import Scope
from ..errors import ClosurePolicyError
from ..facts.fields import Field, fields
from ..facts.types import FactType
from ..load import SourceFile
from ..semantics import OPERATORS, ORDERED_KINDS, ORDERING
from ..tester.suite import RULE_LISTS
from .check import Checker, Folder
from .context import Cursor
from .documents import YAML

FACT_KEYS = ("fact", "value_of", "in", "select", "as_day_in")
OUTCOME_KEYS = ("outcome", "outcome_not", "default", "on_violation")
_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")


class Features:
    def __init__(self, checker: Checker):
        self.checker = checker
        self._coverage: dict[str, dict[str, Any]] = {}

    # --- where the policy is -------------------------------------------------------------------------------

    # --- completion ----------------------------------------------------------------------------------------

    def completion(self, path: Path, text: str, row: int, column: int) -> list[lsp.CompletionItem]:
        cursor = Cursor.at(text, row, column)
        folder = self.checker.folder_for(path)
        c = folder.compilation
        if c is None or c.ctx is None:
            return []
        placeholder = cursor.placeholder()
        if placeholder is not None:
            return self._placeholders(c, cursor)
        found = cursor.key()
        if found is None:
            return []
        key, _ = found
        if key in FACT_KEYS:
            return self._facts(c, cursor)
        if key == "op":
            return self._operators(c, cursor)
        if key == "value":
            return self._values(c, cursor)
        names: list[tuple[str, str]] = []
        if key == "use":
            names = [(n, "named condition") for n in c.ctx.conditions]
        elif key == "query":
            names = [(q, _first(c.queries[q].title)) for q in c.queries]
        elif key in OUTCOME_KEYS:
            names = [(o, f"an outcome of {q.name}") for q in self._queries(c, cursor) for o in q.outcomes]
        elif key in RULE_LISTS:
            names = [(r.id, _first(r.title)) for q in self._queries(c, cursor) for r in q.rules]
        elif key == "base":
            names = [(f, "fixture") for f in _fixtures(self.checker.documents.load(path)[0].data)]
        return [lsp.CompletionItem(label=n, kind=lsp.CompletionItemKind.Value, detail=d) for n, d in names]

    def _queries(self, c: Compilation, cursor: Cursor) -> list[Any]:
        named = cursor.mapping_value("query") or _above(cursor, "query")
        return [c.queries[named]] if named in c.queries else list(c.queries.values())

    def _facts(self, c: Compilation, cursor: Cursor) -> list[lsp.CompletionItem]:
        described = _described(c)
        items = []
        for path, t in _scope_paths(c.facts, cursor.bound()):
            field = described.get(_schema_path(path, cursor.bound()))
            items.append(lsp.CompletionItem(
                label=path, kind=lsp.CompletionItemKind.Field, detail=t.describe(),
                documentation=field.description if field is not None else None))
        return items

    def _operators(self, c: Compilation, cursor: Cursor) -> list[lsp.CompletionItem]:
        t = _type_of(c.facts, cursor.mapping_value("fact"), cursor.bound())
        ordered = t is None or t.kind in ORDERED_KINDS
        return [lsp.CompletionItem(label=op, kind=lsp.CompletionItemKind.Operator)
                for op in OPERATORS if ordered or op not in ORDERING]

    def _values(self, c: Compilation, cursor: Cursor) -> list[lsp.CompletionItem]:
        t = _type_of(c.facts, cursor.mapping_value("fact"), cursor.bound())
        if t is None:
            return []
        values = list(t.enum or ()) if t.kind != "boolean" else [True, False]
        return [lsp.CompletionItem(label=yaml.safe_dump(v).split("\n")[0], kind=lsp.CompletionItemKind.EnumMember)
                for v in values]

    def _placeholders(self, c: Compilation, cursor: Cursor) -> list[lsp.CompletionItem]:
        rule = _rule_at(c, cursor)
        details = [name for name, _ in rule.details] if rule is not None else []
        items = [lsp.CompletionItem(label=d, kind=lsp.CompletionItemKind.Variable, detail="a detail of this rule")
                 for d in details]
        return items + [lsp.CompletionItem(label=p, kind=lsp.CompletionItemKind.Field, detail=t.describe())
                        for p, t in _scope_paths(c.facts, {})]

    # --- hover ---------------------------------------------------------------------------------------------

    def hover(self, path: Path, text: str, row: int, column: int) -> lsp.Hover | None:
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
        elif (rule := _rule(c, name)) is not None:
            found = self._rule_text(c, rule)
        else:
            t = _type_of(c.facts, name, cursor.bound())
            if t is not None:
                field = _described(c).get(_schema_path(name, cursor.bound()))
                found = f"`{name}`: {t.describe()}" + (f"\n\n{field.description}" if field and field.description
                                                       else "") + (f"\n\nExample: `{field.example}`"
                                                                   if field and field.example else "")
        if found is None:
            return None
        span = lsp.Range(lsp.Position(row, start), lsp.Position(row, end))
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found), range=span)

    def _rule_text(self, c: Compilation, rule: Any) -> str:
        lines = [f"**{rule.id}**: {_first(rule.title)}", "",
                 f"{rule.source.get('section', '')}: {rule.source.get('quote', '')}"]
        if rule.reading:
            lines += ["", f"Reading: {_first(rule.reading)}"]
        cases = self._cases(c).get(rule.id)
        if cases is not None:
            covered, total = cases.items
            lines += ["", f"Suites: violated in {len(cases.fired)}, held in {cases.held}; "
                          f"coverage {covered}/{total}"]
        return "\n".join(lines)

    def _cases(self, c: Compilation) -> dict[str, Any]:
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

    # --- definitions and references --------------------------------------------------------------------------

    def definition(self, path: Path, text: str, row: int, column: int) -> list[lsp.Location]:
        return self._locations(path, text, row, column, references=False)

    def references(self, path: Path, text: str, row: int, column: int) -> list[lsp.Location]:
        return self._locations(path, text, row, column, references=True)

    def _locations(self, path: Path, text: str, row: int, column: int, references: bool) -> list[lsp.Location]:
        cursor = Cursor.at(text, row, column)
        word = cursor.word(column)
        folder = self.checker.folder_for(path)
        c = folder.compilation
        if word is None or c is None or c.ctx is None:
            return []
        name = word[0]
        key = cursor.key()
        sources = c.sources
        if key is not None and key[0] == "base":
            suite = [self.checker.documents.load(path)[0]]
            found = _where(suite, lambda p, n: p == ("fixtures", name), key=True)
            return found + (_where(suite, lambda p, n: p[-1:] == ("base",) and n == name) if references else [])
        if name in c.ctx.conditions:
            found = _where(sources, lambda p, n: p == ("conditions", name), key=True)
            return found + (_where(sources, lambda p, n: p[-1:] == ("use",) and n == name) if references else [])
        if _rule(c, name) is not None:
            found = _where(sources, lambda p, n: len(p) == 3 and p[0] == "rules" and p[2] == "id" and n == name)
            if references:
                found += _where(list(self._suites(folder)), lambda p, n: n == name and _in_expect(p))
                found += _where(list(self._suites(folder)), lambda p, n: n == name and _in_expect(p), key=True)
            return found
        return []

    def _suites(self, folder: Folder) -> Iterator[SourceFile]:
        """The suites and property files beside the rule folder, each as the editor holds it."""
        for kind in ("policy", "properties"):
            place = folder.path.parent / "tests" / kind
            for file in sorted(place.rglob("*")) if place.is_dir() else []:
                if file.suffix in YAML:
                    source, problems = self.checker.documents.load(file)
                    if not problems:
                        yield source

    # --- formatting and fixes -----------------------------------------------------------------------------

    @staticmethod
    def formatting(text: str) -> list[lsp.TextEdit]:
        from ..load.fmt import Unformattable, format_text

        if len(text) > limits.MAX_RULE_FILE_BYTES:  # refused as a file would be: its diagnostic says so
            return []
        try:
            formatted = format_text(text)
        except (Unformattable, yaml.YAMLError):
            return []
        if formatted == text:
            return []
        lines = text.split("\n")
        end = lsp.Position(len(lines) - 1, len(lines[-1]))
        return [lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=formatted)]

    @staticmethod
    def code_actions(uri: str, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
        actions = []
        for d in diagnostics:
            meant = _DID_YOU_MEAN.search(d.message)
            if meant is None:
                continue
            edit = lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=d.range, new_text=meant.group(1))]})
            actions.append(lsp.CodeAction(title=f"Change to '{meant.group(1)}'", kind=lsp.CodeActionKind.QuickFix,
                                          diagnostics=[d], edit=edit, is_preferred=True))
        return actions


# --- helpers ---------------------------------------------------------------------------------------------------

def _first(texts: Any) -> str:
    if isinstance(texts, dict):
        return str(texts.get("en") or next(iter(texts.values()), ""))
    return str(texts or "")


def _above(cursor: Cursor, key: str) -> str | None:
    for row in range(cursor.row, -1, -1):
        found = re.search(rf"\b{key}\s*:\s*[\"']?([A-Za-z_][\w.\-]*)", cursor.lines[row])
        if found:
            return found.group(1)
    return None


def _fixtures(data: Any) -> list[str]:
    fixtures = data.get("fixtures") if isinstance(data, dict) else None
    return list(fixtures) if isinstance(fixtures, dict) else []


def _rule(c: Compilation, name: str) -> Any:
    return next((r for q in c.queries.values() for r in q.rules if r.id == name), None)


def _rule_at(c: Compilation, cursor: Cursor) -> Any:
    rule_id = _above(cursor, "id")
    return _rule(c, rule_id) if rule_id else None


def _scope_paths(facts: FactType, bound: dict[str, str]) -> list[tuple[str, FactType]]:
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


def _type_of(facts: FactType, path: str | None, bound: dict[str, str]) -> FactType | None:
    if not path:
        return None
    return dict(_scope_paths(facts, bound)).get(path)


def _schema_path(path: str, bound: dict[str, str]) -> str:
    """A path as the facts reference names it: a bound name as the items of its list (``contracts[].status``)."""
    head, _, rest = path.partition(".")
    if head in bound and bound[head]:
        return _schema_path(bound[head], bound) + "[]" + (f".{rest}" if rest else "")
    return path


def _described(c: Compilation) -> dict[str, Field]:
    return {f.path: f for f in fields(c.schema.document)} if c.schema is not None else {}


def _in_expect(path: tuple[Any, ...]) -> bool:
    return "expect" in path and any(k in path for k in (*RULE_LISTS, "details", "message_contains",
                                                         "remediation_contains", "remediation_excludes"))


def _where(sources: list[SourceFile], test: Callable[[tuple[Any, ...], Any], bool],
           key: bool = False) -> list[lsp.Location]:
    """Where in ``sources`` a value (or, with ``key``, a mapping key) meets ``test(path, value)``."""
    found = []
    for source in sources:
        for path, on_key in _walk(source.data, (), test, key):
            line, column = source.marks.at(path, key=on_key)
            start = lsp.Position(line - 1, column - 1)
            found.append(lsp.Location(uri=source.path.absolute().as_uri(), range=lsp.Range(start, start)))
    return found


def _walk(node: Any, path: tuple[Any, ...], test: Callable[[tuple[Any, ...], Any], bool],
          key: bool) -> Iterator[tuple[tuple[Any, ...], bool]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if key and test(path + (k,), k):
                yield path + (k,), True
            yield from _walk(v, path + (k,), test, key)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,), test, key)
    elif not key and test(path, node):
        yield path, False
