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

import contextlib
import os
import sqlite3
from contextlib import closing
from typing import Any, Callable, Iterator

import msgspec
import zstandard

from .. import limits
from ..errors import ClosurePolicyError, MachineFault
from ..sqlitefile import Foreign, LockFile, connect, read_only
from .store import CachingStore, StateCodec, StateLimit

_CREATE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;
"""  # without a rowid: a state is written into one b-tree, not a table and its key's index (files of old: either)


class StateFileError(ClosurePolicyError):
    """A state file that cannot be used: unreadable, not one of ours, or of another policy revision."""


class SqliteStates:
    """The compressed states in the ``accounts`` table; written in the transaction :meth:`commit` ends."""

    def __init__(self, path: str):
        self.path = path
        self.db = _open(path)
        self.position = 0  #: the input position of the last commit

    def read(self, account: str) -> bytes | None:
        row = self.db.execute("SELECT state FROM accounts WHERE account = ?", (account,)).fetchone()
        return None if row is None else bytes(row[0])

    def write(self, rows: list[tuple[str, bytes]]) -> None:
        try:  # in key order: neighbouring accounts share pages of the b-tree
            self.db.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?)", sorted(rows))
        except sqlite3.Error as exc:  # a full or read-only disk mid-run: exit 1, the last commit intact
            self._failed(exc)

    def __contains__(self, account: str) -> bool:
        return self.db.execute("SELECT 1 FROM accounts WHERE account = ?", (account,)).fetchone() is not None

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM accounts").fetchone()[0])

    def commit(self, position: int) -> None:
        """The states written since the last commit kept, with ``position``, in one transaction."""
        try:
            with self.db:
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'position'", (str(position),))
        except sqlite3.Error as exc:
            self._failed(exc)
        self.position = position

    def _failed(self, exc: sqlite3.Error) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.rollback()
        raise MachineFault(f"{self.path}: the states cannot be written ({exc}); a restart resumes after "
                           f"line {self.position}") from None

    def rows(self) -> Iterator[tuple[str, bytes]]:
        """Every account's stored state, a page at a time (a million accounts are never in memory at once)."""
        after = ""
        while True:
            page = self.db.execute("SELECT account, state FROM accounts WHERE account > ? ORDER BY account "
                                   "LIMIT 1000", (after,)).fetchall()
            for account, blob in page:
                yield account, bytes(blob)
            if len(page) < 1000:
                return
            after = page[-1][0]


