"""The decision service written by hand: the floor ``bench_serve.py`` measures the service against.

What a careful programmer would write for speed to answer ``close_account``
over HTTP with the issue's obligations, and nothing more: uvicorn (the server
the service must run on) with a raw ASGI app, no framework; msgspec reading
the body (exact decimals) and writing the answer; the hand-written decision of
``handwritten.py`` (the same schema check and answers as the engine); and a
decision log in SQLite (WAL, the service's table and indexes) that commits
whatever records are waiting when the event loop comes round (group commit),
each record a UUIDv7-like id, the time, the outcome and rule ids, a SHA-256 of
the body as sent and the body compressed, acknowledged only once committed.

It skips what the service does beyond that (strict reading: repeated keys,
limits; canonical facts for the hash; problem details; metrics; timeouts;
reloads), so it is a floor: the service cannot be expected to beat it, and its
rate is the most this machine gives a Python service that logs every decision.
``BENCH_FLOOR_LOG`` names the log file (set by ``bench_serve.py``); without it,
nothing is logged.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import sqlite3
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402

from closure_policy import load_policy  # noqa: E402

_LOADED = load_policy()
_POLICY = {"name": _LOADED.name, "revision": _LOADED.revision}
_READ = msgspec.json.Decoder(float_hook=Decimal)
_READ_MANY = msgspec.json.Decoder(list[msgspec.Raw])
_WRITE = msgspec.json.Encoder(decimal_format="number")
_PACK = zstandard.ZstdCompressor(level=1)
_TABLE = """
CREATE TABLE IF NOT EXISTS decisions (decision_id TEXT PRIMARY KEY, time REAL NOT NULL, outcome TEXT NOT NULL,
    violations TEXT NOT NULL, account_id TEXT, facts_sha256 TEXT NOT NULL, facts BLOB);
CREATE INDEX IF NOT EXISTS decisions_account ON decisions (account_id);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time);
"""


class _Log:
    def __init__(self, path: str):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_TABLE)
        self.turn = open(path + ".lock", "a+b")  # noqa: SIM115 - the workers take turns writing
        self.waiting: list[tuple[Any, ...]] = []
        self.done: list[asyncio.Future[None]] = []

    async def record(self, rows: list[tuple[Any, ...]]) -> None:
        loop = asyncio.get_running_loop()
        if not self.waiting:
            loop.call_soon(self.commit)
        self.waiting += rows
        done = loop.create_future()
        self.done.append(done)
        await done

    def commit(self) -> None:
        rows, done, self.waiting, self.done = self.waiting, self.done, [], []
        fcntl.flock(self.turn, fcntl.LOCK_EX)
        try:
            with self.db:  # its own transaction, rolled back on an error
                self.db.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:  # every waiting request is told (a 500), none waits forever
            for future in done:
                future.set_exception(exc)
            return
        finally:
            fcntl.flock(self.turn, fcntl.LOCK_UN)
        for future in done:
            future.set_result(None)


_LOG = _Log(os.environ["BENCH_FLOOR_LOG"]) if os.environ.get("BENCH_FLOOR_LOG") else None


def _decide(text: bytes) -> tuple[dict[str, Any], tuple[Any, ...]]:
    answer = handwritten.close_account(_READ.decode(text), _POLICY)
    answer["decision_id"] = identity = os.urandom(16).hex()
    row = (identity, time.time(), answer["outcome"], ",".join(v["rule"] for v in answer["violations"]),
           answer["account_id"], hashlib.sha256(text).hexdigest(), _PACK.compress(text))
    return answer, row


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    if scope["method"] != "POST":  # a readiness probe
        answer, rows = b"{}", []
    elif scope["path"].endswith("/batch"):
        decided = [_decide(bytes(item)) for item in _READ_MANY.decode(body)]
        answer, rows = _WRITE.encode([a for a, _ in decided]), [r for _, r in decided]
    else:
        one, row = _decide(body)
        answer, rows = _WRITE.encode(one), [row]
    if _LOG is not None and rows:
        await _LOG.record(rows)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]})
    await send({"type": "http.response.body", "body": answer})
