"""The corpus generator: documents varied from a suite's cases, valid, distinct, the same for a seed."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from closure_policy.batch.arrow import from_row
from closure_policy.batch.sample import Sampler, case_facts
from closure_policy.cli.main import main
from closure_policy.errors import ClosurePolicyError
from tests.conftest import FIXTURE_RULES, document


def _suite(folder: Path) -> Path:
    """A suite of the fixture policy: an account that passes, and one with an active contract and a ticket."""
    deny = document(contracts=[{"id": "C-1", "status": "active"}, {"id": "C-2", "status": "expired"}],
                    support_tickets=[{"id": "T-1", "type": "close_account", "status": "open",
                                      "account_ids": ["P-1", "M-2"]}])
    cases = [{"name": "passes", "query": "gate", "facts": document(), "expect": {"outcome": "allow"}},
             {"name": "active contract", "query": "gate", "facts": deny, "expect": {"outcome": "deny"}},
             {"name": "another query", "query": "route", "facts": document(), "expect": {"outcome": "go"}}]
    path = folder / "gate.yaml"
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture
def seeds(fixture_policy, tmp_path):
    return case_facts(fixture_policy, "gate", [_suite(tmp_path)])


def test_only_the_querys_cases_seed_the_corpus(seeds):
    assert len(seeds) == 2


def test_every_document_is_valid_distinct_and_keeps_its_references(fixture_policy, seeds):
    sampler = Sampler(fixture_policy, seeds, {"contracts": 20}, seed=5)
    documents = list(sampler.take(300))
    for row, facts in enumerate(documents):
        fixture_policy.validate(facts)  # raises on an invalid document
        assert facts["account"]["id"] == f"P-1-{row}"
        for ticket in facts["support_tickets"]:  # the renamed subject is renamed where it is listed
            assert ticket["account_ids"] == [f"P-1-{row}", "M-2"]
    grown = [len(d["contracts"]) for d in documents if len(d["contracts"]) > 2]
    assert 17 <= statistics.mean(grown) <= 23  # about the size asked for
    outcomes = {fixture_policy.decide("gate", d).outcome for d in documents}
    assert outcomes == {"allow", "deny"}


def test_the_same_seed_gives_the_same_corpus(fixture_policy, seeds):
    def corpus(seed: int) -> list:
        return list(Sampler(fixture_policy, seeds, {"contracts": 5}, seed=seed).take(50))

    assert corpus(1) == corpus(1) != corpus(2)


def test_only_lists_of_unique_items_can_grow(fixture_policy, seeds):
    with pytest.raises(ClosurePolicyError, match="not a list of unique items"):
        Sampler(fixture_policy, seeds, {"balance": 3})


def test_a_query_with_no_case_is_refused(fixture_policy, tmp_path):
    (tmp_path / "empty.yaml").write_text(json.dumps({"cases": [
        {"name": "x", "query": "route", "facts": document(), "expect": {"outcome": "go"}}]}))
    with pytest.raises(ClosurePolicyError, match="no case of query 'gate'"):
        case_facts(fixture_policy, "gate", [tmp_path / "empty.yaml"])


def test_the_command_writes_the_same_documents_as_json_lines_and_parquet(tmp_path):
    suite = _suite(tmp_path)
    for name in ("c.jsonl", "c.parquet"):
        assert main(["sample", "-q", "gate", "-n", "40", "-o", str(tmp_path / name), "--seed", "3",
                     "--items", "contracts=4", "--rules", str(FIXTURE_RULES), "--suites", str(suite)]) == 0
    lines = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    rows = [from_row(row) for row in pq.read_table(tmp_path / "c.parquet").to_pylist()]
    assert len(lines) == 40 and rows == [_without_nulls(d) for d in lines]


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return [_without_nulls(v) for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("args,message", [(["--items", "contracts"], "write LIST=N"),
                                          (["-o", "x.csv"], "name a .jsonl or .parquet file"),
                                          (["-n", "-1"], "--count/-n: '-1': give a whole number of 0 or more")])
def test_a_mistake_is_exit_2(tmp_path, capsys, args, message):
    argv = ["sample", "-q", "gate", "-n", "1", "-o", str(tmp_path / "c.jsonl"), "--rules", str(FIXTURE_RULES),
            "--suites", str(_suite(tmp_path)), *args]
    assert main(argv) == 2 and message in capsys.readouterr().err
