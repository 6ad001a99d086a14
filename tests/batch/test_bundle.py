"""A policy shipped to workers as contents: its rule files and its facts schema, wherever the policy names it."""
from __future__ import annotations

import shutil
from pathlib import Path

from closure_policy import load_policy
from closure_policy.batch import bundle as bundles
from closure_policy.batch.bundle import PolicyBundle
from tests.conftest import BASE, FIXTURE_RULES


def _policy_two_levels_below_its_schema(root: Path) -> Path:
    rules = root / "policies" / "fixture" / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    (root / "schemas").mkdir()
    (rules / "facts.schema.json").rename(root / "schemas" / "facts.schema.json")
    policy = rules / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "facts_schema: facts.schema.json", "facts_schema: ../../../schemas/facts.schema.json"), encoding="utf-8")
    return rules


def test_a_worker_rebuilds_the_policy_from_contents_alone(tmp_path, monkeypatch):
    rules = _policy_two_levels_below_its_schema(tmp_path)
    shipped = PolicyBundle.of(str(rules))
    assert shipped.facts_schema[0] == "../../../schemas/facts.schema.json"
    monkeypatch.setattr(bundles, "_loaded", {})  # as in a fresh worker process: nothing compiled yet
    shutil.rmtree(tmp_path / "schemas")  # and nothing of the client's disk to read
    worker = shipped.load()
    assert worker.revision == load_policy(FIXTURE_RULES).revision  # the same contents: the same policy
    assert worker.decide("gate", BASE).outcome == "allow"


def test_the_schema_is_part_of_what_is_shipped(tmp_path):
    rules = _policy_two_levels_below_its_schema(tmp_path)
    before = PolicyBundle.of(str(rules)).digest
    schema = tmp_path / "schemas" / "facts.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("The fixture policy's facts", "Changed", 1),
                      encoding="utf-8")
    assert PolicyBundle.of(str(rules)).digest != before
