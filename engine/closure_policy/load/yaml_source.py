"""Read YAML into plain data while keeping where every node came from.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys and
forgets positions, so we compose the node graph and build the data ourselves.
Marks are made 1-based here, once.
"""
from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from yaml.constructor import SafeConstructor

from .. import limits
from ..errors import Problem
from ..gcpause import collector_paused
from ..text import excerpt

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
    text: str = ""  #: the file as read (once, within the limits): what ``fmt`` lays out and ``batch`` ships

    def problem(self, path: Path_, message: str, check: str, key: bool = False) -> Problem:
        line, col = self.marks.at(path, key=key)
        return Problem(self.name, line, col, message, check)


_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _TooLarge(Exception):
    """The file builds more nodes, or nests deeper, than the limits allow."""

    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node


class _Builder:
    # The hot loop of every check: plain attribute reads and class tests, no helper call per node.
    def __init__(self, source: SourceFile, problems: list[Problem]):
        self.source = source
        self.problems = problems
        self.constructor = SafeConstructor()
        self.built = 0
        self.values, self.keys = source.marks.values, source.marks.keys

    def build(self, node: yaml.Node, path: Path_) -> Any:
        # An alias is the same node again: counting what is built stops a
        # "billion laughs" file, and the depth check stops a recursive anchor.
        self.built += 1
        if self.built > limits.MAX_YAML_NODES:
            raise _TooLarge(node, f"the file expands to more than {limits.MAX_YAML_NODES:,} values "
                                  "(aliases expanded)")
        if len(path) > limits.MAX_YAML_DEPTH:
            raise _TooLarge(node, f"nested more than {limits.MAX_YAML_DEPTH} deep (aliases expanded)")
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return node.value if node.tag == _STR else self._scalar(node)
        if node.tag not in _PLAIN_TAGS:
            self._problem(node, f"unsupported YAML tag {excerpt(node.tag)}", "yaml-syntax")
        if kind is yaml.MappingNode:
            return self._mapping(node, path)  # type: ignore[arg-type]
        build = self.build
        return [build(child, path + (i,)) for i, child in enumerate(node.value)]

    def _problem(self, node: yaml.Node, message: str, check: str) -> None:
        line, col = _position(node)
        self.problems.append(Problem(self.source.name, line, col, message, check))

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR:  # most scalars: no constructor needed
            return node.value
        digits = len(node.value.lstrip("+-").replace("_", ""))
        if node.tag == "tag:yaml.org,2002:int" and digits > limits.MAX_YAML_INTEGER_DIGITS:
            self._problem(node, f"an integer of {digits:,} digits; the limit is {limits.MAX_YAML_INTEGER_DIGITS}",
                          "limit")
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            self._problem(node, f"invalid value {excerpt(node.value)}: {exc}", "yaml-syntax")
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        keys, build = self.keys, self.build
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode:
                self._problem(key_node, "mapping keys must be scalars", "yaml-syntax")
                continue
            key = key_node.value if key_node.tag == _STR else self._scalar(key_node)
            if key.__class__ is not str and not isinstance(key, (int, float, bool)) and key is not None:
                self._problem(key_node, "mapping keys must be scalars", "yaml-syntax")
                continue
            mark = key_node.start_mark
            where = path + (key,)
            if key in result:
                was = keys[where]
                self.problems.append(Problem(self.source.name, mark.line + 1, mark.column + 1,
                                             f"duplicate key {excerpt(key)} (first at line {was[0]}); "
                                             "YAML keeps only the last", "duplicate-key"))
            keys[where] = (mark.line + 1, mark.column + 1)
            result[key] = build(value_node, where)
        return result


def read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limits.MAX_RULE_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(name, 1, 1, f"cannot read file: {exc.strerror or exc}", "io")]
    if len(data) > limits.MAX_RULE_FILE_BYTES:
        return None, [Problem(name, 1, 1, f"the file is larger than {limits.MAX_RULE_FILE_BYTES:,} bytes", "limit")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(name, line, column, f"not UTF-8: byte 0x{data[exc.start]:02x}", "io")]


# PyYAML's words for the mistakes authors make most, said as what happened
# (its own words follow, so that they can still be searched for).
_PLAIN = (
    ("expected <block end>, but found '<block mapping start>'",
     "this key is indented more or less than the keys around it"),
    ("expected <block end>, but found '<block sequence start>'",
     "this list is indented more or less than the lines around it"),
    ("expected <block end>, but found '-'", "this list item ('-') is indented differently from the items above it"),
    ("expected <block end>", "the indentation here does not match the lines above it"),
    ("mapping values are not allowed here",
     "a ':' where no key can start: quote a value that contains ': ', or check this line's indentation"),
    ("could not find expected ':'", "a key without a ':' after it, or a line that should be part of the one above"),
    ("found character '\\t' that cannot start any token", "a tab: YAML is indented with spaces only"),
    ("found undefined alias", "an alias (*name) that no anchor (&name) defines"),
    ("expected ',' or ']'", "a [list] not closed with ']', or items not separated by ','"),
    ("expected ',' or '}'", "a {mapping} not closed with '}', or entries not separated by ','"),
    ("found unexpected end of stream", "the file ends inside a quoted text or an unclosed [ or {"),
    ("did not find expected key", "a line that is not a key at this indentation: indented too far, or missing 'key:'"),
    ("did not find expected '-' indicator", "a line inside a list that does not start with '-' where the items do"),
)


def _plain(what: str) -> str:
    for words, plain in _PLAIN:
        if words in what:
            return f"{plain} (YAML: {what})"
    return what


