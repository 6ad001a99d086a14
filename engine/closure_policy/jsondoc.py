"""JSON documents from outside: read strictly, and checked against the limits.

Facts files, standard input and stream lines are read here the same way:
bytes decoded as strict UTF-8, exact decimals, no duplicate keys, no NaN or
Infinity, bounded size and depth. :func:`scan` then checks what JSON Schema
cannot (depth, integer and string sizes, lone surrogates) on any document,
also one handed to the Python API, before a schema validator recurses into it.

The fast reader and writer is msgspec. Measured against orjson on a 2.4 KB
facts document: both decode in about 10 µs (the standard library takes 20 µs,
and 80 µs with the duplicate-key hook), but orjson reads every number as a
double (``1.10`` becomes ``1.1``, a 33-digit integer is rounded), while
msgspec's ``float_hook=Decimal`` keeps amounts exact and it writes ``Decimal``
as exact JSON numbers. Neither refuses a repeated key, hence the colon count.
"""
from __future__ import annotations

import codecs
import json
import math
import re
from decimal import Decimal
from typing import IO, Any, Iterator, Sequence

import msgspec

from . import limits
from .errors import FactProblem, UnreadableDocument
from .pointers import json_pointer


class _Oversized(str):
    """A JSON integer with too many digits, kept as text so that :func:`scan` can say where."""


def _integer(text: str) -> Any:
    return int(text) if len(text.lstrip("-")) <= limits.MAX_INTEGER_DIGITS else _Oversized(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:limits.MAX_EXCERPT]!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


_FAST = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def dump(value: Any) -> bytes:
    """Compact JSON as UTF-8 (amounts as exact numbers): what the CLI, the stream and its store write."""
    return _ENCODER.encode(value)


_CANONICAL = msgspec.json.Encoder(decimal_format="number", order="sorted")


def canonical(value: Any) -> bytes:
    """Compact JSON with every object's keys sorted: one text for one document (hashes, logs)."""
    return _CANONICAL.encode(value)


def dump_text(value: Any, indent: int | None = None) -> str:
    """JSON text, laid out with ``indent`` spaces when given."""
    encoded = _ENCODER.encode(value)
    return (msgspec.json.format(encoded, indent=indent) if indent else encoded).decode("utf-8")


def lines(stream: IO[bytes], end: int | None = None) -> Iterator[bytes | None]:
    """Every line of ``stream`` (up to the offset ``end``), in bounded memory: a line longer than a document
    may be is drained a bounded piece at a time and given as None. The stream CLI, batch inputs and
    decision logs all read lines here."""
    while end is None or stream.tell() < end:
        chunk = stream.readline(limits.MAX_DOCUMENT_BYTES + 1)
        if not chunk:
            return
        if len(chunk) > limits.MAX_DOCUMENT_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # skip the rest, a bounded piece at a time
                chunk = stream.readline(limits.MAX_DOCUMENT_BYTES)
            yield None
            continue
        yield chunk


def overlong() -> UnreadableDocument:
    """The error of a line :func:`lines` drained."""
    return UnreadableDocument([FactProblem("", f"the line is longer than {limits.MAX_DOCUMENT_BYTES:,} bytes")])


def load_trusted(data: bytes) -> Any:
    """JSON this process wrote itself (exact decimals), read back without the checks of :func:`parse`."""
    return _FAST.decode(data)


TEXTS = (bytes, str, msgspec.Raw)  # what parse reads: a document's JSON text (Raw: an item of :func:`items`)


def parse(data: bytes | str | msgspec.Raw) -> tuple[Any, list[FactProblem]]:
    """The document, or the problems that stop it from being read.

    msgspec reads it: exact decimals through ``float_hook``; it refuses NaN,
    Infinity, lone surrogates and bytes that are not UTF-8. It keeps the last
    of two equal keys, so the colons are counted: the text has one per member
    plus those inside its strings, and so has the document written back out,
    unless a repeated key was dropped. What a schema cannot bound is then
    checked in one walk (depth, integer digits, string lengths).
    Anything unusual (an error, an escaped colon, a repeated key, a limit) is
    read again by the strict standard-library parser, which says what and where.
    """
    if isinstance(data, msgspec.Raw):
        data = bytes(data)
    if len(data) > limits.MAX_DOCUMENT_BYTES:
        return None, [FactProblem("", f"the document is {len(data):,} bytes; the limit is "
                                      f"{limits.MAX_DOCUMENT_BYTES:,}")]
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            return _strict(data)
    try:
        document = _FAST.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeDecodeError):
        return _strict(data)
    if not _within_limits(data) and not _shallow(document, len(data) <= limits.MAX_STRING_LENGTH):
        return _strict(data)
    if _ENCODER.encode(document).count(b":") != data.count(b":") or \
            (b"\\u003" in data and (b"\\u003a" in data or b"\\u003A" in data)):
        return _strict(data)
    return document, []


