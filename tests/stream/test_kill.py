"""SIGKILL at ten random points, a restart after each: together the runs write what one run writes.

Short runs over the fixture policy (``killing.py`` runs the same harness at 200,000 events over the
bundled policy). One process, and two partitions (``--workers 2``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from closure_policy import load_policy
from tests.conftest import FIXTURE_RULES
from tests.stream.killing import kill_and_resume
from tests.stream.test_stream import events


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "events.jsonl"
    path.write_text("".join(f"{line}\n" for line in events(6000, 150, seed=5, malformed=0.002)), encoding="utf-8")
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_runs_killed_at_ten_random_points_write_what_one_run_writes(stream_file, workers):
    killed = kill_and_resume(str(FIXTURE_RULES), stream_file, kills=10, seed=workers, workers=workers,
                             commit_lines=40)
    assert len(killed.whole) > 1500
    assert killed.merged() == killed.whole
    assert len(killed.positions) == 10 and killed.codes[-1] == 2  # the last run ends; the input has bad lines
    assert sum(map(len, killed.runs)) >= len(killed.whole)  # lines after a kill's last commit came again
    finals = load_policy(FIXTURE_RULES).stream.finals  # type: ignore[union-attr]
    kept = 0
    for run, committed, after in zip(killed.runs[:-1], killed.positions, killed.runs[1:], strict=True):
        closed = {o["decision"]["account_id"] for o in run if o["line"] <= committed and o["state"] in finals}
        later = [o for o in after if o["decision"]["account_id"] in closed]
        assert all(o["state"] in finals for o in later)  # closed before the kill, closed after the restart
        kept += len(later)
    assert kept > 0