def _syntax_problem(name: str, text: str, exc: yaml.YAMLError) -> Problem:
    """A PyYAML error on one line, at its real line and column."""
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[:exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return Problem(name, line, col, f"invalid YAML: character U+{ord(char):04X} is not allowed in YAML text",
                       "yaml-syntax")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(filter(None, [exc.context, exc.problem]))
        return Problem(name, line, col, f"invalid YAML: {_plain(' '.join(what.split()))}", "yaml-syntax")
    return Problem(name, 1, 1, f"invalid YAML: {' '.join(str(exc).split())}", "yaml-syntax")


class _TooDeep(Exception):
    def __init__(self, mark: Any):
        super().__init__(f"nested more than {limits.MAX_YAML_DEPTH} deep")
        self.mark = mark


# libyaml, when PyYAML was built with it: ~20 times faster. Its own nesting limit (1,000) bounds its
# recursion; ours (MAX_YAML_DEPTH) is checked as the nodes are built.
_CLoader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose (recursive) composer refuses collections nested past the limit."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        collection = self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent)
        if collection:
            self._depth += 1
            if self._depth > limits.MAX_YAML_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1


def _compose(text: str) -> Any:
    """The node graph: by libyaml's C parser, or, for a text it refuses, by PyYAML's own, whose errors
    (and whose depth check, at the collection past the limit) are the ones a problem reports."""
    try:
        return yaml.compose(text, Loader=_CLoader)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=_BoundedLoader)


def read_meaning(text: str) -> Any:
    """What a YAML text means as :func:`load_yaml_file` reads it (libyaml first, then PyYAML's own parser),
    without its marks: for the formatter, which must keep it."""
    try:
        return yaml.load(text, Loader=_CLoader)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


def load_yaml_file(path: Path, name: str | None = None) -> tuple[SourceFile, list[Problem]]:
    """Read one YAML file; problems are syntax errors, duplicate keys and limits."""
    text, problems = read_text(path, name or str(path))
    if text is None:
        return SourceFile(path=path, name=name or str(path), data=None, marks=Marks()), problems
    return load_yaml_text(text, path, name)


def load_yaml_text(text: str, path: Path, name: str | None = None) -> tuple[SourceFile, list[Problem]]:
    """One YAML document already read (an editor's buffer), within the limits a file is read within."""
    source = SourceFile(path=path, name=name or str(path), data=None, marks=Marks())
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_RULE_FILE_BYTES:
        return source, [Problem(source.name, 1, 1, f"the file is larger than {limits.MAX_RULE_FILE_BYTES:,} bytes",
                                "limit")]
    problems: list[Problem] = []
    source.text = text
    with collector_paused():  # what is built here lives on: see gcpause.py
        return _build(source, problems)


def _build(source: SourceFile, problems: list[Problem]) -> tuple[SourceFile, list[Problem]]:
    text = source.text
    try:
        node = _compose(text)
    except _TooDeep as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (1, 1)
        return source, [Problem(source.name, line, col, str(exc), "limit")]
    except yaml.YAMLError as exc:
        return source, [_syntax_problem(source.name, text, exc)]
    if node is None:
        source.data = {}
        return source, problems
    try:
        source.data = _Builder(source, problems).build(node, ())
    except _TooLarge as exc:
        line, col = _position(exc.node)
        source.data = None
        return source, [Problem(source.name, line, col, str(exc), "limit")]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(source.name, line, col, f"invalid YAML value: {exc.problem}", "yaml-syntax"))
    return source, problems


RULE_SUFFIXES = (".yaml", ".yml")  #: the files of a rule folder


def load_rule_dir(directory: Path, display_root: Path | None = None, names: Callable[[Path], str] | None = None,
                  load: Callable[[Path], tuple[SourceFile, list[Problem]]] | None = None,
                  ) -> tuple[list[SourceFile], list[Problem]]:
    """Every ``*.yaml``/``*.yml`` file of a rule folder, in name order.

    An entry with that name that cannot be read as a file of the folder (a
    folder, a dangling link, a link out of the folder, a FIFO) is a problem,
    never silently skipped: a missing rule file changes decisions.
    """
    root = directory.resolve()
    sources: list[SourceFile] = []
    problems: list[Problem] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES):
        name = names(path) if names is not None else display_name(path, display_root)
        refused = _unreadable(path, root)
        if refused:
            problems.append(Problem(name, 1, 1, refused, "io"))
            continue
        source, found = load(path) if load is not None else load_yaml_file(path, name)
        sources.append(source)
        problems.extend(found)
    return sources, problems


def _unreadable(path: Path, root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
        mode = target.stat().st_mode
    except FileNotFoundError:
        return "a symbolic link to nothing: the rule file it names does not exist"
    except (OSError, RuntimeError) as exc:  # a link loop, no permission
        return f"cannot read this rule file: {getattr(exc, 'strerror', None) or exc}"
    if root != target.parent and root not in target.parents:
        return "a symbolic link to a file outside the rule folder; rule files must come from the folder"
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        return f"{kind}, named like a rule file"
    return None


def display_name(path: Path, root: Path | None = None) -> str:
    """Relative to the working folder (or ``root``) when under it, else absolute: as an author's editor shows it.

    ``absolute()``, not ``resolve()``: the name is the entry's own, whatever a link points at.
    """
    full, base = path.absolute(), (root or Path.cwd()).absolute()
    try:
        return str(full.relative_to(base))
    except ValueError:
        return str(full)
