"""Long commands show a bar to a person (a terminal) and write nothing extra into a pipe or a log."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from tests.conftest import BASE, FIXTURE_RULES

CLI = [sys.executable, "-m", "closure_policy.cli.main"]


def _stderr(argv: list[str], terminal: bool) -> str:
    if not terminal:
        return subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=120, check=True).stderr
    leader, follower = pty.openpty()
    with subprocess.Popen([*CLI, *argv], stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(120) == 0
    os.close(leader)
    return seen.decode("utf-8", "replace")


def test_sample_shows_its_progress_on_a_terminal_only(tmp_path):
    argv = ["sample", "-q", "close_account", "-n", "300", "-o", str(tmp_path / "c.jsonl")]  # the bundled suites
    shown = _stderr(argv, terminal=True)
    assert "sample" in shown and "300/300" in shown and "docs" in shown
    # off a terminal, no progress: only the one line that says what was written
    assert _stderr(argv, terminal=False) == f"{tmp_path / 'c.jsonl'}: 300 facts documents for close_account\n"


def test_mutation_testing_shows_its_progress_on_a_terminal_only(tmp_path):
    (tmp_path / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    suite = tmp_path / "suite.yaml"
    suite.write_text("fixtures:\n  ready: {file: ready.json}\ncases:\n"
                     "  - {name: all clear, query: gate, base: ready, expect: {outcome: allow}}\n", encoding="utf-8")
    argv = ["test", "--mutate", str(suite), "--rules", str(FIXTURE_RULES), "-j", "1", "--fail-under", "0"]
    shown = _stderr(argv, terminal=True)
    assert "mutants" in shown and "100%" in shown
    assert "100%" not in _stderr(argv, terminal=False)
