"""closure-policy init: a policy folder of one's own that passes check, test at 100% and test --mutate as made."""
from __future__ import annotations

import subprocess
import sys

from closure_policy.cli.main import main


def _cli(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_a_new_policy_passes_check_full_coverage_every_mutant_and_decides_its_example(tmp_path):
    assert _cli("init", "mine", cwd=tmp_path).returncode == 0
    folder = tmp_path / "mine"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "examples/refund.json", "rules/policy.yaml", "rules/refunds.yaml", "schemas/facts.schema.json",
        "tests/policy/refunds.yaml"]
    checked = _cli("check", "rules", cwd=folder)
    assert checked.returncode == 0 and "1 rule in 1 query, no problems" in checked.stderr
    assert _cli("test", "--coverage", "--fail-under", "100", cwd=folder).returncode == 0
    mutated = _cli("test", "--mutate", cwd=folder)
    assert mutated.returncode == 0 and "score 100.00%" in mutated.stdout + mutated.stderr
    assert _cli("fmt", "--check", "rules", "tests/policy", cwd=folder).returncode == 0
    decided = _cli("eval", "-q", "approve_refund", "-f", "examples/refund.json", cwd=folder)
    assert decided.returncode == 0 and '"outcome":"approve"' in decided.stdout.replace(" ", "")


def test_init_never_writes_into_a_folder_that_holds_anything(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken/notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path / "taken")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 0
