"""``stream --state PATH``: each account's state in SQLite, committed with the input position; a restart
resumes after the last commit. Over the fixture policy's own stream."""
from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closure_policy import load_policy
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
    assert "resuming" not in before.stderr and f"{state}: resuming after line 700 (the last commit)" in after.stderr


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


def test_only_the_cache_is_held_in_memory(tmp_path, new_stream):
    policy = load_policy(FIXTURE_RULES)
    store = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision, cache=4)
    processor = new_stream(policy, store=store)
    for number, line in enumerate(events(400, 50, seed=2), start=1):
        try:
            processor.feed(line, number)
        except Exception:  # noqa: S112 - refused lines are the stream's business, not this test's
            pass
        if number % 10 == 0:
            store.commit(number)
        assert len(store._hot) <= 4 and len(processor.lifecycle.states) <= 4  # an account out of one is out of both
    assert len(store) == 50  # every account on disk
    held = store.get("P-1")
    store.close()
    reopened = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision)
    assert reopened.position == 400 and reopened.get("P-1") == held


def test_a_state_row_over_the_limit_is_an_error_not_a_decision(tmp_path):
    policy = load_policy(FIXTURE_RULES)
    path = str(tmp_path / "state.db")
    store = DurableStore(path, policy.facts_schema.document, policy.revision)
    store.commit(1)
    store.close()
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
    store._states.db.close()  # as a disk that refuses every write from now on
    store._states.db = sqlite3.connect(f"file:{tmp_path / 'state.db'}?mode=ro", uri=True)
    with pytest.raises(MachineFault, match=r"state.db: the states cannot be written .*resumes after line 1"):
        store.commit(2)
    store.close()
    assert DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision).get(
        "P-1")["life"] == "clear"  # the last commit, whole


def test_a_full_disk_mid_run_is_a_fault_and_the_last_commit_stays_whole(tmp_path):
    from closure_policy.errors import MachineFault

    policy = load_policy(FIXTURE_RULES)
    path = str(tmp_path / "state.db")
    store = DurableStore(path, policy.facts_schema.document, policy.revision)
    store.put("P-0", {"facts": {"n": 0}, "last": None, "life": "clear"})
    store.commit(1)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 1}")  # the disk has one page left
    for n in range(1, 400):
        store.put(f"P-{n}", {"facts": {"n": n, "text": os.urandom(200).hex()}, "last": None, "life": "clear"})
    with pytest.raises(MachineFault, match=r"state.db: the states cannot be written \(database or disk is full\)"):
        store.commit(2)
    store.close()
    reopened = DurableStore(path, policy.facts_schema.document, policy.revision)
    assert reopened.position == 1 and len(reopened) == 1 and reopened.get("P-0")["facts"] == {"n": 0}


def test_a_corrupt_state_row_is_an_error_naming_the_file_never_a_decision(tmp_path, stream_file):
    state = tmp_path / "state.db"
    assert _run("--state", str(state), "-i", str(stream_file)).returncode == 2
    with sqlite3.connect(state) as db:
        db.execute("UPDATE accounts SET state = ? WHERE account = 'P-1'", (b"\x28\xb5\x2f\xfd garbage",))
    more = '{"account_id": "P-1", "type": "balance.updated", "payload": {"balance": {"pending": "0"}}}\n'
    rerun = _run("--state", str(state), text=stream_file.read_text(encoding="utf-8") + more)
    assert rerun.returncode == 2 and "Traceback" not in rerun.stderr and rerun.stdout == ""
    assert f"{state}: the state of 'P-1' cannot be read" in rerun.stderr


