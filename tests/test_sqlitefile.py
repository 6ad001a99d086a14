"""The SQLite file both the state store and the decision log keep: WAL, a foreign file left alone, the lock."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from closure_policy.sqlitefile import Foreign, LockFile, connect, read_only


def test_a_file_is_opened_in_wal_mode_and_a_foreign_one_is_refused_unchanged(tmp_path):
    ours = connect(str(tmp_path / "ours.db"), owns={"t"})
    assert ours.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ours.close()
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id TEXT)")
    with pytest.raises(Foreign, match=r"tables: invoices"):
        connect(str(foreign), owns={"t"})
    with sqlite3.connect(foreign) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # left as it was found


def test_a_read_only_connection_never_writes_nor_creates(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        read_only(str(tmp_path / "odd ?name#.db")).execute("SELECT 1 FROM sqlite_master").fetchall()
    assert not list(tmp_path.iterdir())
    path = tmp_path / "odd ?name#.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    reader = read_only(str(path))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("INSERT INTO t VALUES (1)")


def test_the_lock_held_for_good_refuses_a_second_holder_until_the_first_lets_go(tmp_path):
    first, second = LockFile(str(tmp_path / "f.db")), LockFile(str(tmp_path / "f.db"))
    assert first.hold(0)
    started = time.monotonic()
    assert not second.hold(0.2) and time.monotonic() - started >= 0.2
    first.close()
    assert second.hold(0)
    second.close()


def test_a_turn_is_handed_to_the_next_writer_once_the_first_is_done(tmp_path):
    first, second = LockFile(str(tmp_path / "f.db")), LockFile(str(tmp_path / "f.db"))
    order: list[str] = []
    with first.turn():
        waiter = threading.Thread(target=lambda: [second.turn().__enter__(), order.append("second")])
        waiter.start()
        time.sleep(0.1)
        order.append("first")
    waiter.join(5)
    assert order == ["first", "second"]
    first.close()
    second.close()