_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])


def items(data: bytes) -> tuple[Sequence[bytes | msgspec.Raw] | None, list[FactProblem]]:
    """The documents of a JSON array, each still as its own text; the problems if ``data`` is not one.

    Each item is then read by :func:`parse` on its own, so one document with a
    repeated key or past a limit is that document's error, not its neighbours'
    (a batch), and the array around them is no level of their depth. Only the
    array itself is checked here, its syntax; its size is the caller's bound
    (a request's ``--max-body``). An item is a ``msgspec.Raw``, a view of
    ``data`` (about 70 bytes, whatever its length): a caller counts the items
    before any is copied, so an array of millions of tiny items costs no more
    than those views (about 35 times the text at most: ``docs/limits.md``).
    """
    try:
        return _ITEMS.decode(data), []
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeDecodeError):
        pass
    split = _tolerant_items(data)
    if split is not None:
        return split, []
    document, problems = parse(data)  # the strict reader says what and where
    return None, problems or [FactProblem("", "not a JSON array" if not isinstance(document, list) else
                                              "an array whose items cannot be told apart")]


# A backslash escape, read left to right so that ``\\\\ud83d`` is an escaped
# backslash and text, not a surrogate; a surrogate's escape is its 6 bytes.
_ESCAPE = re.compile(rb"\\(?:u[dD][89a-fA-F][0-9a-fA-F]{2}|.)", re.DOTALL)


def _same_length(error: UnicodeError) -> tuple[str, int]:
    """A decoding error handler: each byte that is not UTF-8 becomes one ``?``."""
    assert isinstance(error, UnicodeDecodeError)
    return "?" * (error.end - error.start), error.end


codecs.register_error("closure_policy.same_length", _same_length)


def _tolerant_items(data: bytes) -> list[bytes] | None:
    """The items of an array some of whose documents msgspec refuses whole (a lone surrogate, bytes that
    are not UTF-8), each as its own text, so that each is refused on its own; None if still no array.

    The array is split on a copy where each such escape or byte is replaced by
    valid text of the same length; the items are then cut from ``data`` at
    the same offsets, unchanged.
    """
    plain = data.decode("utf-8", "closure_policy.same_length").encode("utf-8")
    plain = _ESCAPE.sub(lambda m: b"\\u003f" if len(m.group()) == 6 else m.group(), plain)
    if len(plain) != len(data):
        return None
    try:
        views = _ITEMS.decode(plain)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    found, at = [], 0
    for view in views:
        text = bytes(view)
        start = plain.find(text, at)
        found.append(data[start:start + len(text)])
        at = start + len(text)
    return found


_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')


