"""The problems of a buffer, exactly as ``check``, ``test`` and ``prove`` report them, by the file they are in.

A rule file is checked with its whole folder (a problem another file causes is
reported where it must change, and every file of the folder is listed, so a
fixed problem is cleared); a suite and a property file against the policy their
rules folder compiles to. Nothing here knows the bundled policy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..compile import compile_policy
from ..compile.cache import RuleCache
from ..compile.pipeline import Compilation
from ..errors import ClosurePolicyError, Problem
from ..load import SourceFile
from ..policy import Policy
from ..tester.suite import suite_from
from ..validate.against_schema import validate_file
from .documents import Documents, kind_of, rules_near


@dataclass
class Folder:
    """A rule folder as the editor sees it, compiled: its problems by file, and its policy when it has none."""

    path: Path
    problems: dict[Path, list[Problem]] = field(default_factory=dict)
    compilation: Compilation | None = None
    usable: bool = False  #: no problem: a policy can be made of it

    @cached_property
    def policy(self) -> Policy | None:
        """The policy, made when first asked for (a suite's diagnostics, a hover's coverage): a rule file's
        own diagnostics need only the compilation, and making the code of 10,000 rules takes a second."""
        if not self.usable or self.compilation is None:
            return None
        try:
            return Policy(self.compilation)
        except ClosurePolicyError:
            return None


class Checker:
    def __init__(self, documents: Documents):
        self.documents = documents
        self._folders: dict[Path, tuple[tuple[Any, ...], Folder]] = {}
        self.cache = RuleCache()  # an edit recompiles only the rules it changed

    def folder(self, path: Path) -> Folder:
        """The rule folder compiled from what the editor holds, once per state of its files and buffers (a
        suite's keystrokes do not recompile the rules it tests)."""
        path = path.absolute()
        cached = self._folders.get(path)
        key = self._key(path, cached[1] if cached is not None else None)
        if cached is not None and cached[0] == key:
            return cached[1]
        sources, problems = self.documents.rule_folder(path)
        found = Folder(path, {s.path.absolute(): [] for s in sources})
        compilation = compile_policy(path, strict=False, sources=sources, cache=self.cache) if sources else None
        for problem in problems + (compilation.problems if compilation is not None else []):
            found.problems.setdefault(_file(problem, path), []).append(problem)
        found.compilation = compilation
        found.usable = compilation is not None and not compilation.problems and not problems
        self._folders[path] = (self._key(path, found), found)
        return found

    def _key(self, path: Path, last: Folder | None) -> tuple[Any, ...]:
        """What a folder's compilation depends on: its files and buffers, and the facts schema it named."""
        files = set(path.iterdir()) if path.is_dir() else set()
        files |= {p for p in self.documents.buffers.paths() if p.parent == path}
        if last is not None and last.compilation is not None and last.compilation.ruleset.facts_schema:
            files.add((path / last.compilation.ruleset.facts_schema).resolve())
        return tuple(sorted((str(p), self.documents.state(p)) for p in files))

    def folder_for(self, path: Path) -> Folder:
        """The rule folder a buffer belongs to: a rule file's own; the rules a suite or property file tests."""
        source, read = self.documents.load(path)
        if (kind_of(source.data) if not read else kind_by_place(path)) == "rules":
            return self.folder(path.parent)
        declared = source.data.get("rules") if isinstance(source.data, dict) else None
        return self.folder(rules_near(path, declared if isinstance(declared, str) else None))

    def diagnose(self, path: Path) -> dict[Path, list[Problem]]:
        """Every file whose problems this buffer's state decides, with its problems (an empty list clears)."""
        path = path.absolute()
        source, read = self.documents.load(path)
        kind = kind_of(source.data) if not read else kind_by_place(path)
        if kind == "rules":
            return self.folder(path.parent).problems  # the buffer's own reading problems among them
        if read:
            return {path: read}
        policy = self.folder_for(path).policy
        if kind == "suite":
            if policy is None:
                return {path: validate_file(source, "tests")[0]}
            return {path: suite_from(source, [], policy).problems}
        return {path: self._properties(source, policy)}

    @staticmethod
    def _properties(source: SourceFile, policy: Policy | None) -> list[Problem]:
        if policy is None:
            return validate_file(source, "properties")[0]
        try:
            from ..prove.properties import properties_from
        except ImportError:  # without z3, a property file is still checked against its schema
            return validate_file(source, "properties")[0]
        problems: list[Problem] = []
        properties_from(source, [], policy, problems)
        return problems


def _file(problem: Problem, folder: Path) -> Path:
    path = Path(problem.file)
    return path if path.is_absolute() else (Path.cwd() / path)


def kind_by_place(path: Path) -> str:
    """What a buffer that does not parse is, by where it is (so its one syntax problem is still shown)."""
    parts = path.absolute().parts
    if "properties" in parts[-3:-1]:
        return "properties"
    return "suite" if "tests" in parts[-4:-1] else "rules"
