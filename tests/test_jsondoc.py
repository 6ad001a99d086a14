"""The JSON reader's limits, at their boundaries, on both of its paths (short and long texts)."""
from __future__ import annotations

import json

import pytest

from closure_policy import limits
from closure_policy.jsondoc import parse

LONGEST = limits.MAX_STRING_LENGTH


def _refused(document_text: bytes) -> list[str]:
    document, problems = parse(document_text)
    return [problem.format() for problem in problems]


@pytest.mark.parametrize("length,ok", [(LONGEST, True), (LONGEST + 1, False)])
def test_a_string_is_held_to_the_string_limit(length, ok):
    text = json.dumps({"a": ["x" * length]}).encode()
    assert (not _refused(text)) is ok


@pytest.mark.parametrize("length,ok", [(LONGEST, True), (LONGEST + 1, False)])
def test_a_key_is_held_to_the_string_limit(length, ok):
    text = json.dumps({"k" * length: 1}).encode()
    assert (not _refused(text)) is ok


@pytest.mark.parametrize("padding", [0, LONGEST])  # a short text, and one past the string limit
@pytest.mark.parametrize("digits,ok", [(limits.MAX_INTEGER_DIGITS, True), (limits.MAX_INTEGER_DIGITS + 1, False)])
def test_an_integer_is_held_to_the_digit_limit(padding, digits, ok):
    text = b'{"pad": "' + b"p" * padding + b'", "n": [-' + b"9" * digits + b"]}"
    problems = _refused(text)
    assert (not problems) is ok
    assert ok or problems == [f"/n/0: an integer of {digits} digits; the limit is {limits.MAX_INTEGER_DIGITS}"]


@pytest.mark.parametrize("padding", [0, LONGEST])
@pytest.mark.parametrize("depth,ok", [(limits.MAX_JSON_DEPTH, True), (limits.MAX_JSON_DEPTH + 1, False)])
def test_nesting_is_held_to_the_depth_limit(padding, depth, ok):
    # the outer object is at depth 0, so ``depth`` lists inside it put the innermost at that depth
    text = b'{"pad": "' + b"p" * padding + b'", "n": ' + b"[" * depth + b"]" * depth + b"}"
    problems = _refused(text)
    assert (not problems) is ok
    assert ok or "nested more than" in problems[0]


def test_an_escaped_colon_in_a_key_does_not_hide_a_repeated_key():
    assert _refused(b'{"a\\u003a": 1, "a:": 2}') == ["/: invalid JSON: duplicate key 'a:'"]