def test_a_state_file_in_use_by_another_stream_is_waited_for_then_refused(tmp_path, monkeypatch):
    from closure_policy import limits

    policy = load_policy(FIXTURE_RULES)
    path = str(tmp_path / "state.db")
    first = DurableStore(path, policy.facts_schema.document, policy.revision)
    monkeypatch.setattr(limits, "STATE_LOCK_WAIT_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(StateFileError, match=r"state.db: in use by another stream \(waited 0.3 s"):
        DurableStore(path, policy.facts_schema.document, policy.revision)
    assert 0.3 <= time.monotonic() - started < 5
    first.close()
    DurableStore(path, policy.facts_schema.document, policy.revision).close()  # free once the first ends
    missing = _run("--state", str(tmp_path / "no" / "such" / "state.db"), text="")
    assert missing.returncode == 2 and "No such file or directory" in missing.stderr


def _migrated_rules(tmp_path: Path) -> Path:
    from tests.conftest import changed_rules

    return changed_rules(tmp_path, "gate.yaml", 'when: {fact: balance.pending, op: ">", value: 0}',
                         'when: {fact: balance.pending, op: ">", value: 1}')


def test_migrate_rereads_every_account_through_the_new_rules(tmp_path, stream_file):
    lines = stream_file.read_text(encoding="utf-8").splitlines(keepends=True)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(lines[:800]), encoding="utf-8")
    state = str(tmp_path / "state.db")
    _run("--state", state, "-i", str(first))
    rules = str(_migrated_rules(tmp_path))
    refused = _run("--rules", rules, "--state", state, "-i", str(stream_file))
    assert refused.returncode == 2 and "written by policy revision" in refused.stderr and "--migrate" in refused.stderr
    migrated = _run("--rules", rules, "--state", state, "--migrate", "-i", str(stream_file))
    found = re.search(r"state.db: migrated (\d+) subject\(s\) from policy revision \S+ to \S+; (\d+) changed state",
                      migrated.stderr)
    assert found and int(found[1]) == 60 and 0 < int(found[2]) < 60
    fresh = [json.loads(x) for x in _run("--rules", rules, "-i", str(stream_file)).stdout.splitlines()]
    assert [json.loads(x) for x in migrated.stdout.splitlines()] == [o for o in fresh if o["line"] > 800]
    again = _run("--rules", rules, "--state", state, "-i", str(stream_file))  # migrated once, for good
    assert again.returncode == 0 and again.stdout == "" and "migrated" not in again.stderr  # all lines taken


def test_a_migration_the_new_rules_cannot_read_changes_nothing(tmp_path, stream_file):
    from tests.conftest import changed_rules

    state = str(tmp_path / "state.db")
    _run("--state", state, "-i", str(stream_file))
    strict = changed_rules(tmp_path, "facts.schema.json", '"pending": {', '"pending": {"maxLength": 0, ')
    refused = _run("--rules", str(strict), "--state", state, "--migrate", "-i", str(stream_file))
    assert refused.returncode == 2 and "cannot be migrated" in refused.stderr and "/balance/pending" in refused.stderr
    assert _run("--state", state, "-i", str(stream_file)).stdout == ""  # still the old rules' file, whole
    assert "--migrate re-reads a state file" in _run("--migrate", text="").stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), count=st.integers(1, 120), split=st.floats(0, 1),
       commit=st.integers(1, 30), cache=st.integers(1, 8), backend=st.sampled_from(["compiled", "rete"]))
def test_any_events_split_anywhere_into_two_runs_give_the_output_of_one(tmp_path, seed, count, split, commit, cache,
                                                                        backend):
    from closure_policy.stream.run import Durability, Numbered, Sink, run

    policy = _POLICIES[backend]
    numbered = [line.encode() for line in events(count, 6, seed=seed, malformed=0.05)]
    whole = io.StringIO()
    run(policy, Numbered(numbered), Sink(whole, io.StringIO()))
    first, second = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:  # a state file of its own for each example
        durable = Durability(str(Path(folder) / "state.db"), commit, 1000.0, cache)
        run(policy, Numbered(numbered[:int(split * count)]), Sink(first, io.StringIO()), durable)
        run(policy, Numbered(numbered), Sink(second, io.StringIO()), durable)
    assert first.getvalue() + second.getvalue() == whole.getvalue()


_POLICIES = {backend: load_policy(FIXTURE_RULES, backend=backend) for backend in ("compiled", "rete")}


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_every_decision_of_a_durable_stream_with_evictions_is_the_one_shot_decision(tmp_path, backend, new_stream):
    from closure_policy.stream.replay import replay

    policy = _POLICIES[backend]
    store = DurableStore(str(tmp_path / "state.db"), policy.facts_schema.document, policy.revision, cache=3)
    processor = new_stream(policy, store=store)
    lines = list(events(2000, 40, seed=13, malformed=0.01))
    for start in range(0, len(lines), 25):  # a commit every 25 lines evicts all but 3 accounts
        result = replay(processor, lines[start:start + 25])
        assert result.mismatches == 0
        store.commit(start + 25)
    assert len(store) == 40 and len(store._hot) <= 3


def test_a_state_leaving_memory_before_a_commit_is_kept_by_that_commit_and_lost_without_it(tmp_path):
    policy = load_policy(FIXTURE_RULES)
    path = str(tmp_path / "state.db")
    store = DurableStore(path, policy.facts_schema.document, policy.revision, cache=1)
    left: list[str] = []
    store.left = left.append
    store.put("P-0", {"facts": {"n": 0}, "last": None, "life": "clear"})
    store.put("P-1", {"facts": {"n": 1}, "last": None, "life": "clear"})  # P-0 leaves memory, uncommitted
    assert left == ["P-0"] and store.get("P-0")["facts"] == {"n": 0} and left == ["P-0", "P-1"]
    store.close()  # no commit: a restart resumes from position 0 and P-0 was never kept
    reopened = DurableStore(path, policy.facts_schema.document, policy.revision, cache=1)
    assert reopened.position == 0 and reopened.get("P-0") is None and len(reopened) == 0
    reopened.put("P-0", {"facts": {"n": 2}, "last": None, "life": "clear"})
    reopened.put("P-1", {"facts": {"n": 3}, "last": None, "life": "clear"})
    reopened.commit(7)
    reopened.close()
    again = DurableStore(path, policy.facts_schema.document, policy.revision)
    assert again.position == 7 and len(again) == 2 and again.get("P-0")["facts"] == {"n": 2}
