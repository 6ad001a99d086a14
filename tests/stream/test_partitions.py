"""``stream --workers N``: accounts split by a stable hash, each partition's decisions the one-shot ones,
the output in input order and equal to one process's. Over the fixture policy's stream."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closure_policy import load_policy
from closure_policy.stream import StreamProcessor
from closure_policy.stream.partitions import partition_of, route
from closure_policy.stream.replay import replay
from tests.conftest import FIXTURE_RULES
from tests.stream.test_stream import events

CLI = [sys.executable, "-m", "closure_policy.cli.main", "stream", "--rules", str(FIXTURE_RULES)]


def _run(*args: str, text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], input=text, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("partitions") / "events.jsonl"
    path.write_text("".join(f"{line}\n" for line in events(4000, 120, seed=3, malformed=0.005)) + "\n \n",
                    encoding="utf-8")
    return path


def test_the_partition_of_an_account_is_stable_across_runs_and_machines():
    # CRC-32 of the UTF-8: state files written by one run are read by the next; this must never change
    assert [partition_of(a, 4) for a in ["P-1", "P-2", "P-1001", "账户-7", "M-\ud800"]] == [3, 1, 0, 3, 0]
    assert partition_of("P-1", 7) == 5 and partition_of("P-1", 1) == 0


@pytest.mark.parametrize("line, partition", [
    (b'{"account_id": "P-1", "type": "x", "payload": {}}', 3),
    (b'{"type": "x", "payload": {}, "account_id": "P-2"}', 1),
    (b"{not json", 0), (b'{"account_id": 7}', 0), (b'{"type": "x"}', 0), (b"[]", 0), (None, 0),
    (b'{"account_id": "P-\\ud800"}', 0),
])
def test_a_line_goes_to_its_accounts_partition_and_one_without_an_account_to_the_first(line, partition):
    assert route(line, 4) == partition


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
def test_a_line_written_plainly_or_escaped_goes_where_its_account_does(account, ascii_only):
    """The lines that start with the id are routed without decoding: to the same partition as decoded."""
    line = json.dumps({"account_id": account, "type": "t", "payload": {}}, ensure_ascii=ascii_only)
    assert route(line.encode("utf-8", "surrogatepass"), 7) == partition_of(account, 7)


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_two_workers_write_what_one_process_writes_in_input_order(stream_file, backend):
    one, two = _run("--backend", backend, "-i", str(stream_file)), \
        _run("--backend", backend, "-i", str(stream_file), "--workers", "2")
    assert one.stdout.count("\n") > 1000 and two.stdout == one.stdout
    assert two.stderr == one.stderr and two.returncode == one.returncode == 2  # the same lines refused alike
    four = _run("-i", str(stream_file), "--workers", "4", text=None)
    assert four.stdout == _run("-i", str(stream_file)).stdout


def test_every_decision_of_each_partition_is_the_one_shot_decision(stream_file):
    policy = load_policy(FIXTURE_RULES)
    numbered = list(enumerate(stream_file.read_bytes().splitlines(keepends=True), start=1))
    outputs = 0
    for index in range(2):
        mine = [line for _, line in numbered if line.strip() and route(line, 2) == index]
        result = replay(StreamProcessor(policy), mine)  # what partition ``index`` of --workers 2 decides
        assert result.mismatches == 0 and result.events > 1000
        outputs += result.outputs
    assert outputs == _run("-i", str(stream_file), "--workers", "2").stdout.count("\n")


def test_partitioned_state_resumes_and_refuses_another_number_of_workers(tmp_path, stream_file):
    lines = stream_file.read_text(encoding="utf-8").splitlines(keepends=True)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(lines[:1700]), encoding="utf-8")
    state = tmp_path / "state.db"
    durable = ["--state", str(state), "--workers", "2", "--commit-lines", "30", "--cache", "4"]
    before, after = _run(*durable, "-i", str(first)), _run(*durable, "-i", str(stream_file))
    assert before.stdout + after.stdout == _run("-i", str(stream_file)).stdout
    assert state.exists() and Path(f"{state}.1").exists() and not Path(f"{state}.2").exists()
    three = _run("--state", str(state), "--workers", "3", "-i", str(stream_file))
    assert three.returncode == 2 and f"{state}: written by 2 partition(s): give --workers 2" in three.stderr
    assert not Path(f"{state}.2").exists()  # refused before anything was made
    one = _run("--state", str(state), "-i", str(stream_file))
    assert one.returncode == 2 and "holds partition 0/2 of the subjects, not 0/1" in one.stderr


def test_a_partition_that_cannot_open_its_state_stops_the_stream_with_its_reason(tmp_path, stream_file):
    state = tmp_path / "state.db"
    Path(f"{state}.1").mkdir()  # partition 1's file is a folder
    refused = _run("--state", str(state), "--workers", "2", "-i", str(stream_file))
    assert refused.returncode == 2 and f"--state {state}.1: is a folder" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stdout == ""
