"""A policy of 20,000 rules in one query, as an author would split it (files of 1,000): what ``check``
accepts, every command runs. The one place the generated-size tests run (about a minute on 2 cores).

Before the rule index and the outlined code, ``check`` accepted 3,000 rules in one query and ``load_policy``
died of CPython's compiler limits (``RecursionError``). Speed is measured in ``benchmarks/bench_scale.py``;
here, only that everything works and decides alike.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from closure_policy import check_rules, load_policy
from closure_policy.cli.main import main
from closure_policy.compile.index import build_index
from closure_policy.reloader import Reloader
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_policy  # noqa: E402

RULES = 20_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scale_policy.write_policy(tmp_path_factory.mktemp("scale") / "rules", RULES)


@pytest.fixture(scope="module")
def policy(folder: Path):
    return load_policy(folder)


def test_check_accepts_it_with_no_problem(folder, capsys):
    assert main(["check", str(folder)]) == 0
    assert f"{RULES} rules in 1 query, no problems" in capsys.readouterr().err


def test_it_compiles_and_decides_alike_with_and_without_the_index(folder, policy):
    unindexed = load_policy(folder, index=False)
    floor = scale_policy.handwritten(RULES)
    fired = 0
    for facts in scale_policy.documents(12):
        decision = policy.decide("screen", facts)
        assert decision == unindexed.decide("screen", facts)
        assert sorted(decision.rule_ids) == floor(facts)  # the same rules, written by hand in Python
        fired += len(decision.rule_ids)
    assert fired > 0


def test_a_decision_looks_up_few_of_the_rules(policy):
    index = build_index(policy.compilation.queries["screen"])
    assert len(index.always) < RULES / 5  # the shape no equality can look up: one rule in six
    assert max(len(b) for buckets in index.buckets.values() for b in buckets.values()) < RULES / 5


def test_an_explained_decision_reports_every_rule(policy):
    decision = policy.decide("screen", scale_policy.documents(1)[0], explain=True)
    assert decision.trace is not None and len(decision.trace) == RULES
    skipped = [r for r in decision.trace if r.get("index", "").startswith("skipped")]
    assert skipped and not any(r["fired"] for r in skipped)


def test_a_reload_after_one_edit_compiles_that_rule_alone(folder, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(folder, copy)
    loader = Reloader(copy)
    before = loader.load()
    misses = loader.cache.misses
    path = copy / "rules_0007.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"op": ">"', '"op": "<="', 1), encoding="utf-8")
    after = loader.load()
    assert loader.cache.misses - misses == 1
    assert after.revision != before.revision and after.revision == load_policy(copy).revision


def test_a_quantifier_nested_past_the_limit_is_a_check_problem_not_a_crash(tmp_path):
    from closure_policy import limits

    folder = scale_policy.write_policy(tmp_path / "rules", 2)
    when: dict = {"fact": "item0.amount", "op": ">", "value": 1}
    for i in range(limits.MAX_QUANTIFIER_DEPTH + 1):
        when = {"some": {"in": "items", "as": f"item{i}", "where": when}}
    text = ("rules:\n  - id: gen.deep\n    query: screen\n    source: {section: s, quote: q}\n"
            "    title: {en: t}\n    message: {en: m}\n    when: " + json.dumps(when) + "\n")
    (folder / "deep.yaml").write_text(text, encoding="utf-8")
    problems = check_rules(folder).problems
    assert [(Path(p.file).name, p.line, p.check) for p in problems] == [("deep.yaml", 7, "limit")]
    assert f"quantifiers nest more than {limits.MAX_QUANTIFIER_DEPTH} deep" in problems[0].message
