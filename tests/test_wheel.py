"""The wheel carries the rules and schemas: a plain install works from any folder."""
from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, facts


def _run(*cmd: str | Path, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", ROOT)
    assert built.returncode == 0, built.stderr
    wheel = next((base / "dist").glob("closure_policy-*.whl"))
    venv.create(base / "venv", with_pip=True)
    bindir = base / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
    done = _run(bindir / "python", "-m", "pip", "install", "-q", wheel)
    assert done.returncode == 0, done.stderr
    return bindir


@pytest.mark.slow
def test_installed_cli_works_from_another_folder(installed: Path, tmp_path: Path, policy):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = _run(installed / "closure-policy", "check", cwd=elsewhere)
    assert checked.returncode == 0, checked.stderr
    assert "no problems" in checked.stderr
    given = facts(contracts=[{"id": "C-1", "status": "active"}])
    decided = _run(installed / "closure-policy", "eval", "-q", "close_account", "-f", "-", cwd=elsewhere,
                   stdin=json.dumps(given))
    assert decided.returncode == 0, decided.stderr
    # the bundled copy decides as the rules of this checkout do
    assert json.loads(decided.stdout) == policy.decide("close_account", given).to_dict()


@pytest.mark.slow
def test_installed_package_uses_its_bundled_copy(installed: Path, tmp_path: Path):
    code = "import closure_policy.resources as r; print(r.rules_dir()); print(r.schemas_dir())"
    shown = _run(installed / "python", "-c", code, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    rules, schemas = shown.stdout.split()
    assert "_bundled" in rules and "_bundled" in schemas
    assert {p.name for p in Path(rules).glob("*.yaml")} == {p.name for p in (ROOT / "rules").glob("*.yaml")}


@pytest.mark.slow
def test_installed_sample_varies_the_bundled_suites(installed: Path, tmp_path: Path):
    out = tmp_path / "accounts.jsonl"
    done = _run(installed / "closure-policy", "sample", "-q", "close_account", "-n", "20", "-o", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    documents = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(documents) == 20 and len({d["account"]["id"] for d in documents}) == 20


@pytest.mark.slow
def test_installed_test_command_runs_the_bundled_suites_from_any_folder(installed: Path, tmp_path: Path):
    done = _run(installed / "closure-policy", "test", "--coverage", "--fail-under", "100", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cases = sum(1 for path in (ROOT / "tests/policy").glob("*.yaml")
                for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("  - name:"))
    assert f"{cases} passed, 0 failed" in done.stdout and "testing the bundled rules" in done.stderr


@pytest.mark.slow
def test_installed_package_ships_the_pages_and_their_vendored_components(installed: Path, tmp_path: Path):
    found = _run(installed / "python", "-c", "from closure_policy.serve.pages import static_files; "
                                             "print('\\n'.join(sorted(static_files())))", cwd=tmp_path)
    files = set(found.stdout.split())
    assert {"style.css", "site.js", "playground.js", "api.js", "vendor/codemirror/codemirror.js",
            "vendor/codemirror/LICENSE", "vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/LICENSE"} <= files
    site = tmp_path / "site"
    done = _run(installed / "closure-policy", "doc", "--output", site, cwd=tmp_path)
    assert done.returncode == 0 and (site / "en/query-close_account.html").is_file(), done.stderr
