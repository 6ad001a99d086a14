"""The evaluation trace as a person reads it: a comparison under `not` says so, and an `in` list reads
as written, on both backends."""
from __future__ import annotations

import pytest

from closure_policy import load_policy
from closure_policy.trace import render

from ..conftest import FIXTURE_RULES, changed_rules, document

BACKENDS = ["compiled", "rete"]


def _gate_open(trace: list[dict]) -> dict:
    [entry] = [t for t in trace if t["rule"] == "gate.open"]
    return entry


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_comparison_under_not_is_marked_and_read_as_the_rule_reads_it(backend):
    policy = load_policy(FIXTURE_RULES, backend=backend)
    trace = policy.decide("gate", document(), explain=True).to_dict()["trace"]
    [comparison] = _gate_open(trace)["conditions"]
    assert comparison["result"] is True and comparison["negated"] is True  # status == active held...
    line = [x for x in render(trace) if "account.status" in x][0]
    assert line.lstrip().startswith('✓ account.status == "active"') and line.endswith("(inside not)")
    assert "did not fire" in [x for x in render(trace) if x.startswith("gate.open")][0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_comparison_outside_not_carries_no_mark(backend):
    policy = load_policy(FIXTURE_RULES, backend=backend)
    trace = policy.decide("gate", document(balance={"pending": "1"}), explain=True).to_dict()["trace"]
    [pending] = [t for t in trace if t["rule"] == "gate.no-pending"]
    assert "negated" not in pending["conditions"][0]
    line = [x for x in render(trace) if "balance.pending > 0" in x][0]
    assert line.lstrip().startswith("✓ balance.pending > 0") and "inside not" not in line


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_in_list_reads_as_written(tmp_path, backend):
    rules = changed_rules(tmp_path, "policy.yaml", 'op: "=="\n    value: active', "op: in\n    value: [closed, active]")
    policy = load_policy(rules, backend=backend)
    trace = policy.decide("gate", document(), explain=True).to_dict()["trace"]
    [comparison] = _gate_open(trace)["conditions"]
    assert comparison["right"] == ["closed", "active"]  # not sorted: as the rule file has it
    assert comparison["condition"] == 'account.status in ["closed", "active"]'
