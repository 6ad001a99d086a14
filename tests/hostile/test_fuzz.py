"""Property-based fuzzing of the three parsers: facts, rule files, stream lines.

Only the contract is asserted: a decision or a refusal naming the place;
never an allow on facts the schema rejects; never another exception; the
two backends equal on valid facts. ``benchmarks/fuzz.py`` runs the same
properties for longer (``FUZZ_EXAMPLES``).
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from closure_policy import InvalidFacts, load_policy
from closure_policy.jsondoc import parse
from closure_policy.policy import check_rules
from closure_policy.resources import schema
from closure_policy.stream import StreamError, StreamProcessor
from tests.conftest import FIXTURE_RULES
from tests.hostile.conftest import BASE, RULES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**50, 10**50), st.text(max_size=20),
                    st.sampled_from(["", "0", "-0", "2.50", "1e400", "2026-11-26T15:30:00Z", "Asia", "UTC",
                                     "2026-11-26T15:30:00+00:60", "L-1", "U-1", "admin", "closed", "\ud800"]),
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
_schema_check = Draft202012Validator(schema("facts"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, prefix + (i,))
    return found


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    """The allowing document with a few values replaced by arbitrary JSON."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)[1:]))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(values)
    return document


@pytest.fixture(scope="module")
def gates():
    pytest.importorskip("durable_rules_engine", reason="the rete extra is part of the test install")
    return load_policy(RULES), load_policy(RULES, backend="rete")


@FUZZ
@given(mutated())
def test_facts_are_decided_alike_or_refused_with_a_pointer(gates, document):
    compiled, rete = gates
    try:
        decision = compiled.decide("gate", document)
    except InvalidFacts as exc:
        assert exc.problems and all(p.pointer == "" or p.pointer.startswith("/") for p in exc.problems)
        with pytest.raises(InvalidFacts):
            rete.decide("gate", document)
        return
    assert not list(_schema_check.iter_errors(document)), "decided facts the schema rejects"
    other = rete.decide("gate", document)
    assert (decision.outcome, decision.rule_ids) == (other.outcome, other.rule_ids)


@FUZZ
@given(st.one_of(st.binary(max_size=200), values.map(lambda v: json.dumps(v).encode()),
                 mutated().map(lambda d: json.dumps(d).encode())))
def test_any_bytes_are_a_document_or_a_reason(data):
    document, problems = parse(data)
    if not problems:  # what is read is plain JSON, within the limits, and writes back out
        json.dumps(document, default=str).encode("utf-8")
    for problem in problems:
        assert problem.message and len(problem.format()) < 1000


yaml_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["rules:", "  - id: gate.x", "    query: gate", "    when: {use: c}", "conditions:",
                              "  c: {fact: account.status, op: '==', value: closed}", "  - &a [*a]", "  - *b",
                              "    when: {not: {not: {all: []}}}", "\t- x", "key: [", "'", "- ? x", "!!python/name:x",
                              "  c: {fact: account.status, op: '>=', value: 1e999}"]), max_size=12)
    .map("\n".join),
)


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None, suppress_health_check=list(HealthCheck))
@given(yaml_texts)
def test_any_rule_file_is_checked_without_an_exception(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("rules")
    for f in RULES.iterdir():
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "fuzz.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = check_rules(folder)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1 and "\n" not in problem.format()
    assert Path(folder).is_dir()


@pytest.fixture(scope="module")
def processor():
    pytest.importorskip("durable_rules_engine", reason="the stream's lifecycle runs on durable_rules")
    return StreamProcessor(load_policy(FIXTURE_RULES))  # the fixture policy's own stream


events = st.fixed_dictionaries({"account_id": st.one_of(st.sampled_from(["P-1", "P-2"]), st.text(max_size=5)),
                                "type": st.sampled_from(["account.snapshot", "balance.updated", "link.clicked",
                                                         "account.closed", "contract.expired", "nope"]),
                                "payload": values})


@FUZZ
@given(st.one_of(st.binary(max_size=200), events.map(lambda e: json.dumps(e).encode())))
def test_any_stream_line_is_taken_or_refused(processor, line):
    try:
        outputs = processor.feed(line, 1)
    except StreamError as exc:
        assert str(exc).startswith("line 1")
        return
    for output in outputs:
        json.dumps(output.to_dict())
