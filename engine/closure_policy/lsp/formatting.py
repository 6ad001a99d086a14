"""``textDocument/formatting``: the buffer laid out as ``closure-policy fmt`` lays out a file."""
from __future__ import annotations

import yaml
from lsprotocol import types as lsp

from .. import limits


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
