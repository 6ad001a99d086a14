"""Decision logs shipped to a real PostgreSQL: nothing acknowledged is lost or kept twice, through a database
outage and an instance killed with SIGKILL; the shared log reads back exactly as the local ones."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from closure_policy import limits
from closure_policy.decisionlog import LogFull, SqliteLog, read_log, read_records
from closure_policy.decisionlog.postgres import TABLE

from ..conftest import FIXTURE_RULES
from ..pgserver import PostgresServer
from .instances import Instance, Load


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    yield server
    server.close()


def _until(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def _pending(instance: Instance) -> int:
    shipping = instance.status()["decision_log"]["shipping"]
    return int(shipping["pending"]) if shipping["shipping"] else -1


def _shipped_all(instance: Instance, log: Path) -> bool:
    """Its shipper's mark has reached the last record of its log: the status's pending count alone may be a
    round of the shipper old (counted before the last records came)."""
    shipping = instance.status()["decision_log"]["shipping"]
    with sqlite3.connect(f"file:{log}?mode=ro", uri=True) as db:
        last = db.execute("SELECT coalesce(max(rowid), 0) FROM decisions").fetchone()[0]
    return bool(shipping["shipping"]) and int(shipping["shipped"]) == last


def test_every_acknowledged_decision_reaches_postgresql_exactly_once_through_an_outage_and_a_kill(postgres,
                                                                                                tmp_path):
    logs = [tmp_path / f"log{i}.db" for i in range(2)]
    args = [("--rules", str(FIXTURE_RULES), "--decision-log", str(log), "--ship-to", postgres.url) for log in logs]
    instances = [Instance(*args[0], "--mask", "/balance"), Instance(*args[1])]
    load = Load(instances)
    try:
        _until(lambda: all(len(a) > 50 for a in load.answers), 30)
        postgres.stop("immediate")  # the database crashes mid-load
        answered = [len(a) for a in load.answers]
        _until(lambda: all(len(a) > n + 50 for a, n in zip(load.answers, answered, strict=True)), 30)
        assert all(_pending(i) > 0 for i in instances)  # decisions go on, kept locally
        assert "last_error" in instances[0].status()["decision_log"]["shipping"]
        postgres.start()
        time.sleep(0.5)
        instances[1].kill()  # an instance killed mid-load, then restarted on its own log
        instances[1] = Instance(*args[1], port=instances[1].port)
        load.instances[1] = instances[1]
        time.sleep(1.0)
    finally:
        load.stop()
    _until(lambda: all(_shipped_all(i, log) for i, log in zip(instances, logs, strict=True)), 60)
    for instance in instances:
        instance.stop()
    acknowledged = {a["decision_id"]: (a["policy"]["revision"], a["outcome"])
                    for answers in load.answers for _, status, a in answers if status == 200}
    with psycopg.connect(postgres.url) as db:
        rows = db.execute(f"SELECT decision_id, revision, outcome FROM {TABLE}")
        shipped = {row[0]: (row[1], row[2]) for row in rows}
        count = db.execute(f"SELECT count(*), count(DISTINCT decision_id) FROM {TABLE}").fetchone()
    local = {r.decision_id: r for log in logs for r in read_records(str(log))}
    assert len(acknowledged) > 200
    assert count[0] == count[1] == len(local) == len(shipped)  # each local record once, nothing else
    assert all(shipped[d] == answer for d, answer in acknowledged.items())  # every acknowledged one, as answered
    first = {r.decision_id for r in read_records(str(logs[0]))}
    masked = [r for r in read_log(postgres.url) if r.decision_id in first]
    assert masked and all(r.facts["balance"] == "***" for r in masked)  # masked before it left the machine
    assert sorted(read_log(postgres.url), key=lambda r: (r.time, r.decision_id)) == \
        sorted(local.values(), key=lambda r: (r.time, r.decision_id))  # read back exactly as the local logs


def test_the_log_command_reads_the_shared_log_with_the_same_filters(postgres, tmp_path):
    first = next(iter(read_log(postgres.url)), None)
    assert first is not None

    def log(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "log", "--decision-log", *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    assert len(log(postgres.url, "--decision-id", first.decision_id)) == 1
    everything = log(postgres.url)
    assert len(log(postgres.url, "--since", first.time)) <= len(everything)
    assert len(log(postgres.url, "--outcome", first.outcome)) <= len(everything)
    refused = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "log", "--decision-log",
                              "postgresql://nobody:secret@127.0.0.1:9/none"], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "secret" not in refused.stderr and "***" in refused.stderr


def test_a_full_outbox_refuses_new_decisions_rather_than_dropping_any(tmp_path, monkeypatch):
    from closure_policy.decisionlog import Masking, decision_id, record_of
    from closure_policy.policy import load_policy

    from ..conftest import BASE

    monkeypatch.setattr(limits, "MAX_LOG_OUTBOX_RECORDS", 5)
    log = SqliteLog(str(tmp_path / "log.db"), ship_to="postgresql://postgres@127.0.0.1:9/down")
    policy = load_policy(FIXTURE_RULES)
    decision = policy.decide("gate", BASE)

    def record() -> None:
        asyncio.run(log.record([record_of(decision, decision_id(), BASE, "compiled", 1.0, Masking())]))

    for _ in range(5):
        record()
    with pytest.raises(LogFull, match="5 decisions wait to be shipped"):
        record()
    log.close()
    assert len(list(read_records(str(tmp_path / "log.db")))) == 5


def test_a_service_with_a_full_outbox_answers_503_log_full(tmp_path, monkeypatch):
    from ..conftest import BASE
    from ..serve.conftest import app_client

    monkeypatch.setattr(limits, "MAX_LOG_OUTBOX_RECORDS", 2)
    with app_client(decision_log=str(tmp_path / "log.db"), ship_to="postgresql://postgres@127.0.0.1:9/down") as c:
        assert [c.post("/v1/decisions/gate", json=BASE).status_code for _ in range(2)] == [200, 200]
        full = c.post("/v1/decisions/gate", json=BASE)
        assert full.status_code == 503 and full.json()["type"].endswith("/log-full")
        status = c.get("/v1/status").json()["decision_log"]
        assert status["ship_to"] == "postgresql://postgres@127.0.0.1:9/down"
        shipping = lambda: c.get("/v1/status").json()["decision_log"]["shipping"]  # noqa: E731
        # each round counts, then tries: a failure can come in a round counted before the second record
        _until(lambda: shipping()["failures"] > 0 and shipping()["pending"] == 2, 10)


def test_a_shared_log_made_before_sources_were_recorded_is_read_as_it_is_and_brought_up_to_date(postgres, tmp_path):
    from closure_policy.decisionlog import Masking, Shipper, decision_id, record_of
    from closure_policy.decisionlog.postgres import CREATE
    from closure_policy.policy import load_policy

    from ..conftest import BASE

    url = postgres.url.rsplit("/", 1)[0] + "/before_sources"
    with psycopg.connect(postgres.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE before_sources")
    old = CREATE.split(";")[0].replace("source text NOT NULL DEFAULT 'api', ", "")  # the table as first made
    with psycopg.connect(url) as db:
        db.execute(old)
        db.execute(f"INSERT INTO {TABLE} (decision_id, time, query, outcome, violations, lang, policy_name, "
                   "revision, facts_sha256, backend, latency_ms, instance) VALUES ('0', '2026-01-01T00:00:00.000Z', "
                   "'gate', 'allow', '[]', 'en', 'p', 'r', 'h', 'compiled', 1.0, 'old')")
    assert [r.source for r in read_log(url)] == ["api"]  # read as it is: no column, the value old records hold
    log = SqliteLog(str(tmp_path / "log.db"))
    decision = load_policy(FIXTURE_RULES).decide("gate", BASE)
    asyncio.run(log.record([record_of(decision, decision_id(), BASE, "compiled", 1.0, Masking(),
                                      source="playground")]))
    shipper = Shipper(str(tmp_path / "log.db"), url, "test").start()
    try:
        _until(lambda: shipper.status.shipped == 1, 30)
    finally:
        shipper.stop()
        log.close()
    assert [r.source for r in read_log(url)] == ["api", "playground"]  # the column added, the old row api


def test_a_stopping_shipper_ships_what_its_log_holds_first(postgres, tmp_path):
    from closure_policy.decisionlog import Masking, Shipper, decision_id, record_of
    from closure_policy.policy import load_policy

    from ..conftest import BASE

    log = SqliteLog(str(tmp_path / "log.db"))
    decision = load_policy(FIXTURE_RULES).decide("gate", BASE)

    def record(n: int) -> set[str]:
        records = [record_of(decision, decision_id(), BASE, "compiled", 1.0, Masking()) for _ in range(n)]
        asyncio.run(log.record(records))
        return {r.decision_id for r in records}

    first = record(3)
    shipper = Shipper(str(tmp_path / "log.db"), postgres.url, "flush", interval=3600).start()
    _until(lambda: shipper.status.shipped == 3, 30)  # its first round; the next is an hour away
    later = record(5)
    shipper.stop()  # as a SIGTERM stops a service: the five are shipped before it ends
    log.close()
    with psycopg.connect(postgres.url) as db:
        there = {row[0] for row in db.execute(f"SELECT decision_id FROM {TABLE} WHERE instance = 'flush'")}
    assert there == first | later
