"""One canonical layout for rule files and test suites, comments kept (``closure-policy fmt``).

ruamel.yaml reads and writes the files round trip (comments, blank lines,
block texts kept); this module only decides the layout:

- keys in the order the docs present them (``KEY_ORDER``); others after, as written;
- two spaces a level, list items indented two under their key;
- a short condition, detail, patch or list on one line in flow style, when it
  fits within ``WIDTH`` columns; the file's structure (the top-level sections,
  rules, cases, texts, remediations, outcome choices, steps) always in block style;
- the ``stream:`` section, a vocabulary of its own, and blank lines, as written;
- operators double-quoted; any other text quoted (double quotes) only where
  YAML needs it, and texts written as block scalars kept so.

Formatting twice changes nothing (a test checks it over every bundled file
and generated ones), and never changes what a file means (the same test
compares the data read before and after).
"""
from __future__ import annotations

import io
from collections import OrderedDict
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

from .yaml_source import read_meaning

WIDTH = 120
KEY_ORDER = [
    # a file's sections
    "policy", "queries", "conditions", "rules", "stream", "fixtures", "cases",
    # what names an entry: a policy, a rule, a step, a case
    "name", "id", "query", "step",
    # where a rule comes from, and what it is called
    "source", "section", "quote", "reading", "title", "languages", "subject",
    # a query
    "outcomes", "default", "on_violation", "steps",
    # a test case's facts
    "base", "facts", "file", "patch", "lang", "backend",
    # a stream case's account and events
    "account", "events",
    # a rule's condition and what it says
    "when", "details", "message", "remediation", "outcome", "emit", "for_each", "over", "effect",
    # conditions
    "fact", "op", "value", "value_of", "as_day_in", "use", "not", "all", "any", "some", "every", "none", "count",
    "in", "as", "where", "collect", "select",
    # a test case's expectations, last
    "expect",
]  # a text's languages, an outcome's or a detail's name: in the order written
_RANK = {key: i for i, key in enumerate(KEY_ORDER)}
# Sections whose value is always in block style: the files' structure and their prose.
BLOCK = {"policy", "queries", "conditions", "rules", "stream", "fixtures", "cases", "steps", "details",
         "remediation", "outcome", "title", "message", "reading", "source", "facts", "emit", "effect",
         # quantifiers and lists of conditions read best a part to a line
         "some", "every", "none", "count", "for_each", "collect", "all", "any"}
# Lists whose items stay in block style too (rules, cases, remediation texts, outcome choices, steps); the items
# of other lists (the conditions of an all or any, data) may each go on one line.
ITEMS_IN_BLOCK = {"rules", "cases", "remediation", "outcome", "steps"}
OPERATOR_KEYS = {"op"}
# Data: facts, patches and expectations are laid out by size alone, their keys kept in order (an expectation's
# in the order the docs list them).
DATA = {"facts", "patch", "expect", "value", "events"}
EXPECT_ORDER = ["outcome", "violations", "violations_include", "violations_exclude", "details", "message_contains",
                "remediation_contains", "remediation_excludes", "effects", "response", "track", "error",
                "emitted", "refused", "state", "facts"]  # a stream case's
EXPECT_RANK = {key: i for i, key in enumerate(EXPECT_ORDER)}
# The stream declaration has a vocabulary of its own (events, transitions): laid out as written.
UNTOUCHED = {"stream"}


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # kept only where the layout is left as written (``UNTOUCHED``)
    yaml.width = 10**6  # texts are never wrapped; what goes on one line is decided here (``_fits``)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    return yaml


class Unformattable(ValueError):
    """A file whose layout cannot be changed without changing what it means (it is left as it is)."""


def format_text(text: str) -> str:
    """``text`` (a rule file or a test suite) in the canonical layout; :class:`Unformattable` if that is unsafe."""
    rt = _yaml()
    try:
        meaning = read_meaning(text)  # what the rules' reader reads: the meaning to keep
        data = rt.load(text)
    except (yaml.YAMLError, RuamelError) as exc:
        raise Unformattable(f"not valid YAML ({' '.join(str(exc).split())}): `closure-policy check` says where") \
            from None
    if data is None:
        return text
    data = _agree(data, meaning)
    _layout(data, key=None, indent=0, top=True, in_block_list=False)
    out = io.StringIO()
    rt.dump(data, out)
    laid = out.getvalue().rstrip() + "\n"  # one newline ends a file (ruamel keeps trailing blank lines)
    if read_meaning(laid) != meaning or yaml.safe_load(laid) != meaning:  # as libyaml reads it, and PyYAML alone
        raise Unformattable("the canonical layout would change what the file means")
    return laid


def _agree(node: Any, meant: Any) -> Any:
    """ruamel.yaml reads YAML 1.2 (``1e9`` is a number there, a text in 1.1): take each scalar as PyYAML reads it."""
    if isinstance(node, CommentedMap) and isinstance(meant, dict):
        for (key, value), meant_key in zip(list(node.items()), meant, strict=False):
            if key != meant_key:
                raise Unformattable(f"the key {key!r} reads differently in YAML 1.1")
            node[key] = _agree(value, meant[meant_key])
        return node
    if isinstance(node, CommentedSeq) and isinstance(meant, list):
        for i, value in enumerate(node):
            node[i] = _agree(value, meant[i])
        return node
    same = type(node) is type(meant) or (isinstance(node, str) and isinstance(meant, str)) or (
        not isinstance(node, bool) and not isinstance(meant, bool) and isinstance(node, (int, float))
        and isinstance(meant, (int, float)))
    return node if same and node == meant else meant


