"""Shipping a decision log to the fleet's PostgreSQL: the local SQLite log is the outbox, nothing is dropped.

A decision is acknowledged once it is in the local log (``sinks.SqliteLog``),
as without shipping. A shipper copies the records after the last one shipped
(SQLite row order is commit order: commits take turns), a batch a
transaction, to PostgreSQL (``postgres.py``: keyed by ``decision_id``, so a
batch shipped twice is kept once), and only after PostgreSQL's commit moves
its mark in the local log. While PostgreSQL is down, decisions go on and the
outbox grows; past ``MAX_LOG_OUTBOX_RECORDS`` records not yet shipped the
service refuses new decisions (503 ``log-full``) rather than lose any.

The workers of ``serve --workers N`` share one log file and one shipper: the
worker holding ``PATH.ship`` ships, and another takes over if it dies.
Records leave the machine as the log keeps them: masked (``--mask``) already.
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

import zstandard

from .. import limits
from ..clock import now_text
from ..sqlitefile import LockFile, connect
from .postgres import COPY, CREATE, MOVE, STAGING, bring_up_to_date, shown
from .postgres import connect as pg_connect
from .record import FIELDS
from .rows import facts_text


def sink_name(url: str) -> str:
    """The mark's key: the database a URL names, without its password (a new database gets every record)."""
    return shown(url)


def outbox(connection: sqlite3.Connection, sink: str) -> tuple[int, int]:
    """(the last row shipped, the last row written) of a log: their difference is what waits to be shipped."""
    row = connection.execute("SELECT shipped FROM shipping WHERE sink = ?", (sink,)).fetchone()
    last = connection.execute("SELECT coalesce(max(rowid), 0) FROM decisions").fetchone()[0]
    return (int(row[0]) if row else 0), int(last)


@dataclass
class ShipStatus:
    """What ``GET /v1/status`` says of shipping (this process's view; the counts are the log's)."""

    sink: str
    shipped: int = 0
    pending: int = 0
    shipping: bool = False  #: this process holds the shipper's turn
    last_shipped_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"sink": self.sink, "shipped": self.shipped, "pending": self.pending, "shipping": self.shipping,
                "last_shipped_at": self.last_shipped_at, "last_error": self.last_error,
                "last_error_at": self.last_error_at, "failures": self.failures}


class Shipper:
    """A thread copying the log at ``path`` to the PostgreSQL database ``url``; :meth:`stop` ends it."""

    def __init__(self, path: str, url: str, instance: str, interval: float = 0.2):
        self.path, self.url, self.instance, self.interval = path, url, instance, interval
        self.status = ShipStatus(sink_name(url))
        self._stop = threading.Event()
        self._local = connect(path, threads=True, checkpoints=False)  # the log made the shipping table
        self._turn = LockFile(path)  # the writers' turn: the mark is written as they write
        self._ship_lock = LockFile(f"{path}.ship")
        self._pg: Any = None
        self._thread = threading.Thread(target=self._run, name="decision-log-shipper", daemon=True)

    def start(self) -> Shipper:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ship what the log holds (:meth:`_flush`), then end."""
        self._stop.set()
        self._thread.join(timeout=limits.SHIP_BACKOFF_SECONDS + limits.SHIP_FLUSH_SECONDS + 10)
        for closing in (self._pg, self._local, self._turn, self._ship_lock):
            if closing is not None:
                closing.close()

    def _run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            self._count()
            if not self.status.shipping:
                self.status.shipping = self._ship_lock.hold(0)
                if not self.status.shipping:
                    self._stop.wait(1.0)  # another worker ships; take over if it ends
                    continue
            try:
                sent = self._ship_batch()
                backoff = 0.0
                if not sent:
                    self._stop.wait(self.interval)
            except Exception as exc:  # noqa: BLE001 - PostgreSQL down, a network cut: said in status, tried again
                backoff = min(max(backoff * 2, 0.25), limits.SHIP_BACKOFF_SECONDS)
                self._failed(exc)
                self._stop.wait(backoff)
        self._flush(time.monotonic() + limits.SHIP_FLUSH_SECONDS)

    def _flush(self, deadline: float) -> None:
        """On a graceful stop, what the log holds is shipped, batch by batch, until none is left, the deadline
        passes or PostgreSQL fails; by the shipper only, and only while PostgreSQL answers (a stop is not held
        up by a database that is down). What is left waits in the outbox for the next start."""
        if not self.status.shipping or self._pg is None or self._pg.closed:
            return
        while time.monotonic() < deadline:
            try:
                if not self._ship_batch():
                    return
            except Exception as exc:  # noqa: BLE001 - as in the loop: said in status; the outbox keeps the rest
                self._failed(exc)
                return

    def _count(self) -> None:
        shipped, last = outbox(self._local, self.status.sink)
        self.status.shipped, self.status.pending = shipped, last - shipped

    def _ship_batch(self) -> int:
        shipped, _ = outbox(self._local, self.status.sink)
        rows = self._local.execute(f"SELECT rowid, {', '.join(FIELDS)} FROM decisions WHERE rowid > ? "
                                   "ORDER BY rowid LIMIT ?", (shipped, limits.SHIP_BATCH_RECORDS)).fetchall()
        if not rows:
            return 0
        database = self._database()
        with database.cursor() as cursor:
            with cursor.copy(COPY) as copy:
                for row in rows:
                    copy.write_row(self._values(row[1:]))
            cursor.execute(MOVE)
        database.commit()  # only then is the mark moved: a crash between the two ships the batch again, kept once
        with self._turn.turn(), self._local:
            self._local.execute("INSERT INTO shipping VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET "
                                "shipped = excluded.shipped", (self.status.sink, rows[-1][0]))
        self.status.last_shipped_at = now_text(3)
        return len(rows)

    def _values(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = dict(zip(FIELDS, row, strict=True))
        facts = values["facts"]
        if facts is not None:  # the log's frame as the JSON text it holds, within a document's size
            try:
                values["facts"] = facts_text(facts).decode("utf-8")
            except (ValueError, zstandard.ZstdError) as exc:  # said in status; the outbox waits, nothing dropped
                raise ValueError(f"decision {values['decision_id']}: its facts cannot be read ({exc})") from None
        return (*(values[f] for f in FIELDS), self.instance)

    def _database(self) -> Any:
        if self._pg is None or self._pg.closed:
            self._pg = pg_connect(self.url)
            with self._pg.cursor() as cursor:
                cursor.execute(CREATE)
                bring_up_to_date(self._pg)
                cursor.execute(STAGING)
            self._pg.commit()
        return self._pg

    def _failed(self, exc: Exception) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._count()  # what waits now, said with the failure (the round's count was made before it)
        text = str(exc).strip().splitlines()
        self.status.last_error = f"{type(exc).__name__}: {text[0] if text else ''}".strip()
        self.status.last_error_at = now_text(3)
        self.status.failures += 1
        if self._pg is not None:
            try:
                self._pg.close()
            finally:
                self._pg = None
