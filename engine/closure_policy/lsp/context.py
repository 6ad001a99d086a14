"""Where the cursor is in a YAML buffer that may not parse: the key whose value is typed, the word under it,
and the names the quantifiers around it bind. Read off the text, line by line, so that a half-typed buffer
still gets answers."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import limits

_WORD = re.compile(r"[A-Za-z0-9_.\-]+")
# `key: partial` at the end of the text before the cursor, in block or flow style.
_VALUE = re.compile(r"""(?:^|[\s{,\[-])([A-Za-z_][\w]*)\s*:\s*["']?([^"'{},\[\]:]*)$""")
# `key: [a, b, partial` inside a flow list.
_LIST = re.compile(r"""(?:^|[\s{,-])([A-Za-z_][\w]*)\s*:\s*\[([^\]]*)$""")
_AS = re.compile(r"""\bas\s*:\s*["']?([A-Za-z_][\w]*)""")
_IN = re.compile(r"""\bin\s*:\s*["']?([A-Za-z_][\w.]*)""")
_RULE_START = re.compile(r"^\s*-\s+(?:id|name)\s*:")
_LIST_ITEM = re.compile(r"^(\s*)-\s*([^\s:]*)$")


@dataclass
class Cursor:
    line: str  # the whole line
    before: str  # the line up to the cursor
    lines: list[str]
    row: int

    @classmethod
    def at(cls, text: str, row: int, column: int) -> "Cursor":
        lines = text.split("\n")
        line = lines[row] if row < len(lines) else ""
        return cls(line, line[max(0, column - limits.LSP_CONTEXT_CHARS):column], lines, row)

    def key(self) -> tuple[str, str] | None:
        """The key whose value the cursor is in, and the value typed so far."""
        inside = _LIST.search(self.before)
        if inside:
            return inside.group(1), inside.group(2).split(",")[-1].strip().strip("'\"")
        found = _VALUE.search(self.before)
        if found:
            return found.group(1), found.group(2).strip()
        item = _LIST_ITEM.match(self.before)
        if item:  # a block list item: the key of the list above it
            for row in range(self.row - 1, -1, -1):
                above = self.lines[row]
                if above.strip() and len(above) - len(above.lstrip()) < len(item.group(1)) + 1 and \
                        not above.lstrip().startswith("-"):
                    head = re.match(r"\s*([A-Za-z_]\w*)\s*:\s*$", above)
                    return (head.group(1), item.group(2)) if head else None
        return None

    def placeholder(self) -> str | None:
        """The text after an unclosed ``{`` in a message (what a placeholder is typed as), or None."""
        opened = self.before.rfind("{")
        if opened < 0 or "}" in self.before[opened:] or self.before[opened - 1:opened] == "{":
            return None
        if re.search(r"\b(?:en|zh|[a-z]{2})\s*:\s*[\"']?[^\"']*$", self.before[:opened] + "x") is None:
            return None
        return self.before[opened + 1:]

    def word(self, column: int) -> tuple[str, int, int] | None:
        """The word (a fact path, a rule id, a name) at ``column``, and its columns."""
        for match in _WORD.finditer(self.line):
            if match.start() <= column <= match.end():
                return match.group(0), match.start(), match.end()
        return None

    def bound(self) -> dict[str, str]:
        """The names quantifiers bind in the rule or case the cursor is in, each with the list it runs over."""
        start = self.row
        while start > 0 and not _RULE_START.match(self.lines[start]):
            start -= 1
        found: dict[str, str] = {}
        for row in range(start, min(self.row + 1, len(self.lines))):
            lines = self.lines[max(start, row - 2):row + 1]
            named = _AS.search(self.lines[row])
            if named:
                over = next((m.group(1) for text in reversed(lines) if (m := _IN.search(text))), "")
                found[named.group(1)] = over
        return found

    def mapping_value(self, key: str) -> str | None:
        """``key``'s value in the mapping the cursor is in: on the same line (flow), else the lines around it
        at the same indentation (block)."""
        same = re.search(rf"\b{key}\s*:\s*[\"']?([A-Za-z_][\w.]*)", self.line)
        if same:
            return same.group(1)
        indent = len(self.line) - len(self.line.lstrip(" -"))
        for step in (-1, 1):
            row = self.row + step
            while 0 <= row < len(self.lines):
                text = self.lines[row]
                depth = len(text) - len(text.lstrip(" -"))
                if text.strip() and depth < indent:
                    break
                found = re.match(rf"\s*-?\s*{key}\s*:\s*[\"']?([A-Za-z_][\w.]*)", text)
                if found and depth == indent:
                    return found.group(1)
                row += step
        return None
