"""Read YAML into plain data while keeping where every node came from.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys and
forgets positions, so we compose the node graph and build the data ourselves.
Marks are made 1-based here, once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from ..errors import Problem

Path_ = tuple[Any, ...]


@dataclass
class Marks:
    """1-based (line, column) of every value, and of every mapping key."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """The position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        while path:
            path = path[:-1]
            if path in self.values:
                return self.values[path]
        return (1, 1)


@dataclass
class SourceFile:
    path: Path
    name: str
    data: Any
    marks: Marks

    def problem(self, path: Path_, message: str, check: str, key: bool = False) -> Problem:
        line, col = self.marks.at(path, key=key)
        return Problem(self.name, line, col, message, check)


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, source: SourceFile, problems: list[Problem]):
        self.source = source
        self.problems = problems
        self.constructor = SafeConstructor()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.source.marks.values[path] = _position(node)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            line, col = _position(node)
            self.problems.append(Problem(self.source.name, line, col, f"unsupported YAML tag {node.tag!r}",
                                         "yaml-syntax"))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = self.constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self.problems.append(self.source.problem(path, "mapping keys must be scalars", "yaml-syntax"))
                continue
            line, col = _position(key_node)
            if key in first_seen:
                was = first_seen[key]
                self.problems.append(Problem(self.source.name, line, col,
                                             f"duplicate key {key!r} (first at line {was[0]}); "
                                             "YAML keeps only the last", "duplicate-key"))
            first_seen[key] = (line, col)
            self.source.marks.keys[path + (key,)] = (line, col)
            result[key] = self.build(value_node, path + (key,))
        return result


def load_yaml_file(path: Path, name: str | None = None) -> tuple[SourceFile, list[Problem]]:
    """Read one YAML file; problems are syntax errors and duplicate keys."""
    source = SourceFile(path=path, name=name or str(path), data=None, marks=Marks())
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return source, [Problem(source.name, 1, 1, f"cannot read file: {exc}", "io")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return source, [Problem(source.name, line, col, f"invalid YAML: {exc.problem or exc}", "yaml-syntax")]
    except yaml.YAMLError as exc:
        return source, [Problem(source.name, 1, 1, f"invalid YAML: {exc}", "yaml-syntax")]
    if node is None:
        source.data = {}
        return source, problems
    try:
        source.data = _Builder(source, problems).build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(source.name, line, col, f"invalid YAML value: {exc.problem}", "yaml-syntax"))
    return source, problems


def load_rule_dir(directory: Path, display_root: Path | None = None) -> tuple[list[SourceFile], list[Problem]]:
    """Every ``*.yaml``/``*.yml`` file of a rule folder, in name order."""
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    sources: list[SourceFile] = []
    problems: list[Problem] = []
    for path in files:
        source, found = load_yaml_file(path, _display_name(path, display_root or Path.cwd()))
        sources.append(source)
        problems.extend(found)
    return sources, problems


def _display_name(path: Path, root: Path | None) -> str:
    """Relative to the working folder when under it, as an author's editor shows it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
