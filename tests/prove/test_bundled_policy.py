"""``prove --equivalent`` over the bundled policy, whatever its rules say: a reformatted copy decides every
query alike, and for every query some slip of its rules is told apart by a document the engine confirms."""
from __future__ import annotations

import yaml

from closure_policy import load_policy
from closure_policy.compile import compile_policy
from closure_policy.policy import Policy
from closure_policy.prove.prover import COUNTEREXAMPLE, PROVED, Prover
from closure_policy.resources import rules_dir
from closure_policy.tester.mutate import apply, mutants
from tests.conftest import copy_policy

BUNDLED = load_policy(rules_dir())
DECIDING = sorted(name for name, q in BUNDLED.queries.items() if any(r.emit is None for r in q.rules))


def test_the_bundled_rules_written_another_way_decide_every_query_alike(tmp_path):
    copy = copy_policy(rules_dir(), tmp_path / "rules")
    for path in copy.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(data, default_flow_style=True, allow_unicode=True, width=60), encoding="utf-8")
    reformatted = load_policy(copy)
    prover = Prover(reformatted, base=BUNDLED)
    assert {q: prover.equivalent(q).status for q in BUNDLED.queries} == {q: PROVED for q in BUNDLED.queries}


def test_every_deciding_query_tells_some_mutant_of_its_rules_apart():
    told: dict[str, str] = {}
    for mutant in mutants(BUNDLED):
        compilation = compile_policy(BUNDLED.directory, strict=False,
                                     sources=apply(BUNDLED.compilation.sources, mutant))
        if compilation.problems:
            continue
        prover = Prover(Policy(compilation), base=BUNDLED)  # each answer is checked by the engine, both revisions
        for query in DECIDING:
            if query not in told and prover.equivalent(query).status == COUNTEREXAMPLE:
                told[query] = mutant.format("told apart")
        if len(told) == len(DECIDING):
            break
    assert sorted(told) == DECIDING, told
