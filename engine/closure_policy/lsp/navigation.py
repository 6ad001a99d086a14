"""``textDocument/definition`` and ``textDocument/references``: named conditions, rule ids (rules, suites and
property files) and a suite's fixtures, found where the parsed files hold them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from lsprotocol import types as lsp

from ..load import SourceFile
from ..tester.suite import RULE_LISTS
from .check import Checker, Folder
from .context import Cursor
from .documents import YAML
from .lookup import rule_named


class Navigation:
    def __init__(self, checker: Checker):
        self.checker = checker

    def definition(self, path: Path, text: str, row: int, column: int) -> list[lsp.Location]:
        return self.locations(path, text, row, column, references=False)

    def references(self, path: Path, text: str, row: int, column: int) -> list[lsp.Location]:
        return self.locations(path, text, row, column, references=True)

    def locations(self, path: Path, text: str, row: int, column: int, references: bool) -> list[lsp.Location]:
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
        if rule_named(c, name) is not None:
            found = _where(sources, lambda p, n: len(p) == 3 and p[0] == "rules" and p[2] == "id" and n == name)
            if references:
                suites = list(self.suites(folder))
                found += _where(suites, lambda p, n: n == name and _in_expect(p))
                found += _where(suites, lambda p, n: n == name and _in_expect(p), key=True)
            return found
        return []

    def suites(self, folder: Folder) -> Iterator[SourceFile]:
        """The suites and property files beside the rule folder, each as the editor holds it."""
        for kind in ("policy", "properties"):
            place = folder.path.parent / "tests" / kind
            for file in sorted(place.rglob("*")) if place.is_dir() else []:
                if file.suffix in YAML:
                    source, problems = self.checker.documents.load(file)
                    if not problems:
                        yield source


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
