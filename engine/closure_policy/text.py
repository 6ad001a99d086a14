"""Text that reaches a terminal or a log: escaped, and bounded.

Fact values and rule-file contents are written by others. Printed raw, a
control character or a bidi override can forge a line ("P-1: ALLOW") or hide
one; printed whole, a 10 MB value makes a 10 MB message. Everything a person
reads goes through :func:`safe`, and an offending value is quoted through
:func:`excerpt`.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

from .limits import MAX_EXCERPT, MAX_MESSAGE

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks, line
# and paragraph separators, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or surrogate character escaped."""
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def writable(text: str) -> str:
    """``text`` with every lone surrogate escaped (``\\ud83d``): what UTF-8 can carry, all else kept as it is."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub(_escape, text)


def excerpt(value: Any, limit: int = MAX_EXCERPT) -> str:
    """A short, printable quotation of ``value`` for a message."""
    text = value if isinstance(value, str) else _short_repr(value, limit)
    if isinstance(value, str):
        shown = safe(text[:limit])
        more = f"… ({len(text):,} characters)" if len(text) > limit else ""
        return f'"{shown}"{more}'
    return safe(text)


def _short_repr(value: Any, limit: int) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict):
        return "an object" if value else "{}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}" if value else "[]"
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def bounded(message: str) -> str:
    """A message cut to a readable length: the last defence when a value was quoted whole."""
    limit = MAX_MESSAGE
    return message if len(message) <= limit else message[:limit] + f"… ({len(message):,} characters)"


def did_you_mean(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices`` (or ``""``): one suggestion rule for every message.

    A choice with the same characters in another order comes first (``=>`` is
    ``>=`` typed backwards, though they share only one character in place),
    then one the word begins, or that begins with the word, a character or two
    apart (``!==`` meant ``!=``, ``=`` meant ``==``), then the closest by
    ``difflib`` (``balance.pendng`` meant ``balance.pending``, not ``balance``).
    """
    if len(word) > MAX_EXCERPT:  # a slip is short; a long text (a hostile one, say) is not compared
        return ""
    options = [str(c) for c in choices if str(c) != word]
    swapped = [c for c in options if sorted(c) == sorted(word)]
    prefixed = [c for c in options if c not in swapped and abs(len(c) - len(word)) <= 2
                and (word.startswith(c) or c.startswith(word))]  # a slip, not a parent ('balance' for 'balance.pendng')
    ranked = swapped + sorted(prefixed, key=lambda c: abs(len(c) - len(word)))
    close = ranked + [c for c in difflib.get_close_matches(word, options, n=n, cutoff=cutoff) if c not in ranked]
    return f"; did you mean {' or '.join(repr(c) for c in close[:n])}?" if close else ""
