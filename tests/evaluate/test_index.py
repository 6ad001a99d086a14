"""The rule index: a decision evaluates only the rules that can fire, and decides as if it evaluated them all.

On the fixture policy (small: one function a query unless the index is asked
for) and on generated policies past ``INLINE_RULES`` (a function a rule,
indexed by default), every form of the code must give the same decision:
inline, outlined with the index, outlined without it, traced, and the rete
backend where it can run.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closure_policy import load_policy
from closure_policy.compile.index import Key, build_index
from closure_policy.evaluate.compiled.outline import INLINE_RULES
from tests.conftest import FIXTURE_RULES, ROOT, document

sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_policy  # noqa: E402  (the generator bench_scale.py times)

QUERIES = ("gate", "route")


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    """The fixture policy in one function a query, indexed in a function a rule, and unindexed so."""
    return {"inline": load_policy(FIXTURE_RULES, index=False), "indexed": load_policy(FIXTURE_RULES, index=True)}


def _entries(policy: Any, query: str) -> dict[str, str | None]:
    index = build_index(policy.compilation.queries[query])
    return {rule.id: (e.text if e is not None else None)
            for rule, e in zip(policy.compilation.queries[query].rules, index.entries, strict=True)}


def test_rules_are_filed_under_the_comparisons_they_need(forms):
    gate, route = _entries(forms["indexed"], "gate"), _entries(forms["indexed"], "route")
    assert route["route.dead"] == 'account.status == "closed"'  # inside all, through a named condition
    assert gate["gate.contracts"] == 'contracts[].status == "active"'  # a some's where, on the item's field
    assert gate["gate.open"] is None  # under not: the comparison holding does not make the rule fire
    assert gate["gate.no-pending"] is None  # an ordering is not looked up


def test_a_skipped_rule_is_reported_with_the_entry_and_the_value_seen(forms):
    decision = forms["indexed"].decide("route", document(), explain=True)
    dead = next(r for r in decision.trace if r["rule"] == "route.dead")
    assert not dead["fired"]
    assert dead["index"] == ('skipped by the index: account.status is "active"; '
                             'the rule needs account.status == "closed"')
    # The comparison the index tested counts as tested (coverage sees it false), with the value it saw.
    assert [(c["left"], c["right"], c["result"]) for c in dead["conditions"]] == [("active", "closed", False)]


def test_a_rule_the_index_selects_says_by_which_entry(forms):
    closed = document(account={"status": "closed", "closed_at": "2026-11-26T01:00:00Z"})
    decision = forms["indexed"].decide("route", closed, explain=True)
    dead = next(r for r in decision.trace if r["rule"] == "route.dead")
    assert dead["index"] == 'selected by the index: account.status == "closed"'
    assert dead["fired"] and decision.outcome == "dead"


@st.composite
def fixture_documents(draw: Any) -> dict[str, Any]:
    closed = draw(st.booleans())
    account = {"status": "closed", "closed_at": draw(st.sampled_from(
        ["2026-11-26T01:00:00Z", "2026-11-25T15:59:59Z", "2026-11-26T09:00:00Z"]))} if closed else {}
    contracts = draw(st.lists(st.fixed_dictionaries({"id": st.sampled_from(["C-1", "C-2", "C-3"]),
                                                     "status": st.sampled_from(["active", "expired"])}),
                              max_size=3, unique_by=lambda c: c["id"]))
    links = draw(st.lists(st.fixed_dictionaries({"id": st.sampled_from(["L-1", "L-2"]),
                                                 "status": st.sampled_from(["active", "disabled"])}),
                          max_size=2, unique_by=lambda c: c["id"]))
    return document(account=account, contracts=contracts, links=links,
                    balance={"pending": draw(st.sampled_from(["0", "1"]))})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=fixture_documents())
def test_every_form_of_the_fixture_policy_decides_alike(forms, facts):
    for query in QUERIES:
        inline = forms["inline"].decide(query, facts)
        indexed = forms["indexed"].decide(query, facts)
        traced = forms["indexed"].decide(query, facts, explain=True)
        assert indexed == inline
        assert (traced.outcome, traced.rule_ids, traced.effects) == (inline.outcome, inline.rule_ids, inline.effects)
        assert [r["rule"] for r in traced.trace] == [r.id for r in forms["indexed"].compilation.queries[
            query].rules]  # every rule, in the order written, skipped ones too


def test_the_rete_backend_agrees_with_the_index(forms):
    pytest.importorskip("durable_rules_engine")
    rete = load_policy(FIXTURE_RULES, backend="rete")
    closed = document(account={"status": "closed", "closed_at": "2026-11-26T01:00:00Z"},
                      contracts=[{"id": "C-1", "status": "active"}])
    for facts in (document(), closed):
        for query in QUERIES:
            assert rete.decide(query, facts) == forms["indexed"].decide(query, facts)


# --- generated policies past INLINE_RULES: outlined by default ------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = scale_policy.write_policy(tmp_path_factory.mktemp("generated") / "rules", 6 * INLINE_RULES, 100)
    return {"indexed": load_policy(folder), "unindexed": load_policy(folder, index=False)}


@st.composite
def generated_documents(draw: Any) -> dict[str, Any]:
    near = st.sampled_from([0, 999, 1000, 1001, 500_000, 999_999, 1_000_000])
    return {"txn": {"id": "T-1", "kind": draw(st.sampled_from(scale_policy.KINDS)),
                    **{f: draw(near) for f in scale_policy.FIELDS}},
            "items": draw(st.lists(st.fixed_dictionaries({"amount": near,
                                                          "category": st.sampled_from(scale_policy.CATEGORIES)}),
                                   max_size=6))}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=generated_documents())
def test_a_large_query_decides_alike_with_and_without_its_index(generated, facts):
    indexed, unindexed = generated["indexed"].decide("screen", facts), generated["unindexed"].decide("screen", facts)
    assert indexed == unindexed
    traced = generated["indexed"].decide("screen", facts, explain=True)
    assert traced.rule_ids == unindexed.rule_ids
    skipped = [r for r in traced.trace if r.get("index", "").startswith("skipped")]
    assert all(not r["fired"] for r in skipped)


def test_the_generated_query_is_indexed_on_kind_and_on_the_items_category(generated):
    index = build_index(generated["indexed"].compilation.queries["screen"])
    assert set(index.buckets) == {Key("txn.kind"), Key("items", ("category",), "item.category")}
    assert 0 < len(index.always) < len(index.entries) / 3  # the rules no equality can look up


def test_rules_of_one_shape_share_their_code(generated):
    source = generated["indexed"].source("screen")
    shapes = {block.split("\n", 1)[1] for block in source.split("def f(")[1:]}
    assert len(shapes) < 20 < INLINE_RULES * 6  # a handful of shapes for hundreds of rules


@pytest.mark.parametrize("index", [True, False])
def test_hostile_literals_are_data_in_an_indexed_rule(tmp_path, index):
    hostile = ["'); import os; os.system('false') #", 'a"b\nc', "\\", "{K0}", "__import__('os')", "L0"]
    folder = scale_policy.write_policy(tmp_path / "rules", 2)
    schema = json.loads((folder / "facts.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["txn"]["properties"]["kind"]["enum"] += hostile
    (folder / "facts.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    rules = "rules:\n" + "".join(
        f"  - id: gen.hostile{i}\n    query: screen\n    source: {{section: s, quote: q}}\n"
        f"    title: {{en: t}}\n    message: {{en: m}}\n"
        f"    when: {json.dumps({'fact': 'txn.kind', 'op': '==', 'value': v})}\n"
        for i, v in enumerate(hostile))
    (folder / "hostile.yaml").write_text(rules, encoding="utf-8")
    policy = load_policy(folder, index=index)
    for i, value in enumerate(hostile):
        facts = scale_policy.documents(1)[0]
        facts["txn"]["kind"] = value
        fired = [r for r in policy.decide("screen", facts).rule_ids if r.startswith("gen.hostile")]
        assert fired == [f"gen.hostile{i}"]


def test_a_policy_over_inline_rules_has_no_index_unless_asked(forms):
    assert "def f(" not in forms["inline"].source("gate")
    assert "def f(" in forms["indexed"].source("gate")