def _layout(node: Any, key: Any, indent: int, top: bool, in_block_list: bool, data: bool = False) -> None:
    if key in UNTOUCHED:
        return
    data = data or key in DATA
    if isinstance(node, CommentedMap):
        if not data or key == "expect":
            _order(node, EXPECT_RANK if key == "expect" else _RANK)
        may_flow = data or (key not in BLOCK and not in_block_list)
        flow = not top and may_flow and _flowable(node, data) and _fits(node, key, indent)
        for child_key, child in list(node.items()):
            _put(node, child_key, _scalar(child_key, child, flow))
        _style(node, flow)
        for child_key, child in node.items():
            if flow:
                _flatten(child)
            else:
                _layout(child, child_key, indent + 2, False, False, data)
    elif isinstance(node, CommentedSeq):
        flow = not top and (data or key not in BLOCK) and _flowable(node, data) and _fits(node, key, indent)
        for i, child in enumerate(node):
            _put(node, i, _scalar(key, child, flow))
        _style(node, flow)
        for child in node:
            if flow:
                _flatten(child)
            else:
                _layout(child, None, indent + 4, False, key in ITEMS_IN_BLOCK, data)


def _order(node: CommentedMap, rank: dict[str, int]) -> None:
    keys = list(node)
    for k in sorted(keys, key=lambda k: (rank.get(k, len(rank)), keys.index(k))):
        node.move_to_end(k)


def _flowable(node: Any, data: bool, outer: bool = True) -> bool:
    """Nothing inside must be in block style (a flow collection cannot hold one), and no comment is lost (the
    collection's own end-of-line comment stays where it is)."""
    if isinstance(node, dict):
        return not _has_comments(node, outer) and all(
            (data or k not in BLOCK or not isinstance(v, (dict, list))) and _flowable(v, data or k in DATA, False)
            for k, v in node.items())
    if isinstance(node, list):
        # ruamel.yaml writes a one-key mapping inside a flow list without its braces: such a list goes in block
        return not _has_comments(node, outer) and all(
            _flowable(i, data, False) and not (isinstance(i, dict) and len(i) == 1) for i in node)
    return not isinstance(node, (LiteralScalarString, FoldedScalarString))  # a block text cannot go in flow


def _has_comments(node: Any, outer: bool = False) -> bool:
    """Whether a comment or blank line is held inside ``node`` (``outer``: its own end-of-line one aside)."""
    ca = getattr(node, "ca", None)
    if ca is None:
        return False
    return _tokens(ca.items) or _tokens(getattr(ca, "end", None)) or (not outer and _tokens(ca.comment))


def _tokens(held: Any) -> bool:
    if isinstance(held, dict):
        return any(_tokens(v) for v in held.values())
    if isinstance(held, (list, tuple)):
        return any(_tokens(v) for v in held)
    return held is not None


def _fits(node: Any, key: Any, indent: int) -> bool:
    prefix = len(f"{key}: ") if key is not None else 2
    return indent + prefix + len(_one_line(node)) <= WIDTH


def _one_line(node: Any) -> str:
    return yaml.safe_dump(_plain(node), allow_unicode=True, width=10**6, default_flow_style=True).strip() \
        .removesuffix("...").strip()


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):  # ruamel's own subclasses (ScalarInt...) as the plain types
        if isinstance(node, kind):
            return kind(node)
    return node


def _style(node: Any, flow: bool) -> None:
    if flow or not node:  # an empty collection is written {} or [] whatever it holds a comment
        node.fa.set_flow_style()
    else:
        node.fa.set_block_style()


def _flatten(node: Any) -> None:
    """Everything inside a flow collection is flow too, and quoted the same way."""
    if isinstance(node, CommentedMap):
        for k, v in list(node.items()):
            _put(node, k, _scalar(k, v, True))
            _flatten(node[k])
        node.fa.set_flow_style()
    elif isinstance(node, CommentedSeq):
        for i, v in enumerate(node):
            _put(node, i, _scalar(None, v, True))
            _flatten(node[i])
        node.fa.set_flow_style()


def _put(node: Any, key: Any, value: Any) -> None:
    """Set a value as given: ruamel.yaml's own ``__setitem__`` would keep the old value's quoting."""
    if isinstance(node, CommentedMap):
        OrderedDict.__setitem__(node, key, value)
    else:
        list.__setitem__(node, key, value)


def _scalar(key: Any, value: Any, flow: bool) -> Any:
    """Operators double-quoted; other text quoted (double) only where YAML needs it; block texts kept."""
    if not isinstance(value, str) or isinstance(value, (LiteralScalarString, FoldedScalarString)):
        return value
    if key in OPERATOR_KEYS or _needs_quotes(value, flow):
        return DoubleQuotedScalarString(value)
    return str(value)


def _needs_quotes(text: str, flow: bool) -> bool:
    """Whether ``text`` cannot be written plain where it goes (a flow collection is stricter) and read back as
    the same text by the rules' reader (PyYAML, YAML 1.1: ``yes`` and ``1.5`` are not texts there). Braces are
    quoted too: a message's ``{placeholder}`` must not look like a mapping."""
    if "{" in text or "}" in text:
        return True
    if flow:
        return yaml.safe_dump([str(text)], allow_unicode=True, width=10**6, default_flow_style=True) != f"[{text}]\n"
    written = yaml.safe_dump({"k": str(text)}, allow_unicode=True, width=10**6, default_flow_style=False)
    return written != f"k: {text}\n"
