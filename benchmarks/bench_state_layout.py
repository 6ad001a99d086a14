"""Where ``stream --workers 2 --state`` keeps its partitions' states: one SQLite file each, or one shared file
with a partition column? Measured as the stream commits: two processes at once, each committing groups of
states (the size of this policy's compressed states) with its input position.

    python benchmarks/bench_state_layout.py [--commits 400] [--rows 500]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def _open(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS accounts (partition INTEGER, account TEXT, state BLOB, "
               "PRIMARY KEY (partition, account))")
    db.execute("CREATE TABLE IF NOT EXISTS meta (partition INTEGER PRIMARY KEY, position INTEGER)")
    return db


def _commit(path: str, partition: int, commits: int, rows: int) -> None:
    db = _open(path)
    blob = os.urandom(300)
    for n in range(commits):
        with db:
            db.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)",
                           [(partition, f"P-{(n * rows + r) % 20_000}", blob) for r in range(rows)])
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (partition, n))
    db.close()


def _layout(folder: Path, shared: bool, commits: int, rows: int) -> float:
    paths = [str(folder / ("shared.db" if shared else f"part{i}.db")) for i in range(2)]
    for path in paths:
        _open(path).close()
    procs = [multiprocessing.Process(target=_commit, args=(paths[i], i, commits, rows)) for i in range(2)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return 2 * commits * rows / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args(argv)
    best = {"one file per partition": 0.0, "one shared file": 0.0}
    for _ in range(3):  # in turns: the machine's speed drifts
        for name in best:
            with tempfile.TemporaryDirectory() as folder:
                best[name] = max(best[name], _layout(Path(folder), name == "one shared file", args.commits,
                                                     args.rows))
    for name, rate in best.items():
        print(f"{name}: {rate:,.0f} states committed/s (2 processes, groups of {args.rows})")
    print(f"per-partition files / shared file: {best['one file per partition'] / best['one shared file']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
