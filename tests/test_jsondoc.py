"""The JSON reader's limits, at their boundaries, on both of its paths (short and long texts)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closure_policy import limits
from closure_policy.jsondoc import _shallow, _within_limits, items, parse

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


@pytest.mark.parametrize("text,ok", [
    (b'{"a": ["]]]]", [[["[[["]]]]}', True),  # brackets inside strings are not nesting
    (b'{"a": "' + b"[" * 40 + b'", "b": 1}', True),
    (b'{"a": "' + b"]" * 40 + b'", "b": ' + b"[" * 33 + b"]" * 33 + b"}", False),  # nor do they hide it
    (b'{"a": "\\"[[[[", "b": ' + b"[" * 33 + b"]" * 33 + b"}", False),
    (b'{"id": "' + b"7" * 50 + b'", "n": 1.' + b"0" * 50 + b"}", True),  # long digit runs that are no integer
])
def test_strings_neither_pass_for_nesting_nor_hide_it(text, ok):
    assert (not _refused(text)) is ok


@pytest.mark.parametrize("extra,ok", [(0, True), (1, True), (2, False)])
def test_few_brackets_need_no_skeleton_and_many_still_get_one(extra, ok):
    # MAX_JSON_DEPTH containers or fewer are taken on their count alone; one more
    # (still within the limit) and two more (past it) go through the skeleton.
    count = limits.MAX_JSON_DEPTH + extra
    text = b'{"a": "\\"", "b": ' + b"[" * (count - 1) + b"]" * (count - 1) + b"}"
    assert _within_limits(text) is (extra == 0)  # the escaped quote stops the skeleton: walk
    assert _within_limits(text.replace(b'"\\""', b'"q"')) is ok
    assert (not _refused(text)) is ok


@given(st.recursive(st.none() | st.booleans() | st.integers(-(10 ** 45), 10 ** 45) | st.text(alphabet='[]{}"\\ab1:,'),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children,
                                                                                      max_size=3),
                    max_leaves=60))
@settings(max_examples=300, deadline=None)
def test_the_fast_check_never_passes_what_the_walk_refuses(value):
    for text in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode()):
        if _within_limits(text):
            assert _shallow(json.loads(text))


def test_an_arrays_items_are_left_as_text_for_each_to_be_read_alone():
    deep = "[" * limits.MAX_JSON_DEPTH + "]" * limits.MAX_JSON_DEPTH  # at the limit alone, one past it inside []
    found, problems = items(f' [{{"a": 1.10}}, {{"a": 1, "a": 2}}, {deep}] '.encode())
    assert problems == [] and [bytes(item) for item in found] == [b'{"a": 1.10}', b'{"a": 1, "a": 2}', deep.encode()]
    assert parse(found[0])[0] == {"a": Decimal("1.10")}
    assert "duplicate key" in parse(found[1])[1][0].message and parse(found[2])[1] == []


@pytest.mark.parametrize(("text", "message"), [
    (b'{"a": 1}', "not a JSON array"),
    (b"[1,", "invalid JSON at line 1, column 4"),
    (b"[NaN]", "NaN is not a number"),
])
def test_what_is_not_an_array_is_one_problem(text, message):
    found, problems = items(text)
    assert found is None and message in problems[0].message


_JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-(10 ** 45), 10 ** 45) | st.text(max_size=5),
                        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3),
                                                                                          children, max_size=3),
                        max_leaves=30)


@given(st.lists(_JSONISH, max_size=4), st.sampled_from([b"", b"x", b",", b"]", b"\xff", b'"\\ud800"']))
@settings(max_examples=300, deadline=None)
def test_an_arrays_items_read_alone_are_what_the_whole_reads(array, damage):
    text = json.dumps(array).encode()
    if damage:
        text = text[:-1] + damage + b"]" if array else b"[" + damage + b"]"
    found, problems = items(text)
    whole, refused = parse(text)
    if found is None:
        assert problems and (refused or not isinstance(whole, list))
        return
    alone = [parse(item) for item in found]
    if not refused:  # a document the whole array reads is read alike alone
        assert [document for document, _ in alone] == whole
    else:  # what the whole refuses (bytes that are not UTF-8, here) is an item's own problem
        assert any(trouble for _, trouble in alone)


def test_an_item_msgspec_refuses_whole_is_cut_out_unchanged_for_its_neighbours_to_be_read():
    good = b'{"a": "\\\\ud83d", "b": "\\ud83d\\ude00"}'  # an escaped backslash and text; a valid pair
    bad_key, bad_byte = b'{"\\ud83d": 1}', b'{"a": "\xff"}'
    found, problems = items(b"[" + good + b", " + bad_key + b",\n" + bad_byte + b", " + good + b"]")
    assert problems == [] and [bytes(item) for item in found] == [good, bad_key, bad_byte, good]
    assert parse(found[0])[0] == {"a": "\\ud83d", "b": "\U0001F600"}
    assert parse(found[1])[1][0].pointer == "/\\ud83d" and "lone surrogate" in parse(found[1])[1][0].message
    assert "not UTF-8" in parse(found[2])[1][0].message


def test_a_problem_carrying_a_lone_surrogate_is_written_escaped():
    from closure_policy.errors import FactProblem, InvalidFacts

    problem = FactProblem("/\ud83d/x", "a key \ud83d")
    assert problem.pointer == "/\\ud83d/x" and problem.message == "a key \\ud83d"
    assert FactProblem("/\U0001F600", "é").pointer == "/\U0001F600"  # text UTF-8 carries is kept as it is
    error = InvalidFacts([problem])
    for text in (error.report(), str(error), json.dumps(problem.to_dict(), ensure_ascii=False)):
        text.encode("utf-8")


@pytest.mark.parametrize("found, listed, omitted, complete", [
    (0, 0, 0, True),
    (limits.MAX_PROBLEMS, limits.MAX_PROBLEMS, 0, True),
    (limits.MAX_PROBLEMS + 1, limits.MAX_PROBLEMS, 1, True),
    (limits.MAX_PROBLEMS_COUNTED, limits.MAX_PROBLEMS, limits.MAX_PROBLEMS_COUNTED - limits.MAX_PROBLEMS, True),
    (limits.MAX_PROBLEMS_COUNTED + 1, limits.MAX_PROBLEMS, limits.MAX_PROBLEMS_COUNTED - limits.MAX_PROBLEMS, False),
])
def test_invalid_facts_keep_the_first_problems_and_count_the_rest_lazily(found, listed, omitted, complete):
    from closure_policy.errors import FactProblem, InvalidFacts

    taken = 0

    def problems():
        nonlocal taken
        for i in range(10 ** 9):  # endless unless the error stops taking
            if i == found:
                return
            taken += 1
            yield FactProblem(f"/users/{i}", "must be an object")

    error = InvalidFacts(problems())
    assert (len(error.problems), error.omitted, error.complete) == (listed, omitted, complete)
    assert taken <= limits.MAX_PROBLEMS_COUNTED + 1
    assert error.count == f"{listed + omitted:,}" + ("" if complete else " or more")
    assert len(error.report().splitlines()) == listed + (listed < found)
