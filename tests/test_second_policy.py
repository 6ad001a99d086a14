"""A second policy, from another domain (``tests/library``: library loans, in English and French), run
end to end from a folder outside the repository: the engine is general, a policy folder is the unit.

Nothing the engine prints for it may speak of the bundled policy: its words come from the policy.
The decision contract's field names (``account_id``, the subject's value) are the one exception.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.serve.conftest import Server

LIBRARY = ROOT / "tests/library"
# Words of the bundled policy that nothing printed for another policy may hold.
FOREIGN = re.compile(r"account|closure|partner|contract|impact|账户", re.IGNORECASE)
CONTRACT_NAMES = re.compile(r"account_id|closure-policy|closure_policy")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The policy folder, copied where no file of the repository is near."""
    target = tmp_path_factory.mktemp("elsewhere") / "library"
    shutil.copytree(LIBRARY, target)
    corpus = target / "corpus.jsonl"
    reader = json.loads((target / "examples/reader.json").read_text(encoding="utf-8"))
    with corpus.open("w", encoding="utf-8") as fh:
        for i in range(12):
            member = {**reader["member"], "id": f"M-{i}", "fines": f"{i}.00"}
            fh.write(json.dumps({**reader, "member": member}) + "\n")
    return target


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", *args], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    _speaks_its_own_words(done.stdout + done.stderr)
    return done


def _speaks_its_own_words(printed: str) -> None:
    assert "Traceback" not in printed, printed
    found = FOREIGN.findall(CONTRACT_NAMES.sub("", printed))
    assert not found, f"the engine printed {found} for another policy:\n{printed}"


def test_check_and_its_own_suites_with_full_coverage_and_every_mutant_killed(folder):
    done = run(folder, "check", "rules")
    assert done.returncode == 0 and "7 rules in 2 queries, no problems" in done.stderr
    done = run(folder, "test", "--coverage", "--fail-under", "100")  # ./tests/policy, its rules: ../../rules
    assert done.returncode == 0, done.stdout + done.stderr
    assert "library-loans" in done.stderr and re.search(r"\b18 passed, 0 failed", done.stdout)
    done = run(folder, "test", "--mutate")
    assert done.returncode == 0 and "survived 0" in done.stdout, done.stdout


def test_eval_in_its_own_languages_and_labels(folder):
    done = run(folder, "eval", "-q", "borrow", "-f", "examples/reader.json", "--format", "text", "--lang", "fr")
    assert done.returncode == 0
    assert "Lecteur M-7: LEND" in done.stdout and "[x] Les emprunts" in done.stdout
    done = run(folder, "eval", "-q", "renew", "-f", "examples/reader.json", "--explain")
    decision = json.loads(done.stdout)
    assert (decision["outcome"], decision["policy"]["name"]) == ("renewed", "library-loans")
    assert {step["rule"] for step in decision["trace"]} == {"renew.in-good-standing", "renew.no-hold",
                                                            "renew.under-renewal-limit"}
    done = run(folder, "eval", "-q", "borrow", "-f", "examples/reader.json", "--lang", "zh")
    assert done.returncode == 2 and "en, fr" in done.stderr  # the policy's languages, not the bundled ones


def test_batch_and_diff(folder):
    done = run(folder, "batch", "-q", "borrow", "-i", "corpus.jsonl", "-o", "out.jsonl", "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["outcome"] for r in rows] == ["lend"] * 6 + ["refuse"] * 6  # fines 0..5 within the cap of 5.00
    base = folder / "base-rules"
    shutil.copytree(folder / "rules", base)
    policy = base / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace('op: ">", value_of: library.fine_cap',
                                                                 'op: ">=", value_of: library.fine_cap'))
    done = run(folder, "diff", "-q", "borrow", "-i", "corpus.jsonl", "--base-rules", "base-rules", "--workers", "1",
               "--quiet")
    assert done.returncode == 0, done.stderr
    assert "| refuse | lend | 1 | M-5 |" in done.stdout  # fines equal to the cap: refused before, lent now


def test_serve_decides_and_documents_its_own_facts(folder):
    server = Server("--decision-log", str(folder / "decisions.db"), cwd=folder)
    try:
        body = (folder / "examples/reader.json").read_bytes()
        answer = httpx.post(server.url + "/v1/decisions/borrow?lang=fr", content=body,
                            headers={"content-type": "application/json"}, timeout=10)
        assert answer.status_code == 200 and answer.json()["outcome"] == "lend"
        refused = httpx.post(server.url + "/v1/decisions/borrow", content=b'{"member": {}}',
                             headers={"content-type": "application/json"}, timeout=10)
        assert refused.status_code == 422
        _speaks_its_own_words(refused.text)
        facts = httpx.get(server.url + "/openapi.json", timeout=10).json()["components"]["schemas"]["Facts"]
        assert list(facts["properties"]) == ["as_of", "member", "loans", "holds", "request", "library"]
        _speaks_its_own_words(httpx.get(server.url + "/docs", timeout=10).text)
    finally:
        assert server.stop() == 0
    _speaks_its_own_words(server.process.stderr.read().decode())  # type: ignore[union-attr]
    done = run(folder, "log", "--decision-log", "decisions.db", "--format", "table")
    assert done.returncode == 0 and "M-7" in done.stdout
