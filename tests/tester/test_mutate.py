"""``closure-policy test --mutate``: the fixture policy mutated, judged by small suites of the test's own."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main
from closure_policy.tester import mutate
from closure_policy.tester.session import collect
from tests.conftest import BASE, FIXTURE_RULES

ALLOW = "  - {name: all clear, query: gate, base: ready, expect: {outcome: allow}}\n"
PENDING = ("  - name: pending\n    query: gate\n    base: ready\n    patch: {balance: {pending: \"0.01\"}}\n"
           "    expect: {outcome: deny, violations: [gate.no-pending]}\n")


def _suite(folder: Path, cases: str) -> str:
    (folder / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_text(f"fixtures:\n  ready: {{file: ready.json}}\ncases:\n{cases}", encoding="utf-8")
    return str(path)


def _position(file: Path, text: str) -> tuple[int, int]:
    source = file.read_text(encoding="utf-8")
    at = source.index(text)
    return source.count("\n", 0, at) + 1, at - (source.rfind("\n", 0, at) + 1) + 1


@pytest.fixture(scope="module")
def policy():
    return load_policy(FIXTURE_RULES)


def test_every_comparison_of_every_rule_has_mutants(policy):
    found = mutate.mutants(policy)
    comparisons = {(s.name, path) for s in policy.compilation.sources for path, node, _ in mutate._walk(s.data)
                   if isinstance(node, dict) and "op" in node and "fact" in node and path[:1] != ("stream",)}
    assert comparisons and all(any(m.file == f and m.path == p for m in found) for f, p in comparisons)
    kinds = {m.description.split(" ")[-1] if "->" not in m.description else "->" for m in found}
    assert {"->", "negated", "dropped"} <= kinds


def test_a_weak_suite_leaves_survivors_where_they_are_written(policy, tmp_path):
    cases, problems = collect([_suite(tmp_path, PENDING)], policy)  # 0.01 pending: no case at the boundary
    assert not problems
    results = mutate.run(policy, cases, workers=1)
    survivors = [r.mutant for r in results if r.status == "survived"]
    line, col = _position(FIXTURE_RULES / "gate.yaml", '">", value: 0}')
    boundary = next(m for m in survivors if m.description == "> -> >=" and m.line == line)
    assert boundary.file.endswith("gate.yaml") and boundary.column == col  # where the operator is written
    assert boundary.format().endswith(f"gate.yaml:{line}:{col}: > -> >= (survived)")
    assert 0 < mutate.score(results) < 100


def test_a_case_at_the_boundary_kills_the_boundary_mutant(policy, tmp_path):
    weak, _ = collect([_suite(tmp_path, PENDING)], policy)
    strong, _ = collect([_suite(tmp_path, ALLOW + PENDING)], policy)  # 0 pending: at the boundary
    line, _ = _position(FIXTURE_RULES / "gate.yaml", '">", value: 0}')

    def survived(cases: list) -> set[str]:
        return {f"{r.mutant.line}:{r.mutant.description}" for r in mutate.run(policy, cases, workers=1)
                if r.status == "survived"}

    assert f"{line}:> -> >=" in survived(weak) and f"{line}:> -> >=" not in survived(strong)
    assert survived(strong) < survived(weak)


def test_parallel_and_serial_runs_agree(policy, tmp_path):
    cases, _ = collect([_suite(tmp_path, ALLOW + PENDING)], policy)

    def verdicts(workers):
        return [(r.mutant, r.status) for r in mutate.run(policy, cases, workers=workers)]
    assert verdicts(1) == verdicts(2)


def test_a_mutant_past_the_time_limit_counts_as_killed(policy, tmp_path):
    cases, _ = collect([_suite(tmp_path, ALLOW)], policy)
    results = mutate.run(policy, cases, workers=1, seconds=1e-6)
    assert results and all(r.status == "timeout" for r in results)
    assert mutate.score(results) == 100.0 and "timed out: counted as killed" in mutate.report(results)


def test_the_command_lists_survivors_and_fails_under_the_score(tmp_path, capsys):
    suite = _suite(tmp_path, ALLOW)
    assert main(["test", "--mutate", suite, "--rules", str(FIXTURE_RULES), "-j", "1"]) == 1
    captured = capsys.readouterr()
    assert "(survived)" in captured.out and "score " in captured.out.splitlines()[-1]
    assert "mutation score" in captured.err and "is below 100%" in captured.err
    assert main(["test", "--mutate", suite, "--rules", str(FIXTURE_RULES), "-j", "1", "--fail-under", "0"]) == 0


def test_the_stream_declaration_has_mutants_of_its_own(policy):
    found = {(m.path[:3], m.description) for m in mutate.mutants(policy) if m.path[:1] == ("stream",)}
    descriptions = {d for _, d in found}
    assert {"start blocked -> clear", "to clear -> blocked", "from blocked dropped", "keep links dropped",
            "set status 'expired' -> 'active'", "set account.status 'closed' -> 'active'"} <= descriptions
    assert any(d == "== -> !=" for p, d in found if p == ("stream", "lifecycle", "transitions"))  # conditions too


def test_a_stream_mutant_is_killed_by_a_stream_case_and_survives_without_one(policy, tmp_path):
    closing = ("  - name: closing\n    base: ready\n    events:\n"
               "      - {type: account.closed, payload: {closed_at: \"2026-11-26T09:30:00Z\"}}\n"
               "    expect: {state: closed, facts: {account: {status: closed}}}\n")
    cases, _ = collect([_suite(tmp_path, ALLOW + closing)], policy)
    results = {r.mutant.description: r.status for r in mutate.run(policy, cases, workers=1)}
    assert results["set account.status 'closed' -> 'active'"] == "killed"
    cases, _ = collect([_suite(tmp_path, ALLOW)], policy)
    results = {r.mutant.description: r.status for r in mutate.run(policy, cases, workers=1)}
    assert results["set account.status 'closed' -> 'active'"] == "survived"


def test_a_mutant_marked_equivalent_on_its_line_is_listed_not_judged(tmp_path):
    rules = tmp_path / "rules"
    import shutil

    shutil.copytree(FIXTURE_RULES, rules)
    stream = rules / "stream.yaml"
    text = stream.read_text(encoding="utf-8")
    marked_line = "    start: blocked  # mutate: equivalent: start blocked -> clear\n"
    stream.write_text(text.replace("    start: blocked\n", marked_line), encoding="utf-8")
    marked = load_policy(rules)
    cases, _ = collect([_suite(tmp_path, ALLOW)], marked)
    results = mutate.run(marked, cases, workers=1)
    status = {r.mutant.description: r.status for r in results}
    assert status["start blocked -> clear"] == "equivalent"
    assert status["start blocked -> closed"] != "equivalent"  # only the mutant named, not its line
    text = mutate.report(results)
    assert "start blocked -> clear (equivalent, as marked: not judged)" in text and "1 marked equivalent" in text


def test_mutants_are_judged_alike_through_the_rule_index(policy, tmp_path, monkeypatch):
    """Every query outlined and indexed (as a large one is): a mutant of an indexed comparison moves its rule
    to another entry of the index, and each mutant still gets the verdict of the one-function code."""
    from closure_policy.compile.index import build_index
    from closure_policy.evaluate.compiled import outline

    cases, _ = collect([_suite(tmp_path, ALLOW + PENDING)], policy)
    inline = [(r.mutant, r.status) for r in mutate.run(policy, cases, workers=1)]
    monkeypatch.setattr(outline, "INLINE_RULES", 0)
    indexed = [(r.mutant, r.status) for r in mutate.run(policy, cases, workers=1)]
    assert indexed == inline
    entries = [e for q in policy.compilation.queries.values() for e in build_index(q).entries if e is not None]
    leaves = {e.leaf.at for e in entries}
    assert any(f"{m.file}:{m.line}:" in " ".join(leaves) for m, _ in indexed)  # indexed comparisons were mutated
