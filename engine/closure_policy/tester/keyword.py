"""``-k EXPR``: pick cases by words in their node id, as pytest does.

``EXPR`` is words joined by ``and``, ``or``, ``not`` and parentheses; a word
matches when it is a case-insensitive substring of ``FILE::NAME``.
"""
from __future__ import annotations

import re
from typing import Callable

from ..errors import ClosurePolicyError

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
Match = Callable[[str], bool]


def keyword_matcher(expr: str) -> Match:
    tokens = _TOKEN.findall(expr)
    if not tokens:
        return lambda text: True
    match, rest = _or(tokens)
    if rest:
        raise ClosurePolicyError(f"-k {expr!r}: unexpected {rest[0]!r}")
    return match


def _not(tokens: list[str]) -> tuple[Match, list[str]]:
    if not tokens:
        raise ClosurePolicyError("-k: expression ends too soon")
    if tokens[0] == "not":
        inner, rest = _not(tokens[1:])
        return (lambda t: not inner(t)), rest
    if tokens[0] == "(":
        inner, rest = _or(tokens[1:])
        if not rest or rest[0] != ")":
            raise ClosurePolicyError("-k: missing ')'")
        return inner, rest[1:]
    if tokens[0] in ("and", "or", ")"):
        raise ClosurePolicyError(f"-k: unexpected {tokens[0]!r}")
    word = tokens[0].lower()
    return (lambda t: word in t.lower()), tokens[1:]


Parse = Callable[[list[str]], tuple[Match, list[str]]]


def _binary(word: str, operand: Parse, combine: Callable[[Match, Match], Match]) -> Parse:
    """Left-associative ``operand (word operand)*``."""
    def parse(tokens: list[str]) -> tuple[Match, list[str]]:
        left, tokens = operand(tokens)
        while tokens and tokens[0] == word:
            right, tokens = operand(tokens[1:])
            left = combine(left, right)
        return left, tokens
    return parse


_and = _binary("and", _not, lambda a, b: lambda t: a(t) and b(t))
_or = _binary("or", _and, lambda a, b: lambda t: a(t) or b(t))
