"""A fleet's costs, in one run: records shipped per second, what shipping adds to decisions, a rollout's time.

    python benchmarks/bench_fleet.py [--records 50000] [--seconds 3] [--rounds 3] [--rollouts 5]
                                     [--json benchmarks/results/fleet.json]

Against a throwaway PostgreSQL cluster (``tests/pgserver.py``: Debian's server, loopback, a temporary folder):

- **shipping**: a SQLite decision log of ``--records`` records (the bundled policy's decisions, facts kept)
  drained by the shipper (``decisionlog.Shipper``: batches of ``SHIP_BATCH_RECORDS``, ``ON CONFLICT DO
  NOTHING``, the mark moved after each commit), against the hand-written floor: the same rows read from
  SQLite and ``COPY``'d into a bare table in the same batches (no key, no mark, no facts decompressed);
- **decisions with shipping on and off**: one ``serve`` with ``--decision-log`` and one also with
  ``--ship-to``, taking turns (``--rounds`` of ``--seconds`` each), 4 client threads each, single decisions:
  decisions/s and latency percentiles as the clients saw them;
- **rollout**: three ``serve --bundle`` instances polling every second a static server (Python's
  ``http.server``); from a new bundle renamed into place to every instance serving it, ``--rollouts`` times
  (alternating two revisions); beside it, one bundle's verify + check + compile in process.

Not a test: figures vary by machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from tests.fleet.conftest import keypair, rules_copy  # noqa: E402
from tests.fleet.instances import Instance  # noqa: E402
from tests.fleet.static import StaticServer  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402

from closure_policy import limits, load_policy  # noqa: E402
from closure_policy.bundle import build_bundle, verify  # noqa: E402
from closure_policy.bundle.signing import public_key  # noqa: E402
from closure_policy.bundle.verify import load_bundle  # noqa: E402
from closure_policy.decisionlog import Masking, Shipper, SqliteLog, decision_id, record_of  # noqa: E402
from closure_policy.decisionlog.record import FIELDS  # noqa: E402

QUERY = "close_account"


def _facts() -> Any:
    return json.loads((ROOT / "examples/partner-with-small-balance.json").read_text(encoding="utf-8"))


def _filled_log(path: Path, count: int) -> None:
    policy, facts = load_policy(), _facts()
    decision = policy.decide(QUERY, facts)
    log = SqliteLog(str(path))

    async def fill() -> None:
        for first in range(0, count, 1000):
            await log.record([record_of(decision, decision_id(), facts, "compiled", 0.1, Masking())
                              for _ in range(min(1000, count - first))])
    asyncio.run(fill())
    log.close()


def shipping(pg: PostgresServer, records: int, folder: Path) -> dict[str, float]:
    log = folder / "outbox.db"
    _filled_log(log, records)
    shipper = Shipper(str(log), pg.url, "bench").start()
    start = time.perf_counter()
    while shipper.status.shipped < records:
        time.sleep(0.01)
    shipped = records / (time.perf_counter() - start)
    shipper.stop()
    return {"shipper": shipped, "floor": _floor(pg, log, records)}


def _floor(pg: PostgresServer, log: Path, records: int) -> float:
    import sqlite3

    source = sqlite3.connect(log)
    with psycopg.connect(pg.url) as db:
        db.execute("CREATE TABLE floor (" + ", ".join(f"{f} text" if f != "facts" else "facts bytea"
                                                       for f in FIELDS) + ")")
        db.commit()
        start = time.perf_counter()
        after = 0
        while True:
            rows = source.execute(f"SELECT rowid, {', '.join(FIELDS)} FROM decisions WHERE rowid > ? ORDER BY rowid "
                                  "LIMIT ?", (after, limits.SHIP_BATCH_RECORDS)).fetchall()
            if not rows:
                break
            with db.cursor() as cursor, cursor.copy(f"COPY floor ({', '.join(FIELDS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([str(v) if v is not None and not isinstance(v, bytes) else v for v in row[1:]])
            db.commit()
            after = rows[-1][0]
        return records / (time.perf_counter() - start)


def _clients(url: str, seconds: float, threads: int = 4) -> tuple[int, list[float]]:
    body = json.dumps(_facts()).encode()
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def send() -> None:
        mine = []
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < stop:
                start = time.perf_counter()
                response = client.post(f"{url}/v1/decisions/{QUERY}", content=body)
                assert response.status_code == 200, response.text
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
    workers = [threading.Thread(target=send) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(latencies), latencies


def _percentile(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1000


def latency(pg: PostgresServer, folder: Path, seconds: float, rounds: int) -> dict[str, dict[str, float]]:
    off = Instance("--decision-log", str(folder / "off.db"))
    on = Instance("--decision-log", str(folder / "on.db"), "--ship-to", pg.url)
    results: dict[str, list[float]] = {"off": [], "on": []}
    rates: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _ in range(rounds):
            for name, instance in (("off", off), ("on", on)):
                count, lat = _clients(instance.url, seconds)
                results[name] += lat
                rates[name].append(count / seconds)
        pending = on.status()["decision_log"]["shipping"]["pending"]
    finally:
        off.stop()
        on.stop()
    return {name: {"decisions_per_s": max(rates[name]), "p50_ms": _percentile(v, 0.5),
                   "p99_ms": _percentile(v, 0.99), "pending_at_end": float(pending if name == "on" else 0)}
            for name, v in results.items()}


def rollout(folder: Path, rollouts: int) -> dict[str, float]:
    signing, public = keypair(folder, "signing")
    bundles = [build_bundle(str(rules_copy(folder / label, message)), signing_key=str(signing), label=label)
               for label, message in (("A", None), ("B", "Closed: {account.id}."))]
    start = time.perf_counter()
    load_bundle(verify(bundles[1][0], public_key(str(public))), folder / "unpacked")
    one_load = time.perf_counter() - start
    www = folder / "www"
    www.mkdir()
    (www / "policy.tar.gz").write_bytes(bundles[0][0])
    server = StaticServer(www)
    instances = [Instance("--bundle", server.url + "/policy.tar.gz", "--bundle-key", str(public), "--bundle-poll",
                          "1", "--bundle-cache", str(folder / f"cache{i}")) for i in range(3)]
    times = []
    try:
        for n in range(rollouts):
            data, manifest = bundles[(n + 1) % 2]
            (www / ".next").write_bytes(data)
            published = time.monotonic()
            os.replace(www / ".next", www / "policy.tar.gz")
            while not all(i.status()["policy"]["revision"] == manifest.revision for i in instances):
                time.sleep(0.02)
            times.append(time.monotonic() - published)
            time.sleep(1.5)
    finally:
        for instance in instances:
            instance.stop()
        server.stop()
    return {"median_s": statistics.median(times), "max_s": max(times), "poll_s": 1.0, "one_bundle_load_s": one_load}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rollouts", type=int, default=5)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    pg = PostgresServer()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            ship = shipping(pg, args.records, folder)
            print(f"shipping {args.records:,} records: {ship['shipper']:,.0f} records/s "
                  f"(hand-written COPY floor {ship['floor']:,.0f}/s, {ship['shipper'] / ship['floor']:.2f} of it)")
            served = latency(pg, folder, args.seconds, args.rounds)
            for name, row in served.items():
                print(f"decisions, shipping {name}: {row['decisions_per_s']:,.0f}/s, p50 {row['p50_ms']:.2f} ms, "
                      f"p99 {row['p99_ms']:.2f} ms")
            roll = rollout(folder, args.rollouts)
            print(f"rollout to 3 instances polling every 1 s: median {roll['median_s']:.2f} s, "
                  f"max {roll['max_s']:.2f} s (one bundle verified, checked and compiled in "
                  f"{roll['one_bundle_load_s']:.2f} s)")
    finally:
        pg.close()
    if args.json:
        Path(args.json).write_text(json.dumps({"records": args.records, "shipping": ship, "decisions": served,
                                               "rollout": roll}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
