"""One rule folder loaded again and again, each time redoing only what changed (``serve --watch``, SIGHUP).

A reload of a folder of 10,000 rules after a one-rule edit reads every file
(bytes are cheap) but parses only the files whose bytes changed, compiles only
the rules whose text changed (``compile/cache.py``), and generates code only for
those (the rule cache hands back the same compiled rule, with its code). The
policy it returns is a new one, checked whole, as ``load_policy`` makes it.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import evaluate, resources
from .compile import compile_policy
from .compile.cache import RuleCache
from .errors import Problem
from .load import SourceFile
from .load.yaml_source import Marks, display_name, load_yaml_text, read_text
from .policy import Policy


class Reloader:
    def __init__(self, path: str | os.PathLike[str] | None = None, backend: str = "compiled",
                 index: bool | None = None):
        evaluate.require(backend)
        self.directory = Path(path) if path is not None else resources.rules_dir()
        self.backend, self.index = backend, index
        self.cache = RuleCache()
        self._parsed: dict[Path, tuple[str, tuple[SourceFile, list[Problem]]]] = {}  # path -> (text, parsed)
        self._seen: set[Path] = set()  # the files the load under way read

    def load(self) -> Policy:
        """The folder as it is now, compiled; :class:`~closure_policy.errors.InvalidRules` when it has problems."""
        self._seen = set()
        try:
            compilation = compile_policy(self.directory, cache=self.cache, reader=self._read)
        finally:  # a file gone from the folder is not held on to
            self._parsed = {p: parsed for p, parsed in self._parsed.items() if p in self._seen}
        return Policy(compilation, self.backend, self.index)

    def _read(self, path: Path) -> tuple[SourceFile, list[Problem]]:
        self._seen.add(path)
        name = display_name(path)
        text, problems = read_text(path, name)
        if text is None:
            self._parsed.pop(path, None)
            return SourceFile(path=path, name=name, data=None, marks=Marks()), problems
        known = self._parsed.get(path)
        if known is None or known[0] != text or known[1][0].name != name:
            known = self._parsed[path] = (text, load_yaml_text(text, path, name))
        return known[1]
