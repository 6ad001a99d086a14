"""What compiling one rule file needs: where problems are, and the shared names."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from ..facts.types import FactType
from ..load import SourceFile

Path_ = tuple[Any, ...]


@dataclass
class NamedCondition:
    name: str
    source: SourceFile
    path: Path_
    data: Any


@dataclass
class Context:
    """Shared by every stage of one compilation; problems accumulate here."""

    facts: FactType
    conditions: dict[str, NamedCondition] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    # Every comparison each rule uses, by rule id (what coverage counts).
    leaves: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each named condition is built once per rule and place of use, then shared:
    # (rule, name, bound names) -> (its intermediate form, the root facts it reads).
    expansions: dict[tuple[Any, ...], tuple[Any, frozenset[str]]] = field(default_factory=dict)

    def error(self, source: SourceFile, path: Path_, message: str, check: str, key: bool = False) -> None:
        self.problems.append(source.problem(path, message, check, key=key))


@dataclass
class Here:
    """A position inside one file: the file and the path of a node in it."""

    ctx: Context
    source: SourceFile
    path: Path_
    roots: set[str] = field(default_factory=set)
    expanding: tuple[str, ...] = ()
    owner: str = ""  # the rule being compiled
    level: int = 0  # how deep in a condition, named conditions expanded

    def at(self, *more: Any) -> "Here":
        return Here(self.ctx, self.source, self.path + more, self.roots, self.expanding, self.owner, self.level)

    def deeper(self) -> "Here":
        return Here(self.ctx, self.source, self.path, self.roots, self.expanding, self.owner, self.level + 1)

    def error(self, message: str, check: str, key: bool = False) -> None:
        self.ctx.error(self.source, self.path, message, check, key)

    def location(self) -> str:
        line, col = self.source.marks.at(self.path)
        return f"{self.source.name}:{line}:{col}"