class DurableStore(CachingStore):
    """The states in a SQLite file, the recently used (``cache`` of them) also in memory."""

    def __init__(self, path: str, facts_schema: Any, revision: str, cache: int = limits.STATE_CACHE_ACCOUNTS,
                 migrate: bool = False, partition: tuple[int, int] = (0, 1)):
        """``migrate``: a file of another policy revision is opened (``stale`` names that revision) for
        :meth:`migrate`, not refused; ``partition``: (index, count) of the slice of the accounts it holds."""
        self.path = path
        self._lock = _lock(path)
        self._states = SqliteStates(path)
        super().__init__(self._states, StateCodec(facts_schema), cache)  # the same compact form as in memory
        self.stale: str | None = None
        self._old_preset = ""
        self._states.position = self._check(revision, migrate, f"{partition[0]}/{partition[1]}")

    @property
    def _db(self) -> sqlite3.Connection:
        return self._states.db

    @property
    def position(self) -> int:
        """The input position of the last commit: a restart resumes after it."""
        return self._states.position

    def _check(self, revision: str, migrate: bool, partition: str) -> int:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            with self._db:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("revision", revision), ("position", "0"), ("preset", self.codec.preset),
                    ("partition", partition)])
            return 0
        position = meta.get("position", "")
        if not position.isdigit() or "revision" not in meta:
            raise StateFileError(f"{self.path}: not a state file of closure-policy stream (position {position!r})")
        if meta.get("partition", "0/1") != partition:
            raise StateFileError(f"{self.path}: holds partition {meta['partition']} of the subjects, not "
                                 f"{partition}: give the --workers it was written with "
                                 f"({meta['partition'].partition('/')[2]})")
        if meta["revision"] != revision:
            if not migrate:
                raise StateFileError(f"{self.path}: written by policy revision {meta['revision'][:19]}; the rules "
                                     f"are {revision[:19]}: their states were made by other rules (--migrate "
                                     "re-reads them through these rules)")
            self.stale, self._old_preset = meta["revision"], meta.get("preset", self.codec.preset)
        return int(position)

    def migrate(self, restate: Callable[[Any], Any], revision: str) -> tuple[int, int]:
        """Every account's state re-read through the current rules (``restate``), in one transaction with the
        new revision: (accounts, how many changed state). A state the rules cannot read changes nothing."""
        old = StateCodec.from_preset(self._old_preset)
        accounts = changed = 0
        try:
            with self._db:
                for account, blob in self._states.rows():
                    state = self._read(old, account, blob)
                    try:
                        new = restate(state)
                    except (ClosurePolicyError, ValueError) as exc:
                        report = exc.report() if isinstance(exc, ClosurePolicyError) else str(exc)
                        raise StateFileError(f"{self.path}: subject {account!r} cannot be migrated: "
                                             f"{report}") from None
                    accounts, changed = accounts + 1, changed + (new != state)
                    self._db.execute("UPDATE accounts SET state = ? WHERE account = ?",
                                     (self.codec.encode(new), account))
                self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                     [("revision", revision), ("preset", self.codec.preset)])
        except sqlite3.Error as exc:
            raise MachineFault(f"{self.path}: the migrated states cannot be written ({exc}); nothing "
                               "was changed") from None
        self.stale = None
        return accounts, changed

    def decode(self, account: str, blob: bytes) -> Any:
        return self._read(self.codec, account, blob)

    def _read(self, codec: StateCodec, account: str, blob: bytes) -> Any:
        """A stored state, read back whole, or :class:`StateFileError`: never a decision from part of one."""
        if len(blob) > limits.MAX_ACCOUNT_STATE_BYTES:
            raise StateFileError(f"{self.path}: the state of {account!r} is over the limit of "
                                 f"{limits.MAX_ACCOUNT_STATE_BYTES:,} bytes")
        try:
            state = codec.decode(blob)
        except (zstandard.ZstdError, msgspec.DecodeError) as exc:
            raise StateFileError(f"{self.path}: the state of {account!r} cannot be read ({exc})") from None
        if not isinstance(state, dict) or not isinstance(state.get("facts"), dict):
            raise StateFileError(f"{self.path}: the state of {account!r} is not a stream state")
        return state

    def commit(self, position: int) -> None:
        """Keep every changed state and ``position`` in one transaction."""
        self.flush()
        self._states.commit(position)

    def close(self) -> None:
        self._db.close()
        self._lock.close()


def written_partitions(path: str) -> int | None:
    """How many partitions the state file at ``path`` says it was written with (None: no such file yet,
    or not one the store itself would open: it says why when it opens it)."""
    if not os.path.isfile(path):
        return None
    try:
        with closing(read_only(path)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'partition'").fetchone()
    except sqlite3.Error:
        return None
    count = str(row[0]).partition("/")[2] if row is not None else "1"
    return int(count) if count.isdigit() else None


def partition_path(path: str, index: int) -> str:
    """The state file of partition ``index``: ``--state PATH`` itself for the first, ``PATH.i`` beside it."""
    return path if index == 0 else f"{path}.{index}"


def _lock(path: str) -> LockFile:
    """One stream at a time on a state file: another (or a killed run's worker still finishing) would
    commit states this one has not read. Held until the process ends, however it ends."""
    if os.path.isdir(path):
        raise StateFileError(f"--state {path}: is a folder; name a file")
    try:
        lock = LockFile(path)
    except OSError as exc:
        raise StateFileError(f"--state {path}: {exc.strerror or exc}") from None
    if not lock.hold(limits.STATE_LOCK_WAIT_SECONDS):
        lock.close()
        raise StateFileError(f"--state {path}: in use by another stream (waited "
                             f"{limits.STATE_LOCK_WAIT_SECONDS} s for it to end)")
    return lock


def _open(path: str) -> sqlite3.Connection:
    try:
        db = connect(path, owns={"meta", "accounts"})
        db.execute(f"PRAGMA wal_autocheckpoint={limits.STATE_CHECKPOINT_PAGES}")
        db.executescript(_CREATE)
        db.execute("SELECT key, value FROM meta LIMIT 1").fetchall()
    except Foreign as exc:
        raise StateFileError(f"--state {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"--state {path}: not a state file ({exc})") from None
    return db


__all__ = ["DurableStore", "StateFileError", "StateLimit"]
