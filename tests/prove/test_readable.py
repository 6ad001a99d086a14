"""A counterexample shown to people is one they can read: the same answer, its lists short, its optional values
left out, its values those the schema's ``examples`` give, or round ones near the examples' clock."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import z3

from closure_policy import limits
from closure_policy.cli.main import main
from closure_policy.prove import solve as solving
from closure_policy.scalars import to_instant

from .conftest import properties

PENDING_ALLOWS = {"name": "pending funds allow", "query": "gate",
                  "assume": {"fact": "balance.pending", "op": ">", "value": 0}, "expect": {"outcome": "allow"}}
SIGNED_ONCE = {"name": "no two contracts", "query": "gate",
               "assume": {"count": {"in": "contracts", "as": "c", "op": ">=", "value": 2,
                                    "where": {"fact": "c.status", "op": "==", "value": "active"}}},
               "expect": {"outcome": "allow"}}


def _with_examples(rules: Path) -> None:
    """The fixture's facts schema with examples, as a policy author gives them."""
    path = rules / "facts.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["as_of"]["examples"] = ["2026-11-27T10:00:00+08:00"]
    schema["properties"]["account"]["properties"]["id"]["examples"] = ["P-3003"]
    schema["properties"]["contracts"]["items"]["properties"]["id"]["examples"] = ["C-9"]
    schema["properties"]["balance"]["properties"]["manual_payout_fee"]["examples"] = ["1.50"]
    path.write_text(json.dumps(schema), encoding="utf-8")


def _counterexample(capsys, rules: Path, tmp_path: Path, prop: dict) -> dict:
    assert main(["prove", "--format", "json", "--no-builtins", str(properties(tmp_path, [prop])),
                 "--rules", str(rules)]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result["status"] == "counterexample"  # and, as every answer, confirmed by the engine
    return dict(result["counterexample"])


def test_a_counterexample_takes_the_schemas_examples_where_the_property_lets_it(capsys, rules, tmp_path):
    _with_examples(rules)
    facts = _counterexample(capsys, rules, tmp_path, PENDING_ALLOWS)
    assert to_instant(facts["as_of"]).utc == to_instant("2026-11-27T10:00:00+08:00").utc
    assert facts["account"]["id"] == "P-3003"  # not a word of the rules ("active", "UTC") nor a made-up one
    assert facts["balance"]["manual_payout_fee"] == "1.5"
    assert Decimal(facts["balance"]["pending"]) == Decimal(facts["balance"]["pending"]).to_integral_value() > 0
    assert facts["contracts"] == [] and facts["users"] == []  # no list longer than the property needs
    assert "closed_at" not in facts["account"]  # an optional value left out rather than set (or null)


def test_items_beside_an_example_are_numbered_from_it(capsys, rules, tmp_path):
    _with_examples(rules)
    facts = _counterexample(capsys, rules, tmp_path, SIGNED_ONCE)
    assert [c["id"] for c in facts["contracts"]] == ["C-9", "C-10"]  # two, as the property needs, told apart


def test_without_examples_values_are_round(capsys, rules, tmp_path):
    facts = _counterexample(capsys, rules, tmp_path, PENDING_ALLOWS)
    for value in facts["balance"].values():
        if not isinstance(value, str) or value.isalpha():
            continue
        assert Decimal(value) == Decimal(value).to_integral_value()  # no 10**-38
    stamps = [facts["as_of"]] + [s for s in (facts["account"].get("closed_at"),) if s]
    assert all(to_instant(s).utc.microsecond == 0 for s in stamps)


def test_a_preference_that_would_change_the_answer_is_not_kept():
    x, y = z3.Ints("x y")
    answer = solving.solve([x > 10, y == x + 1], prefer=lambda: [[x == 3, x == 11], [y == 100], [y < 50]])
    assert answer.status == solving.SAT
    assert (answer.model[x].as_long(), answer.model[y].as_long()) == (11, 12)  # x's second choice; y follows


def test_readability_stops_at_its_time_limit(monkeypatch):
    x = z3.Int("x")
    monkeypatch.setattr(limits, "PROVE_READABLE_SECONDS", 0.0)
    answer = solving.solve([x > 10], prefer=lambda: [[x == 11]])
    assert answer.status == solving.SAT and answer.model.eval(x, model_completion=True).as_long() > 10
    monkeypatch.setattr(limits, "PROVE_READABLE_SECONDS", 5.0)
    assert solving.solve([x > 10], prefer=lambda: [[x == 12]]).model[x].as_long() == 12


def test_a_proof_never_makes_its_preferences(monkeypatch, tmp_path):
    from closure_policy.prove import concrete

    def refused(*args: object) -> None:
        raise AssertionError("preferences made for a proof")

    monkeypatch.setattr(concrete, "readable", refused)
    proved = {**PENDING_ALLOWS, "expect": {"outcome": "deny"}}
    from tests.conftest import FIXTURE_RULES

    assert main(["prove", "--no-builtins", str(properties(tmp_path, [proved])), "--rules", str(FIXTURE_RULES)]) == 0
