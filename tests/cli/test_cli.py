"""The CLI as a caller uses it, over the tests' fixture policy (``tests/fixture_rules``)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main
from tests.conftest import FIXTURE_RULES, ROOT, document

RULES = ["--rules", str(FIXTURE_RULES)]


@pytest.fixture
def facts_file(tmp_path: Path):
    def write(f, name="facts.json") -> str:
        path = tmp_path / name
        path.write_text(f if isinstance(f, str) else json.dumps(f), encoding="utf-8")
        return str(path)
    return write


def _position(path: Path, needle: str) -> tuple[int, int]:
    text = path.read_text(encoding="utf-8")
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def test_eval_json_prints_only_the_decision(capsys, facts_file):
    assert main(["eval", "--query", "gate", "--facts", facts_file(document()), *RULES]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "allow" and out["query"] == "gate"


def test_eval_text_is_the_checklist_in_step_order(capsys, facts_file):
    f = document(contracts=[{"id": "C-9", "status": "active"}])
    assert main(["eval", "-q", "gate", "-f", facts_file(f), "--format", "text", *RULES]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("[")] == ["[x] Funds", "[ ] Contracts"]
    assert "Contracts still active: C-9." in out and "✗ Every contract expired" in out


def test_eval_text_in_chinese(capsys, facts_file):
    f = document(balance={"pending": "3"})
    assert main(["eval", "-q", "gate", "-f", facts_file(f), "--format", "text", "--lang", "zh", *RULES]) == 0
    out = capsys.readouterr().out
    assert "[ ] 资金" in out and "3 待处理。" in out and "→ 请等待。" in out


def test_eval_reads_standard_input():
    f = document(account={"status": "closed", "closed_at": "2026-11-26T08:00:00Z"},
                 click={"link_id": "L-404", "clicked_at": "2027-01-01T00:00:00Z"},
                 action={"id": "A-1", "occurred_at": "2026-11-20T00:00:00Z"})
    proc = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "eval", "-q", "route", "-f", "-", *RULES],
                          input=json.dumps(f), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["outcome"], out["track"]) == ("lost", False)


def test_json_numbers_are_read_exactly(capsys, facts_file):
    text = json.dumps(document()).replace('"available": "10"', '"available": 9007199254740993.5')
    text = text.replace('"manual_payout_fee": "2.50"', '"manual_payout_fee": 9007199254740993.6')
    assert main(["eval", "-q", "gate", "-f", facts_file(text), *RULES]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in out["violations"]] == ["gate.fee"]


@pytest.mark.parametrize("text,pointer", [
    (json.dumps(document(balance={"available": "-1"})), "/balance/available"),
    (json.dumps(document(account={"closed_at": "2026-11-26T10:00:00", "status": "closed"})), "/account/closed_at"),
    (json.dumps({k: v for k, v in document().items() if k != "final_review"}), "/final_review"),
    (json.dumps(document(contracts=[{"id": "C-1", "status": "expird"}])), "/contracts/0/status"),
])
def test_invalid_facts_exit_2_with_the_pointer(capsys, facts_file, text, pointer):
    path = facts_file(text)
    assert main(["eval", "-q", "gate", "-f", path, *RULES]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}: {pointer}:" in captured.err


@pytest.mark.parametrize("text,message", [
    ('{"a": 1,}', "invalid JSON at line 1, column 9"),
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ('{"a": NaN}', "NaN is not a number"),
])
def test_malformed_json_exits_2(capsys, facts_file, text, message):
    assert main(["eval", "-q", "gate", "-f", facts_file(text), *RULES]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_unknown_query_and_language_exit_2(capsys, facts_file, tmp_path):
    assert main(["eval", "-q", "gate", "-f", str(tmp_path / "none.json"), *RULES]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["eval", "-q", "gaet", "-f", facts_file(document()), *RULES]) == 2
    assert 'unknown query "gaet"; the policy answers: gate, route' in capsys.readouterr().err
    assert main(["eval", "-q", "gate", "-f", facts_file(document()), "--lang", "fr", *RULES]) == 2
    assert 'unsupported language "fr"' in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    assert main(["eval", "--facts", "x.json"]) == 2
    assert "--query" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_eval_with_broken_rules_exits_2(capsys, facts_file, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    (rules / "extra.yaml").write_text("rules:\n  - id: x.y\n    query: nope\n", encoding="utf-8")
    assert main(["eval", "-q", "gate", "-f", facts_file(document()), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "extra.yaml:2:5: 'source' is required (schema)" in err


def test_explain_includes_the_trace(capsys, facts_file):
    assert main(["eval", "-q", "gate", "-f", facts_file(document(balance={"pending": "3"})), "--explain", *RULES]) == 0
    trace = json.loads(capsys.readouterr().out)["trace"]
    pending = next(t for t in trace if t["rule"] == "gate.no-pending")
    assert pending["fired"] is True
    assert pending["conditions"] == [{"at": pending["conditions"][0]["at"], "condition": "balance.pending > 0",
                                      "left": "3", "right": "0", "result": True}]
    line, col = _position(FIXTURE_RULES / "gate.yaml", "{fact: balance.pending, op:")
    assert pending["conditions"][0]["at"].endswith(f"gate.yaml:{line}:{col}")


def test_explain_in_text_shows_each_comparison_and_the_guards_of_outcome_choices(capsys, facts_file):
    closed = document(account={"status": "closed", "closed_at": "2026-11-20T00:00:00Z"},
                      click={"link_id": "L-9", "clicked_at": "2026-11-26T09:00:00Z"},
                      action={"id": "A-1", "occurred_at": "2026-11-19T09:00:00Z"})  # only route.dead fires
    assert main(["eval", "-q", "route", "-f", facts_file(closed), "--explain", "--format", "text", *RULES]) == 0
    out = capsys.readouterr().out
    text = out[out.index("Trace"):]
    line, col = _position(FIXTURE_RULES / "route.yaml", "{fact: link.id, op:")
    assert "route.dead (" in text and "): fired" in text
    assert '✓ click.clicked_at >= account.closed_at   ["2026-11-26T09:00:00+00:00" vs "2026-11-20T00:00:00+00:00"]' \
        in text
    # the outcome choice's guard, tested once the rule fired: no link L-9, so the click is "lost"
    guards = text[text.index("then (details, effects, remediation and outcome guards):"):]
    assert '✗ link.id == click.link_id   ["L-1" vs "L-9"]   ' in guards
    assert guards.split("\n")[1].endswith(f"route.yaml:{line}:{col}")


def test_check_clean_and_broken(capsys, tmp_path):
    assert main(["check", str(FIXTURE_RULES)]) == 0
    counted = sum(len(q.rules) for q in load_policy(FIXTURE_RULES).queries.values())
    assert f"{counted} rules in 2 queries, no problems" in capsys.readouterr().err
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    path = rules / "gate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("balance.pending, op", "balance.pendng, op"),
                    encoding="utf-8")
    assert main(["check", str(rules)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    line, col = _position(path, "balance.pendng")
    assert out[0].startswith(f"{path}:{line}:{col}: unknown fact path 'balance.pendng'")
    assert out[0].endswith("(unknown-fact)")


def test_the_bundled_rules_check_clean(capsys):
    assert main(["check", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["problems"] == [] and out["revision"].startswith("sha256:")


def test_internal_fault_exits_1(capsys, monkeypatch, facts_file):
    from closure_policy.cli.commands import eval as eval_cmd

    def boom(*args, **kwargs):
        raise RuntimeError("bug")
    monkeypatch.setattr(eval_cmd, "read_facts", boom)
    assert main(["eval", "-q", "gate", "-f", facts_file(document()), *RULES]) == 1
    assert "internal error" in capsys.readouterr().err


def test_explain_describes_the_rules_that_were_loaded(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    policy = load_policy(rules)
    # Editing the files after loading changes neither decisions nor their explanation.
    path = rules / "gate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('balance.pending, op: ">"', 'balance.pending, op: "<"'),
                    encoding="utf-8")
    d = policy.decide("gate", document(balance={"pending": "3"}), explain=True)
    assert d.rule_ids == ["gate.no-pending"]
    pending = next(t for t in d.trace if t["rule"] == "gate.no-pending")
    assert pending["conditions"][0]["condition"] == "balance.pending > 0"


def test_the_examples_are_decided(capsys):
    for example in sorted((ROOT / "examples").glob("*.json")):
        assert main(["eval", "-q", "close_account", "-f", str(example), "--format", "text"]) == 0, example
        assert "close_account" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "said"), [
    (["batch", "-q", "gate", "-i", "x.jsonl", "-o", "y.jsonl", "--workers", "-1"], "'-1': give a whole number of 1"),
    (["diff", "-q", "gate", "-i", "x.jsonl", "--base-rules", "rules", "--workers", "0"],
     "'0': give a whole number of 1"),
    (["serve", "--workers", "0"], "'0': give a whole number of 1"),
    (["serve", "--port", "70000"], "'70000': give a whole number from 0 to 65,535"),
    (["serve", "--max-body", "-5"], "'-5': give a whole number of 1"),
    (["serve", "--max-batch", "lots"], "'lots' is not a whole number"),
    (["serve", "--timeout", "nan"], "'nan': give a number of seconds above 0"),
    (["serve", "--timeout", "-1"], "'-1': give a number of seconds above 0"),
    (["test", "--mutate", "-j", "0"], "'0': give a whole number of 1"),
    (["sample", "-q", "gate", "-n", "-3", "-o", "x.jsonl"], "'-3': give a whole number of 0"),
])
def test_a_number_out_of_its_range_is_a_usage_error_before_any_work(argv, said, capsys):
    assert main(argv) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize("command", [["compile"], ["reference"], ["sample", "-q", "gate", "-n", "1", "-o", "c.jsonl",
                                                                  "--suites", "suite.yaml"]])
def test_every_command_takes_local_rules_else_the_bundled_ones(tmp_path, monkeypatch, capsys, command):
    import json
    import shutil

    from tests.conftest import BASE

    monkeypatch.chdir(tmp_path)
    (tmp_path / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    (tmp_path / "suite.yaml").write_text("fixtures:\n  ready: {file: ready.json}\ncases:\n"
                                         "  - {name: a, query: gate, base: ready, expect: {outcome: allow}}\n")
    code = main(command)
    bundled = capsys.readouterr()
    assert (code == 0) is (command[0] != "sample")  # the bundled rules have no query gate
    shutil.copytree(FIXTURE_RULES, tmp_path / "rules")
    assert main(command) == 0
    local = capsys.readouterr()
    if command[0] == "sample":
        assert 'unknown query "gate"' in bundled.err  # the bundled rules have no such query
        assert (tmp_path / "c.jsonl").read_text().count("\n") == 1
    else:
        import re

        # the fixture policy's query as a name of the output (the CLI's own help speaks of review's gate)
        word = re.compile(r"`gate`|\bgate\.|^gate\b|\bgate:", re.M)
        assert word.search(local.out) and not word.search(bundled.out)


def test_a_misspelt_option_is_said_with_the_commands_own_usage(capsys):
    assert main(["eval", "--querry", "close_account", "--facts", "x.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: closure-policy eval")
    assert "closure-policy eval: unrecognized arguments: --querry" in err
    assert main(["bundle", "build", "rules", "--output", "x.tgz", "--bogus"]) == 2
    assert "closure-policy bundle build: unrecognized arguments: --bogus" in capsys.readouterr().err


def test_a_missing_facts_file_names_the_file_not_a_pointer(capsys, tmp_path):
    assert main(["eval", "--rules", str(FIXTURE_RULES), "-q", "gate", "-f", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{tmp_path / 'nope.json'}: cannot read the facts (No such file or directory)"
