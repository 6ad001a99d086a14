"""``closure-policy prove`` over the fixture policy: proofs, counterexamples the engine confirms, exit codes."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from closure_policy import load_policy
from closure_policy.cli.main import main
from closure_policy.scalars import to_instant
from tests.conftest import FIXTURE_RULES

from .conftest import edit, properties

PENDING_DENIES = {"name": "pending funds deny", "query": "gate",
                  "assume": {"fact": "balance.pending", "op": ">", "value": 0},
                  "expect": {"outcome": "deny", "violations_include": ["gate.no-pending"]}}
FEE_EDGE = {"name": "a balance equal to the fee is not enough", "query": "gate",
            "assume": {"fact": "balance.available", "op": "==", "value_of": "balance.manual_payout_fee"},
            "expect": {"violations_include": ["gate.fee"]}}


def _prove(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["prove", "--format", "json", "--no-builtins", *args])
    return code, json.loads(capsys.readouterr().out)


def _confirmed(rules: Path, query: str, facts: dict) -> tuple[str, set[str]]:
    policy = load_policy(rules)
    policy.validate(facts)  # valid against the facts schema, or InvalidFacts
    decision = policy.decide(query, facts)
    return decision.outcome, {v.rule for v in decision.violations}


def test_a_true_property_is_proved_and_exit_is_0(capsys, tmp_path):
    path = properties(tmp_path, [PENDING_DENIES, FEE_EDGE])
    code, results = _prove(capsys, str(path), "--rules", str(FIXTURE_RULES))
    assert code == 0
    assert results == [{"property": p["name"], "query": "gate", "status": "proved", "counterexample": None}
                       for p in (PENDING_DENIES, FEE_EDGE)]


def test_a_mutated_comparison_gives_a_valid_counterexample_the_engine_confirms(capsys, tmp_path, rules):
    edit(rules, "gate.yaml", 'op: "<=", value_of: balance.manual_payout_fee',
         'op: "<", value_of: balance.manual_payout_fee')
    code, results = _prove(capsys, str(properties(tmp_path, [FEE_EDGE])), "--rules", str(rules))
    assert code == 1 and results[0]["status"] == "counterexample"
    facts = results[0]["counterexample"]
    balance = facts["balance"]
    assert Decimal(balance["available"]) == Decimal(balance["manual_payout_fee"])  # exactly on the edge
    assert "gate.fee" not in _confirmed(rules, "gate", facts)[1]


def test_a_counterexample_is_printed_ready_to_paste_into_a_case(capsys, tmp_path):
    wrong = {**PENDING_DENIES, "name": "pending funds allow", "expect": {"outcome": "allow"}}
    assert main(["prove", "--no-builtins", str(properties(tmp_path, [wrong])), "--rules", str(FIXTURE_RULES)]) == 1
    out = capsys.readouterr().out
    head, _, case = out.partition("\n")
    assert head == "gate: pending funds allow: counterexample"
    import yaml

    pasted = yaml.safe_load("\n".join(line[4:] for line in case.splitlines()))
    assert pasted[0]["name"] == "counterexample: pending funds allow" and pasted[0]["query"] == "gate"
    assert _confirmed(FIXTURE_RULES, "gate", pasted[0]["facts"])[0] == "deny"
    assert Decimal(pasted[0]["facts"]["balance"]["pending"]) > 0


def test_a_same_day_counterexample_takes_a_real_zone_and_the_engine_confirms_it(capsys, tmp_path):
    """Earlier as an instant is not an earlier day: the prover finds both on one local day, in a real zone."""
    claim = {"name": "an action before closing is never dead", "query": "route",
             "assume": {"all": [{"fact": "account.status", "op": "==", "value": "closed"},
                                {"fact": "action.occurred_at", "op": "<", "value_of": "account.closed_at"}]},
             "expect": {"violations_exclude": ["route.day"]}}
    code, results = _prove(capsys, str(properties(tmp_path, [claim])), "--rules", str(FIXTURE_RULES))
    assert code == 1
    facts = results[0]["counterexample"]
    zone = facts["account"]["timezone"]
    acted, closed = to_instant(facts["action"]["occurred_at"]), to_instant(facts["account"]["closed_at"])
    assert acted < closed and acted.day_in(zone) == closed.day_in(zone)
    assert _confirmed(FIXTURE_RULES, "route", facts)[1] == {"route.day"}


def test_builtins_find_a_rule_made_unreachable(capsys, rules):
    edit(rules, "gate.yaml", 'when: {fact: balance.pending, op: ">", value: 0}',
         'when: {all: [{fact: balance.pending, op: ">", value: 0}, {fact: balance.pending, op: "<", value: 0}]}')
    (rules.parent / "tests" / "properties").mkdir(parents=True)
    properties(rules.parent / "tests" / "properties", [FEE_EDGE])
    assert main(["prove", "--rules", str(rules), "--format", "json"]) == 1
    results = {r["property"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert results["gate.no-pending can fire"] == "unreachable"
    assert results["gate.no-pending can hold"] == "proved"
    assert results["outcome lost is reached"] == "proved" and results[FEE_EDGE["name"]] == "proved"
    assert [name for name, status in results.items() if status != "proved"] == ["gate.no-pending can fire"]


def test_two_revisions_are_equivalent_until_one_comparison_changes(capsys, tmp_path, rules):
    import yaml

    for path in rules.glob("*.yaml"):  # the same rules, written another way
        path.write_text(yaml.safe_dump(yaml.safe_load(path.read_text(encoding="utf-8")), default_flow_style=True,
                                       allow_unicode=True, width=70), encoding="utf-8")
    args = ["prove", "--equivalent", "--base-rules", str(FIXTURE_RULES), "--rules", str(rules), "-q", "gate",
            "--format", "json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "proved"
    text = (rules / "gate.yaml").read_text(encoding="utf-8")
    (rules / "gate.yaml").write_text(text.replace("op: '>', value: 0}", "op: '>=', value: 0}", 1), encoding="utf-8")
    assert main(args) == 1
    found = json.loads(capsys.readouterr().out)[0]
    assert found["status"] == "counterexample"
    assert _confirmed(rules, "gate", found["counterexample"]) != _confirmed(FIXTURE_RULES, "gate",
                                                                           found["counterexample"])


def test_a_disagreement_between_model_and_engine_is_loud(capsys, tmp_path, monkeypatch):
    from closure_policy.policy import Policy

    real = Policy.decide

    def lying(self, query, facts, *args, **kwargs):
        decision = real(self, query, facts, *args, **kwargs)
        object.__setattr__(decision, "outcome", "allow" if decision.outcome == "deny" else "deny")
        return decision

    monkeypatch.setattr(Policy, "decide", lying)
    wrong = {**PENDING_DENIES, "expect": {"outcome": "allow"}}
    assert main(["prove", "--no-builtins", str(properties(tmp_path, [wrong])), "--rules", str(FIXTURE_RULES)]) == 3
    err = capsys.readouterr().err
    assert "the model and the engine disagree" in err and "the engine ('allow'" in err


def test_bad_input_is_exit_2_at_its_place(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- name: x\n  query: gate\n  expect: {outcome: maybe, violations_include: [gate.nope]}\n"
                    "- name: y\n  query: nowhere\n  expect: {outcome: allow}\n- name: z\n  query: gate\n",
                    encoding="utf-8")
    assert main(["prove", str(path), "--rules", str(FIXTURE_RULES)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3:21: 'maybe' is not an outcome of gate (allow, deny) (unknown-outcome)" in err
    assert f"{path}:3:49: 'gate.nope' is not a rule of gate" in err
    assert f"{path}:5:10: unknown query 'nowhere'" in err
    assert f"{path}:7:3: 'expect' is required (schema)" in err
    assert main(["prove", str(path), "--rules", str(FIXTURE_RULES), "--max-items", "99"]) == 2
    assert "--max-items" in capsys.readouterr().err
    assert main(["prove", "--equivalent", "--rules", str(FIXTURE_RULES)]) == 2
    assert "--equivalent needs -q QUERY" in capsys.readouterr().err


def test_mutate_names_a_mutant_that_breaks_each_property_and_flags_one_none_breaks(capsys, tmp_path, rules):
    vacuous = {"name": "pending funds are pending", "query": "gate",
               "assume": {"fact": "balance.pending", "op": ">", "value": 0},
               "expect": {"outcome_not": "nothing"}}
    path = properties(tmp_path, [PENDING_DENIES, {**vacuous, "expect": {"violations_exclude": []}}])
    assert main(["prove", "--mutate", str(path), "--rules", str(rules)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("pending funds deny: broken by ") and "gate.yaml:" in out[0]
    assert out[1] == "pending funds are pending: no mutant breaks it: it holds whatever the rules say"
    assert main(["prove", "--mutate", str(properties(tmp_path, [PENDING_DENIES], "one.yaml")),
                 "--rules", str(rules)]) == 0


def test_a_counterexample_that_needs_a_zone_with_changing_offsets_is_unknown_not_invented(capsys, tmp_path):
    claim = {"name": "in Shanghai an action before closing is never dead", "query": "route",
             "assume": {"all": [{"fact": "account.status", "op": "==", "value": "closed"},
                                {"fact": "account.timezone", "op": "==", "value": "Asia/Shanghai"},
                                {"fact": "action.occurred_at", "op": "<", "value_of": "account.closed_at"}]},
             "expect": {"violations_exclude": ["route.day"]}}
    code, results = _prove(capsys, str(properties(tmp_path, [claim])), "--rules", str(FIXTURE_RULES))
    assert code == 1 and results[0]["status"] == "unknown" and results[0]["counterexample"] is None


def test_the_timeout_is_bounded(capsys, tmp_path):
    path = str(properties(tmp_path, [PENDING_DENIES]))
    for bad in ("0", "-1", "99999"):
        assert main(["prove", path, "--rules", str(FIXTURE_RULES), "--timeout", bad]) == 2
        assert "--timeout: give seconds above 0" in capsys.readouterr().err


def test_a_counterexample_shows_each_revisions_decision_and_a_case_ready_to_paste(capsys, rules):
    import yaml

    text = (rules / "gate.yaml").read_text(encoding="utf-8")
    (rules / "gate.yaml").write_text(text.replace('op: ">", value: 0}', 'op: ">=", value: 0}', 1), encoding="utf-8")
    assert main(["prove", "--equivalent", "--base-rules", str(FIXTURE_RULES), "--rules", str(rules), "-q",
                 "gate"]) == 1
    out = capsys.readouterr().out
    base_line = next(line for line in out.splitlines() if line.strip().startswith("# decided by base:"))
    new_line = next(line for line in out.splitlines() if line.strip().startswith("# decided by new:"))
    assert base_line.split(":", 1)[1] != new_line.split(":", 1)[1]
    [case] = yaml.safe_load("\n".join(line[4:] for line in out.splitlines()[1:]))  # the comments paste too
    decision = load_policy(rules).decide("gate", case["facts"])
    assert case["expect"] == {"outcome": decision.outcome, "violations": list(decision.rule_ids)}