def _within_limits(data: bytes) -> bool:
    """The text alone shows the limits hold, with no walk over the document (False: walk to know).

    All in C: no run of more digits than an integer may have, anywhere; then
    the depth. A text with no more opening brackets than the depth limit
    cannot nest past it (brackets inside strings only add to the count):
    most stream lines and small documents stop here. Otherwise the skeleton
    of brackets and quotes, each string's two quotes removed as a pair (a
    string holding a bracket leaves a quote behind, and an escaped quote stops
    the fast path: walk), and the innermost bracket pairs removed a level at
    a time, gone within the depth limit. A text no longer than the string
    limit has no string beyond it.
    """
    if len(data) > limits.MAX_STRING_LENGTH:
        return False
    if b"0" * (limits.MAX_INTEGER_DIGITS + 1) in data.translate(_DIGITS):
        return False
    if data.count(b"[") + data.count(b"{") <= limits.MAX_JSON_DEPTH:
        return True
    if b'\\"' in data:
        return False
    skeleton = data.translate(_BRACKETS, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:
        return False
    for _ in range(limits.MAX_JSON_DEPTH + 1):  # the document itself is level 0
        if not skeleton:
            return True
        skeleton = skeleton.replace(b"[]", b"")
    return not skeleton


def _shallow(document: Any, short: bool = False) -> bool:
    """Within the depth, integer and string limits: one walk, containers pushed, scalars glanced at.

    ``short``: the text the document was read from is no longer than the string
    limit, so no string or key in it can be longer (a character takes at least a
    byte), and only depth and integers are left to check: the walk is then half
    the cost.
    """
    bound, longest = 10 ** limits.MAX_INTEGER_DIGITS, limits.MAX_STRING_LENGTH
    if type(document) is not dict and type(document) is not list:
        if type(document) is str:
            return len(document) <= longest
        return type(document) is not int or -bound < document < bound
    level, depth = [document], 0
    while level:  # one level of nesting at a time; the document itself is at depth 0
        if depth > limits.MAX_JSON_DEPTH:
            return False
        below: list[Any] = []
        for value in level:
            if not short and type(value) is dict and value and max(map(len, value)) > longest:
                return False  # a key past the string limit
            for item in value.values() if type(value) is dict else value:
                kind = type(item)
                if kind is dict or kind is list:
                    below.append(item)
                elif kind is int:
                    if not -bound < item < bound:
                        return False
                elif kind is str and not short and len(item) > longest:
                    return False
        level, depth = below, depth + 1
    return True


def _strict(data: bytes | str) -> tuple[Any, list[FactProblem]]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [FactProblem("", f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}")]
    try:
        document = json.loads(data, parse_float=Decimal, parse_int=_integer, parse_constant=_no_constants,
                              object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        return None, [FactProblem("", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
    except RecursionError:
        return None, [FactProblem("", f"invalid JSON: nested more than {limits.MAX_JSON_DEPTH} deep")]
    except ValueError as exc:
        return None, [FactProblem("", f"invalid JSON: {exc}")]
    return document, scan(document)


def scan(document: Any) -> list[FactProblem]:
    """What no schema checks: depth, sizes, lone surrogates, non-JSON values. Iterative."""
    return [] if _fine(document) else _problems(document)


_PLAIN = (bool, type(None))


def _fine(document: Any) -> bool:
    """The quick answer, with no paths built: every document of the hot path is fine."""
    stack = [(document, 0)]
    pop, push = stack.pop, stack.append
    bound = 10 ** limits.MAX_INTEGER_DIGITS
    while stack:
        value, depth = pop()
        kind = type(value)
        if kind is int:  # the commonest scalar, checked here: a call each made a list of millions slow
            if not -bound < value < bound:
                return False
        elif kind is str:
            if len(value) > limits.MAX_STRING_LENGTH or (not value.isascii() and text_problem(value, ())):
                return False
        elif kind is dict:
            if depth > limits.MAX_JSON_DEPTH:
                return False
            for key, item in value.items():
                if type(key) is not str or not key.isascii() or len(key) > limits.MAX_STRING_LENGTH:
                    if type(key) is not str or text_problem(key, ()):
                        return False
                push((item, depth + 1))
        elif kind is list:
            if depth > limits.MAX_JSON_DEPTH:
                return False
            for item in value:
                push((item, depth + 1))
        elif kind not in _PLAIN and _scalar(value, ()):
            return False
    return True


def _problems(document: Any) -> list[FactProblem]:
    problems: list[FactProblem] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while stack and len(problems) <= limits.MAX_PROBLEMS_COUNTED:  # InvalidFacts says "or more" past it
        value, path = stack.pop()
        if len(path) > limits.MAX_JSON_DEPTH:
            problems.append(FactProblem(json_pointer(path), f"nested more than {limits.MAX_JSON_DEPTH} deep"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    problems.append(FactProblem(json_pointer(path), "object keys must be strings"))
                    continue
                problem = text_problem(key, path + (key,))
                if problem:
                    problems.append(problem)
                    continue
                stack.append((item, path + (key,)))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, path + (i,)) for i, item in enumerate(value))
        else:
            problem = _scalar(value, path)
            if problem:
                problems.append(problem)
    return problems


def text_problem(value: str, path: tuple[Any, ...]) -> FactProblem | None:
    """What is wrong with a string of a document (too long, a lone surrogate), or None."""
    if len(value) > limits.MAX_STRING_LENGTH:
        return FactProblem(json_pointer(path), f"a string of {len(value):,} characters; the limit is "
                                               f"{limits.MAX_STRING_LENGTH:,}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return FactProblem(json_pointer(path), f"contains a lone surrogate (U+{ord(value[exc.start]):04X}), "
                                                   "which is not Unicode text")
    return None


def _scalar(value: Any, path: tuple[Any, ...]) -> FactProblem | None:
    if isinstance(value, _Oversized):
        return FactProblem(json_pointer(path), f"an integer of {len(value.lstrip('-')):,} digits; the limit is "
                                               f"{limits.MAX_INTEGER_DIGITS}")
    if isinstance(value, str):
        return text_problem(value, path)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if value.bit_length() > limits.MAX_INTEGER_DIGITS * 3.33:
            return FactProblem(json_pointer(path), f"an integer of more than {limits.MAX_INTEGER_DIGITS} digits")
        return None
    if isinstance(value, Decimal):
        finite = value.is_finite()
    elif isinstance(value, float):
        finite = math.isfinite(value)
    else:
        return FactProblem(json_pointer(path), f"{type(value).__name__} is not a JSON value")
    return None if finite else FactProblem(json_pointer(path), "NaN and Infinity are not JSON numbers")
