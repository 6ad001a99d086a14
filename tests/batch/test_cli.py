"""The batch, diff and sample commands as a user runs them: real processes, a real cluster, loopback only."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from closure_policy import limits, load_policy
from closure_policy.cli.main import main
from tests.batch.conftest import corpus, write_jsonl
from tests.browser import rendered
from tests.conftest import FIXTURE_RULES, changed_rules
from tests.serve.conftest import free_port

CLI = [sys.executable, "-m", "closure_policy.cli.main"]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def test_batch_starts_its_own_cluster_shows_progress_and_a_summary(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", corpus(40))
    done = _run("batch", "-q", "gate", "-i", str(path), "-o", str(tmp_path / "out.parquet"),
                "--rules", str(FIXTURE_RULES), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "Dask LocalCluster: 2 workers; dashboard http://127.0.0.1:" in done.stderr
    assert "40.0/40.0" in done.stderr and "rows/s" in done.stderr  # the progress bar, at its end
    assert "partitions 1/1" in done.stderr
    assert done.stdout.startswith("40 rows in ") and "; 0 invalid" in done.stdout
    assert "violated rules:" in done.stdout and "gate.contracts" in done.stdout


def test_batch_runs_on_a_separately_started_scheduler_and_worker(tmp_path, fixture_policy):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                               "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=tmp_path)  # a worker elsewhere: it gets the rules' contents, not their path
    try:
        from dask.distributed import Client

        with Client(address, timeout="30s") as probe:
            probe.wait_for_workers(1, timeout=60)
        documents = corpus(30)
        path = write_jsonl(tmp_path / "in.jsonl", documents)
        done = _run("batch", "-q", "gate", "-i", str(path), "-o", str(tmp_path / "out.jsonl"),
                    "--rules", str(FIXTURE_RULES), "--scheduler", address)
        assert done.returncode == 0, done.stderr
        assert f"Dask cluster {address}: 1 workers" in done.stderr
        got = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
        assert [r["outcome"] for r in got] == [fixture_policy.decide("gate", d).outcome for d in documents]
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)


def test_a_scheduler_nobody_listens_on_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "BATCH_CONNECT_SECONDS", 1.0)  # the limit's own value is 10 s
    path = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    start = time.monotonic()
    code = main(["batch", "-q", "gate", "-i", str(path), "-o", str(tmp_path / "o.jsonl"), "--rules",
                 str(FIXTURE_RULES), "--scheduler", f"tcp://127.0.0.1:{free_port()}", "--quiet"])
    assert code == 2 and "cannot connect" in capsys.readouterr().err
    assert time.monotonic() - start < 8 and not (tmp_path / "o.jsonl").exists()  # it gave up at its limit


@pytest.mark.parametrize("args,message", [
    (["-i", "{tmp}/missing.jsonl", "-o", "{tmp}/o.jsonl"], "no such file"),
    (["-i", "{tmp}/in.jsonl", "-o", "{tmp}/o.csv"], "name a .parquet or .jsonl file"),
    (["-i", "{tmp}/fake.parquet", "-o", "{tmp}/o.jsonl"], "not a Parquet file"),
    (["-i", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "--lang", "fr"], 'unsupported language "fr"'),
    (["-i", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "-q", "nope"], 'unknown query "nope"'),
    (["-i", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "--rules", "{tmp}/no-rules"], "argument --rules: no folder"),
])
def test_a_mistake_is_exit_2_with_a_reason_before_any_work(tmp_path, capsys, args, message):
    write_jsonl(tmp_path / "in.jsonl", corpus(2))
    (tmp_path / "fake.parquet").write_text("not parquet")
    argv = ["batch", "-q", "gate", "--rules", str(FIXTURE_RULES), "--quiet",
            *[a.format(tmp=tmp_path) for a in args]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not any(p.name.startswith("o.") for p in tmp_path.iterdir())


def test_bad_rules_are_reported_with_file_line_col_before_any_work(tmp_path, capsys):
    rules = changed_rules(tmp_path, "gate.yaml", '{fact: balance.pending, op: ">"', '{fact: balance.pending, op: "=>"')
    path = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    assert main(["diff", "-q", "gate", "-i", str(path), "--base-rules", str(FIXTURE_RULES), "--rules", str(rules),
                 "--quiet"]) == 2
    assert "gate.yaml:" in capsys.readouterr().err


def test_diff_writes_each_report_format(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", corpus(50))
    rules = changed_rules(tmp_path, "gate.yaml", 'op: "<=", value_of: balance.manual_payout_fee',
                          'op: "<", value_of: balance.manual_payout_fee')
    env = {**os.environ}
    for name in ("report.json", "report.md", "report.html"):
        done = subprocess.run([*CLI, "diff", "-q", "gate", "-i", str(path), "--base-rules", str(FIXTURE_RULES),
                               "--rules", str(rules), "-o", str(tmp_path / name), "--workers", "1", "--quiet"],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        assert "| deny | allow |" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert {"from": "deny", "to": "allow"}.items() <= report["transitions"][-1].items() or any(
        t["from"] == "deny" and t["to"] == "allow" for t in report["transitions"])
    assert report["base"]["rules"] == str(FIXTURE_RULES) and report["rules"][0]["rule"] == "gate.fee"
    assert "| `gate.fee` | 0 |" in (tmp_path / "report.md").read_text()
    page = (tmp_path / "report.html").read_text()
    assert "vega" in page and "Outcome transitions" in page and "deny → allow" in page
    assert "changes" in page and ">true<" not in page and ">false<" not in page  # the legend in words
    samples = report["samples"]
    assert samples[0]["from"] != samples[0]["to"]  # the changes first, then what stays
    assert [s["from"] != s["to"] for s in samples] == sorted((s["from"] != s["to"] for s in samples), reverse=True)


def test_the_html_report_shows_its_chart_and_tables_in_a_real_browser(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", corpus(50))
    rules = changed_rules(tmp_path, "gate.yaml", 'op: "<=", value_of: balance.manual_payout_fee',
                          'op: "<", value_of: balance.manual_payout_fee')
    for name in ("report.json", "report.html"):
        done = _run("diff", "-q", "gate", "-i", str(path), "--base-rules", str(FIXTURE_RULES), "--rules", str(rules),
                    "-o", str(tmp_path / name), "--workers", "1", "--quiet")
        assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    dom = rendered((tmp_path / "report.html").as_uri())  # offline: the page must need no network
    bars = re.findall(r'aria-label="documents: (\d+); transition: ([^;"]+)[^"]*" role="graphics-symbol" '
                      r'aria-roledescription="bar"', dom)
    expected = sorted((t["count"], f"{t['from'] or '(invalid)'} → {t['to'] or '(invalid)'}")
                      for t in report["transitions"])
    assert sorted((int(n), t.replace("&gt;", ">")) for n, t in bars) == expected
    labels = re.findall(r'aria-roledescription="text mark"[^>]*>([\d,]+)</text>', dom)  # each bar's number on it
    assert sorted(int(n.replace(",", "")) for n in labels) == sorted(n for n, _ in expected)
    assert "<style>" in dom and "prefers-color-scheme: dark" in dom  # the look every page shares
    assert all(f"<td>{t['count']:,}</td>" in dom for t in report["transitions"])


def test_a_parquet_file_corrupt_past_its_footer_is_one_line_exit_2_and_no_output(tmp_path):
    from closure_policy.batch.corpus import write_corpus

    good = tmp_path / "good.parquet"
    write_corpus(corpus(300), str(good), load_policy(FIXTURE_RULES).facts_schema.document)
    data = bytearray(good.read_bytes())
    for at in range(64, len(data) // 3, 7):  # the data pages; the footer (metadata, at the end) stays whole
        data[at] ^= 0x5A
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out.jsonl"
    done = _run("batch", "-q", "gate", "-i", str(bad), "-o", str(out), "--rules", str(FIXTURE_RULES),
                "--workers", "1", "--quiet")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == done.stderr.strip().splitlines()[-1]  # one line: no worker's traceback
    assert done.stderr.startswith(f"--input {bad}: row group 0 cannot be read (")
    assert not out.exists() and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_a_write_that_fails_mid_run_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    from closure_policy.batch import output

    path = write_jsonl(tmp_path / "in.jsonl", corpus(5))

    def full(self: object, payload: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.Output, "_write", full)
    code = main(["batch", "-q", "gate", "-i", str(path), "-o", str(tmp_path / "out.jsonl"),
                 "--rules", str(FIXTURE_RULES), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == f"--output {tmp_path / 'out.jsonl'}: writing failed (No space left on device)"
