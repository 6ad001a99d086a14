"""A copy of the fixture policy laid out as a project: rules/, tests/policy/ and tests/properties/."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import BASE, FIXTURE_RULES, copy_policy

SUITE = """rules: ../../rules
fixtures:
  ready: {file: ready.json}
cases:
  - name: ready
    query: gate
    base: ready
    expect: {outcome: allow, violations_exclude: [gate.fee]}
  - name: pending
    query: gate
    base: ready
    patch: {balance: {pending: "1"}}
    expect: {violations_include: [gate.no-pending]}
"""
PROPERTIES = """- name: pending denies
  query: gate
  assume: {fact: balance.pending, op: ">", value: 0}
  expect: {outcome: deny}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy_policy(FIXTURE_RULES, tmp_path / "rules")
    suites = tmp_path / "tests" / "policy"
    suites.mkdir(parents=True)
    (suites / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    (suites / "gate.yaml").write_text(SUITE, encoding="utf-8")
    (tmp_path / "tests" / "properties").mkdir()
    (tmp_path / "tests" / "properties" / "gate.yaml").write_text(PROPERTIES, encoding="utf-8")
    return tmp_path
