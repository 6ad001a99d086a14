from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from closure_policy.cli.main import main
from tests.conftest import ROOT, closed, facts


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
    assert main(["eval", "--query", "close_account", "--facts", facts_file(facts())]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "allow" and out["query"] == "close_account"


def test_eval_text_is_the_articles_checklist(capsys, facts_file):
    f = facts(contracts=[{"id": "C-9", "status": "active"}], final_review={"status": "in_progress"})
    assert main(["eval", "-q", "close_account", "-f", facts_file(f), "--format", "text"]) == 0
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if line.startswith("[")]
    assert steps == ["[x] The account is still open", "[ ] Step 1: Expire your contracts",
                     "[x] Step 2: Make sure all funds are withdrawn", "[x] Step 3: Request the account closure",
                     "[ ] Final review by impact.com"]
    assert "Contracts still active: C-9." in out and "→ In the Signed contracts section" in out


def test_eval_text_in_chinese(capsys, facts_file):
    assert main(["eval", "-q", "close_account", "-f", facts_file(facts(balance__available="10")),
                 "--format", "text", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "[ ] 步骤 2：确认所有资金已被提取" in out
    assert "请求手动支付单" in out and "放弃余额" in out


def test_eval_reads_standard_input():
    proc = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "eval", "-q", "resolve_link",
                           "-f", "-"], input=json.dumps(closed(click={"link_id": "L-404",
                                                                       "clicked_at": "2027-01-01T00:00:00Z"})),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["outcome"], out["track"]) == ("invalid_page", False)


def test_json_numbers_are_read_exactly(capsys, facts_file):
    text = json.dumps(facts()).replace('"available": "0"', '"available": 9007199254740993.5')
    text = text.replace('"auto_withdrawal_threshold": "50.00"', '"auto_withdrawal_threshold": 9007199254740993.6')
    assert main(["eval", "-q", "close_account", "-f", facts_file(text)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in out["violations"]] == ["funds.small-balance-resolved"]
    assert out["violations"][0]["details"]["available"] == "9007199254740993.5"


@pytest.mark.parametrize("text,pointer", [
    (json.dumps(facts(balance__available="-1")), "/balance/available"),
    (json.dumps(facts(account__closed_at="2026-11-26T10:00:00", account__status="closed")), "/account/closed_at"),
    (json.dumps({k: v for k, v in facts().items() if k != "final_review"}), "/final_review"),
    (json.dumps(facts(contracts=[{"id": "C-1", "status": "expird"}])), "/contracts/0/status"),
])
def test_invalid_facts_exit_2_with_the_pointer(capsys, facts_file, text, pointer):
    path = facts_file(text)
    assert main(["eval", "-q", "close_account", "-f", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}: {pointer}:" in captured.err


@pytest.mark.parametrize("text,message", [
    ('{"a": 1,}', "invalid JSON at line 1, column 9"),
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ('{"a": NaN}', "NaN is not a number"),
])
def test_malformed_json_exits_2(capsys, facts_file, text, message):
    assert main(["eval", "-q", "close_account", "-f", facts_file(text)]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_unknown_query_and_language_exit_2(capsys, facts_file, tmp_path):
    assert main(["eval", "-q", "close_account", "-f", str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["eval", "-q", "close_acount", "-f", facts_file(facts())]) == 2
    assert "unknown query \"close_acount\"" in capsys.readouterr().err
    assert main(["eval", "-q", "close_account", "-f", facts_file(facts()), "--lang", "fr"]) == 2
    assert "unsupported language \"fr\"" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    assert main(["eval", "--facts", "x.json"]) == 2
    assert "--query" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_eval_with_broken_rules_exits_2(capsys, facts_file, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "extra.yaml").write_text("rules:\n  - id: x.y\n    query: nope\n", encoding="utf-8")
    assert main(["eval", "-q", "close_account", "-f", facts_file(facts()), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "extra.yaml:2:5: 'source' is required (schema)" in err


def test_explain_includes_the_trace(capsys, facts_file):
    assert main(["eval", "-q", "close_account", "-f", facts_file(facts(balance__pending="3")), "--explain"]) == 0
    trace = json.loads(capsys.readouterr().out)["trace"]
    pending = next(t for t in trace if t["rule"] == "funds.no-pending")
    assert pending["fired"] is True
    assert pending["conditions"] == [{"at": pending["conditions"][0]["at"], "condition": "balance.pending > 0",
                                      "left": "3", "right": "0", "result": True}]
    line, col = _position(ROOT / "rules/close_account.yaml", "{fact: balance.pending, op:")
    assert pending["conditions"][0]["at"].endswith(f"close_account.yaml:{line}:{col}")


def test_check_clean_and_broken(capsys, tmp_path):
    assert main(["check", str(ROOT / "rules")]) == 0
    assert "20 rules in 7 queries, no problems" in capsys.readouterr().err
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "close_account.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("balance.pending, op", "balance.pendng, op"),
                    encoding="utf-8")
    assert main(["check", str(rules)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    line, col = _position(path, "balance.pendng")
    assert out[0].startswith(f"{path}:{line}:{col}: unknown fact path 'balance.pendng'")
    assert out[0].endswith("(unknown-fact)")


def test_check_json(capsys):
    assert main(["check", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["problems"] == [] and out["revision"].startswith("sha256:")


def test_internal_fault_exits_1(capsys, monkeypatch, facts_file):
    from closure_policy.cli.commands import eval as eval_cmd

    def boom(*args, **kwargs):
        raise RuntimeError("bug")
    monkeypatch.setattr(eval_cmd, "read_facts", boom)
    assert main(["eval", "-q", "close_account", "-f", facts_file(facts())]) == 1
    assert "internal error" in capsys.readouterr().err


def test_explain_describes_the_rules_that_were_loaded(tmp_path, facts_file):
    from closure_policy import load_policy

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    policy = load_policy(rules)
    # Editing the files after loading changes neither decisions nor their explanation.
    path = rules / "close_account.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("balance.pending, op: \">\"", "balance.pending, op: \"<\""),
                    encoding="utf-8")
    d = policy.decide("close_account", facts(balance__pending="3"), explain=True)
    assert d.rule_ids == ["funds.no-pending"]
    pending = next(t for t in d.trace if t["rule"] == "funds.no-pending")
    assert pending["conditions"][0]["condition"] == "balance.pending > 0"
