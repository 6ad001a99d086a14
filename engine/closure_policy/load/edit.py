"""A rule file after an edit inside one of its rules: only that rule parsed again.

An editor sends the whole buffer at each keystroke; a file of 1,000 rules takes
a tenth of a second to parse, and the keystroke changed one rule. When the
text that changed lies inside one item of the top-level ``rules:`` list, that
item is parsed alone (indented as it stands, so its columns are its own; its
lines shifted after), its marks replace the old ones, and the marks after it
move by the lines the edit added or removed. Anything else (an edit across
items, an anchor or alias in the file, a tab, a problem in the old or the new
item) returns None, and the caller parses the whole text, as it always may:
the result is the same either way, a test holds them equal.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import limits
from .yaml_source import Marks, SourceFile, load_yaml_text


def reparse(old: SourceFile, text: str) -> SourceFile | None:
    """``old`` (parsed without a problem) with its text replaced by ``text``; None: parse it whole."""
    rules = old.data.get("rules") if isinstance(old.data, dict) else None
    if not isinstance(rules, list) or not rules or old.text == text or any(c in text for c in "&*\t"):
        return None
    start, old_end, new_end = _changed(old.text, text)
    item = _item(old, len(rules), start, old_end)
    if item is None:
        return None
    number, begin, end, (line, column) = item
    piece = text[begin:end + (new_end - old_end)]
    parsed, problems = load_yaml_text(" " * (column - 1) + piece, old.path, old.name)
    if problems or not isinstance(parsed.data, dict) or len(text.encode("utf-8", "surrogatepass")) > \
            limits.MAX_RULE_FILE_BYTES or max(map(len, parsed.marks.values)) + 2 > limits.MAX_YAML_DEPTH:
        return None  # the whole text says what is wrong, where (the limits are the whole file's)
    moved = piece.count("\n") - old.text[begin:end].count("\n")
    data = {**old.data, "rules": [*rules[:number], parsed.data, *rules[number + 1:]]}
    marks = _marks(old.marks, parsed.marks, number, line, moved)
    if len(marks.values) > limits.MAX_YAML_NODES:
        return None
    return SourceFile(path=old.path, name=old.name, data=data, marks=marks, text=text)


def _changed(before: str, after: str) -> tuple[int, int, int]:
    """Where two texts differ: the first differing offset, and the end of the difference in each."""
    limit = min(len(before), len(after))
    start = _common(lambda n: before[:n] == after[:n], limit)
    tail = _common(lambda n: before[len(before) - n:] == after[len(after) - n:], limit - start)
    return start, len(before) - tail, len(after) - tail


def _common(same: Callable[[int], bool], limit: int) -> int:
    """The longest length up to ``limit`` for which ``same`` holds (it holds for every shorter one too):
    a binary search of slice comparisons, done in C, not a loop over characters."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _item(old: SourceFile, count: int, start: int, end: int) -> tuple[int, int, int, tuple[int, int]] | None:
    """The rule whose text holds ``old.text[start:end]``: its number, its text's bounds (from its first key to
    the end of the line before the next rule), and its position."""
    lines = [0]
    for piece in old.text.splitlines(keepends=True):
        lines.append(lines[-1] + len(piece))
    for number in range(count):
        mark = old.marks.values.get(("rules", number))
        if mark is None:
            return None
        begin = lines[mark[0] - 1] + mark[1] - 1
        following = old.marks.values.get(("rules", number + 1))
        last = (lines[following[0] - 1] if following is not None else _after_rules(old, lines))
        if begin <= start and end <= last and begin < last:
            if following is not None and following[0] == mark[0]:
                return None  # two rules on one line: nothing to cut between them
            return number, begin, last, mark
    return None


def _after_rules(old: SourceFile, lines: list[int]) -> int:
    """Where the text after the last rule starts: the next top-level key's line, or the end."""
    rules_line = old.marks.keys.get(("rules",), (1, 1))[0]
    later = [line for path, (line, _) in old.marks.keys.items() if len(path) == 1 and line > rules_line]
    return lines[min(later) - 1] if later else len(old.text)


def _marks(old: Marks, piece: Marks, number: int, line: int, moved: int) -> Marks:
    """The old marks, with rule ``number``'s replaced by ``piece``'s (shifted to its line), the later ones moved."""
    def shift(table: dict[Any, tuple[int, int]], new: dict[Any, tuple[int, int]]) -> dict[Any, tuple[int, int]]:
        result: dict[Any, tuple[int, int]] = {}
        for path, (at, col) in table.items():
            if path[:2] == ("rules", number):
                continue
            result[path] = (at + moved, col) if at > line else (at, col)
        for path, (at, col) in new.items():
            result[("rules", number, *path)] = (at + line - 1, col)
        return result
    return Marks(values=shift(old.values, piece.values), keys=shift(old.keys, piece.keys))
