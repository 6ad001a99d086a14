"""Kill ``closure-policy stream --state`` with SIGKILL at random points and restart it: the harness.

Used by ``test_kill.py`` (short runs over the fixture policy, in CI) and run at
full size over the bundled policy::

    python -m tests.stream.killing --events 200000 --accounts 10000 --kills 10 [--workers 2]

Each run reads the same input file; each is killed once the state file's
committed position passes a random point (mid-group: lines after the last
commit were written and will come again), and the last run goes to the end.
The outputs of every run, de-duplicated by ``line``, must equal one
uninterrupted run's, line for line.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STREAM = [sys.executable, "-m", "closure_policy.cli.main", "stream"]


@dataclass
class Killed:
    """What the runs wrote: each output with the run it came from, and where each run was killed."""

    whole: list[dict[str, Any]]
    runs: list[list[dict[str, Any]]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  #: the committed position each kill came after
    codes: list[int] = field(default_factory=list)

    def merged(self) -> list[dict[str, Any]]:
        """Every line's outputs once, in line order; a line written twice must have been written alike."""
        by_line: dict[int, list[dict[str, Any]]] = {}
        for run in self.runs:
            mine: dict[int, list[dict[str, Any]]] = {}
            for output in run:
                mine.setdefault(output["line"], []).append(output)
            for line, outputs in mine.items():
                seen = by_line.setdefault(line, outputs)
                shorter, longer = sorted((seen, outputs), key=len)
                assert longer[:len(shorter)] == shorter, f"line {line} was written differently by two runs"
                by_line[line] = longer
        return [o for line in sorted(by_line) for o in by_line[line]]


def position(state: str) -> int:
    if not os.path.exists(state):
        return 0
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'position'").fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0


def _outputs(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines(keepends=True) if line.endswith(b"}\n")]


def _run_killed(command: list[str], state: str, after: int | None, deadline: float) -> tuple[bytes, int, int]:
    """One run, killed once the committed position passes ``after`` (None: run to the end)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    written: list[bytes] = []
    reader = threading.Thread(target=lambda: written.append(process.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    committed = 0
    while after is not None and process.poll() is None and time.monotonic() < deadline:
        committed = position(state)
        if committed > after:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    reader.join()
    return b"".join(written), code, committed


def kill_and_resume(rules: str | None, events: Path, kills: int, seed: int, workers: int = 1,
                    commit_lines: int = 100, timeout: float = 600) -> Killed:
    base = [*STREAM, *(["--rules", rules] if rules else []), "--input", str(events)]
    whole = subprocess.run(base, capture_output=True, timeout=timeout)
    result = Killed(_outputs(whole.stdout))
    count = sum(1 for _ in events.open("rb"))
    points = sorted(random.Random(seed).sample(range(1, count), kills))
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory() as folder:
        state = str(Path(folder) / "state.db")
        durable = [*base, "--state", state, "--workers", str(workers), "--commit-lines", str(commit_lines),
                   "--commit-ms", "100000"]
        for after in [*points, None]:
            data, code, committed = _run_killed(durable, state, after, deadline)
            result.runs.append(_outputs(data))
            result.codes.append(code)
            if after is not None:
                result.positions.append(committed)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", help="rule folder (default: the bundled rules)")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from synthetic import events  # the bundled policy's events

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_text("".join(f"{line}\n" for line in events(args.events, args.accounts, seed=args.seed,
                                                                   malformed=0.0005)), encoding="utf-8")
        start = time.monotonic()
        killed = kill_and_resume(args.rules, path, args.kills, args.seed, args.workers, commit_lines=1000,
                                 timeout=3600)
    same = killed.merged() == killed.whole
    print(json.dumps({"events": args.events, "workers": args.workers, "kills": len(killed.positions),
                      "killed_after": killed.positions, "outputs": len(killed.whole),
                      "written_in_all": sum(map(len, killed.runs)), "equal_to_one_run": same,
                      "seconds": round(time.monotonic() - start)}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
