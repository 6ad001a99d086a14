"""Each account's state kept in SQLite (``stream --state PATH``): durable across crashes and restarts.

The state of an account (its facts, what was last emitted for it, where it is
in the lifecycle) is kept compressed as :class:`~closure_policy.stream.store.AccountStore`
keeps it (``StateCodec``), in one row of a SQLite database in WAL mode, and the input position
(the number of the last line taken) is committed in the same transaction as
the states that line changed: a restart resumes exactly after the last commit.
Commits come in groups (every so many lines or milliseconds, the caller's
choice), and the caller flushes its output before each: a line whose output
was written may be read again after a crash, never one whose state was lost.

Only recently used accounts are held in memory (``cache`` of them); the rest
live only on disk. A state file written by another policy revision is refused:
the states were made by other rules.
"""
from __future__ import annotations

import os
import sqlite3
from typing import Any

from .. import limits
from ..errors import ClosurePolicyError, MachineFault
from .store import HotStates, StateCodec, StateLimit

_CREATE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, state BLOB NOT NULL);
"""


class StateFileError(ClosurePolicyError):
    """A state file that cannot be used: unreadable, not one of ours, or of another policy revision."""


class DurableStore:
    """AccountStore's interface over a SQLite file, with a bounded cache of hot accounts."""

    def __init__(self, path: str, facts_schema: Any, revision: str, cache: int = limits.STATE_CACHE_ACCOUNTS):
        self.path = path
        self._codec = StateCodec(facts_schema)  # the same compact form as in memory
        self._cache = HotStates(cache)
        self._dirty: set[str] = set()
        self._db = _open(path)
        self.position = self._check(revision)

    def _check(self, revision: str) -> int:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            with self._db:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", [("revision", revision), ("position", "0")])
            return 0
        if meta.get("revision") != revision:
            raise StateFileError(f"{self.path}: written by policy revision {str(meta.get('revision'))[:19]}; the "
                                 f"rules are {revision[:19]}: their states were made by other rules")
        position = meta.get("position", "")
        if not position.isdigit():
            raise StateFileError(f"{self.path}: not a state file of closure-policy stream (position {position!r})")
        return int(position)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM accounts").fetchone()[0]) + \
            sum(1 for a in self._dirty if not self._on_disk(a))

    def __contains__(self, account: str) -> bool:
        return account in self._cache or self._on_disk(account)

    def _on_disk(self, account: str) -> bool:
        return self._db.execute("SELECT 1 FROM accounts WHERE account = ?", (account,)).fetchone() is not None

    def get(self, account: str) -> Any:
        state = self._cache.get(account)
        if state is None:
            row = self._db.execute("SELECT state FROM accounts WHERE account = ?", (account,)).fetchone()
            if row is None:
                return None
            blob = bytes(row[0])
            if len(blob) > limits.MAX_ACCOUNT_STATE_BYTES:  # never a decision from a state not read whole
                raise StateFileError(f"{self.path}: the state of {account!r} is over the limit of "
                                     f"{limits.MAX_ACCOUNT_STATE_BYTES:,} bytes")
            state = self._codec.decode(blob)
            self._cache.hold(account, state, None)
        return state

    def put(self, account: str, state: Any) -> None:
        self._cache.hold(account, state, self._codec.text(state))
        self._dirty.add(account)

    def stored_bytes(self, account: str) -> int:
        text = self._cache.text(account)
        return len(self._codec.compress(text)) if text is not None else 0

    def commit(self, position: int) -> list[str]:
        """Keep every changed state and ``position`` in one transaction; the accounts no longer held in
        memory are returned (the caller's lifecycle forgets them too)."""
        rows = [(account, self._codec.compress(text)) for account in self._dirty
                if (text := self._cache.text(account)) is not None]  # a changed state always has its text
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?)", rows)
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'position'", (str(position),))
        except sqlite3.Error as exc:  # a full or read-only disk mid-run: exit 1, the last commit intact
            raise MachineFault(f"{self.path}: the states cannot be written ({exc}); a restart resumes after "
                               f"line {self.position}") from None
        for account in self._dirty:
            self._cache.kept(account)
        self._dirty.clear()
        self.position = position
        return [account for account, _ in self._cache.over()]

    def close(self) -> None:
        self._db.close()


def _open(path: str) -> sqlite3.Connection:
    if os.path.isdir(path):
        raise StateFileError(f"--state {path}: is a folder; name a file")
    try:
        db = sqlite3.connect(path)
        foreign = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if foreign - {"meta", "accounts"}:
            raise StateFileError(f"--state {path}: a SQLite database of something else (tables: "
                                 f"{', '.join(sorted(foreign))})")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a commit survives the process being killed
        db.executescript(_CREATE)
        db.execute("SELECT key, value FROM meta LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"--state {path}: not a state file ({exc})") from None
    return db


__all__ = ["DurableStore", "StateFileError", "StateLimit"]
