"""``stream --state PATH``: each account's state in SQLite, committed with the input position; a restart
resumes after the last commit. Over the fixture policy's own stream."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.stream import StreamProcessor
from closure_policy.stream.durable import DurableStore, StateFileError
from tests.conftest import FIXTURE_RULES
from tests.stream.test_stream import events

CLI = [sys.executable, "-m", "closure_policy.cli.main", "stream", "--rules", str(FIXTURE_RULES)]


def _run(*args: str, text: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], input=text, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_text("\n".join(events(1500, 60, seed=7, malformed=0.01)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_two_runs_write_what_one_uninterrupted_run_writes(tmp_path, stream_file, backend):
    whole = _run("--backend", backend, "-i", str(stream_file))
    lines = stream_file.read_text(encoding="utf-8").splitlines(keepends=True)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(lines[:700]), encoding="utf-8")  # the first run ends after 700 lines
    state = str(tmp_path / "state.db")
    durable = ["--backend", backend, "--state", state, "--cache", "5", "--commit-lines", "7"]
    before, after = _run(*durable, "-i", str(first)), _run(*durable, "-i", str(stream_file))
    assert whole.stdout and before.stdout + after.stdout == whole.stdout
    assert before.returncode == after.returncode == whole.returncode == 2  # the malformed lines
    refused = [run.stderr.count("invalid JSON") for run in (before, after, whole)]
    assert refused[0] + refused[1] == refused[2] > 0  # each bad line reported once across the two runs


def test_a_killed_run_resumes_and_lines_after_its_last_commit_come_again_identical(tmp_path, stream_file):
    whole = [json.loads(x) for x in _run("-i", str(stream_file)).stdout.splitlines()]
    state = str(tmp_path / "state.db")
    lines = stream_file.read_text(encoding="utf-8").splitlines(keepends=True)
    process = subprocess.Popen([*CLI, "--state", state, "--commit-lines", "50", "--commit-ms", "100000"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    written: list[bytes] = []
    reader = threading.Thread(target=lambda: written.extend(process.stdout))  # type: ignore[union-attr]
    feeder = threading.Thread(target=lambda: _feed(process, "".join(lines[:900]).encode()))
    reader.start()
    feeder.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _position(state) < 800:  # a commit past the middle: kill mid-group
        time.sleep(0.05)
    assert _position(state) >= 800
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    reader.join()
    feeder.join()
    killed = [json.loads(x) for x in written if x.endswith(b"}\n")]
    resumed = [json.loads(x) for x in _run("--state", state, "-i", str(stream_file)).stdout.splitlines()]
    by_line = {}
    for output in killed + resumed:  # a consumer de-duplicates by line
        key = (output["line"], json.dumps(output["decision"], sort_keys=True))
        by_line[key] = output
    assert sorted(by_line, key=lambda k: k[0]) == sorted(((o["line"], json.dumps(o["decision"], sort_keys=True))
                                                          for o in whole), key=lambda k: k[0])
    assert resumed and resumed[0]["line"] > 800 - 50  # only lines after the last commit came again


def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        process.stdin.flush()  # and the input stays open: the process is killed, it does not end
    except BrokenPipeError:
        pass


def _position(state: str) -> int:
    if not os.path.exists(state):
        return 0
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'position'").fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def test_a_state_file_of_other_rules_a_foreign_database_and_a_folder_are_refused(tmp_path, stream_file):
    state = tmp_path / "state.db"
    assert _run("--state", str(state), "-i", str(stream_file)).returncode == 2
    other = _run("--rules", str(Path(__file__).resolve().parents[2] / "rules"), "--state", str(state),
                 "-i", str(stream_file))
    assert other.returncode == 2 and "written by policy revision" in other.stderr and "Traceback" not in other.stderr
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id TEXT)")
    refused = _run("--state", str(foreign), "-i", str(stream_file))
    assert refused.returncode == 2 and "a SQLite database of something else" in refused.stderr
    (tmp_path / "text.db").write_text("not a database", encoding="utf-8")
    assert "not a state file" in _run("--state", str(tmp_path / "text.db"), "-i", str(stream_file)).stderr
    assert "is a folder" in _run("--state", str(tmp_path), "-i", str(stream_file)).stderr


def test_only_the_cache_is_held_in_memory(tmp_path):
    policy = load_policy(FIXTURE_RULES)
    store = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision, cache=4)
    processor = StreamProcessor(policy, store=store)
    for number, line in enumerate(events(400, 50, seed=2), start=1):
        try:
            processor.feed(line, number)
        except Exception:  # noqa: S112 - refused lines are the stream's business, not this test's
            pass
        if number % 10 == 0:
            for account in store.commit(number):
                processor.lifecycle.forget(account)
            assert len(store._cache) <= 4 and len(processor.lifecycle.states) <= 4 + 10
    assert len(store) == 50  # every account on disk
    reopened = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision)
    assert reopened.position == 400 and reopened.get("P-1") == store.get("P-1")


def test_a_state_row_over_the_limit_is_an_error_not_a_decision(tmp_path):
    policy = load_policy(FIXTURE_RULES)
    path = str(tmp_path / "state.db")
    store = DurableStore(path, policy.facts_schema.document, policy.revision)
    store.commit(1)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO accounts VALUES (?, ?)", ("P-1", b"\0" * 70_000))
    with pytest.raises(StateFileError, match="over the limit"):
        DurableStore(path, policy.facts_schema.document, policy.revision).get("P-1")


def test_a_state_file_that_cannot_be_written_mid_run_is_a_fault_naming_it(tmp_path, monkeypatch):
    from closure_policy.errors import MachineFault

    policy = load_policy(FIXTURE_RULES)
    store = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision)
    store.put("P-1", {"facts": {}, "last": None, "life": "clear"})
    store.commit(1)
    store.put("P-1", {"facts": {}, "last": None, "life": "blocked"})
    store._db.close()  # as a disk that refuses every write from now on
    store._db = sqlite3.connect(f"file:{tmp_path / 'state.db'}?mode=ro", uri=True)
    with pytest.raises(MachineFault, match=r"state.db: the states cannot be written .*resumes after line 1"):
        store.commit(2)
    assert DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision).get(
        "P-1")["life"] == "clear"  # the last commit, whole
