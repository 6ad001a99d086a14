"""`closure-policy serve` as a real process on loopback, with a real client (httpx)."""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from closure_policy.decisionlog import read_records
from closure_policy.serve.app import TOKEN_VARIABLE

from ..conftest import document


def test_serve_decides_and_stops_gracefully_on_sigterm(server_factory, rules, tmp_path):
    log = tmp_path / "decisions.db"
    server = server_factory("--rules", str(rules), "--decision-log", str(log))
    answer = httpx.post(server.url + "/v1/decisions/gate", json=document(balance={"pending": "5"})).json()
    assert answer["outcome"] == "deny"
    assert server.stop(signal.SIGTERM) == 0
    assert [r.decision_id for r in read_records(str(log))] == [answer["decision_id"]]
    assert f"decisions logged to {log}" in server.process.stderr.read().decode()  # said at start


def test_no_acknowledged_decision_is_lost_when_the_server_is_killed(server_factory, rules, tmp_path):
    log = str(tmp_path / "decisions.db")
    server = server_factory("--rules", str(rules), "--decision-log", log)
    received: list[str] = []
    stop = threading.Event()

    def drive() -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while not stop.is_set():
                try:
                    r = client.post("/v1/decisions/gate", json=document())
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 200:
                    received.append(r.json()["decision_id"])

    clients = [threading.Thread(target=drive) for _ in range(4)]
    for t in clients:
        t.start()
    deadline = time.monotonic() + 20
    while len(received) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in clients:
        t.join(timeout=10)
    assert len(received) >= 50
    again = server_factory("--rules", str(rules), "--decision-log", log)  # the same log, reopened
    logged = {r.decision_id for r in read_records(log)}
    assert set(received) <= logged
    httpx.post(again.url + "/v1/decisions/gate", json=document())
    assert len({r.decision_id for r in read_records(log)}) == len(logged) + 1


def test_hot_reload_under_load_keeps_answering(server_factory, rules):
    env = dict(os.environ, **{TOKEN_VARIABLE: "t"})
    server = server_factory("--rules", str(rules), env=env)
    auth = {"authorization": "Bearer t"}
    before = httpx.get(server.url + "/v1/policy").json()["revision"]
    failures, revisions, mixed = [], set(), []
    stop = threading.Event()

    def drive() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while not stop.is_set():
                r = client.post("/v1/decisions/gate/batch", json=[document()] * 20)
                if r.status_code != 200:
                    failures.append(r.status_code)
                    continue
                seen = {a["policy"]["revision"] for a in r.json()}
                revisions.update(seen)
                if len(seen) != 1:
                    mixed.append(seen)

    clients = [threading.Thread(target=drive) for _ in range(3)]
    for t in clients:
        t.start()
    gate = rules / "gate.yaml"
    text = gate.read_text(encoding="utf-8")
    gate.write_text(text.replace("op: \">\"", "op: \">>\"", 1), encoding="utf-8")  # broken
    broken = httpx.post(server.url + "/v1/policy/reload", headers=auth).json()
    time.sleep(0.5)
    gate.write_text(text.replace("title: {en: Nothing is pending", "title: {en: Nothing pending", 1),
                    encoding="utf-8")  # a good change
    good = httpx.post(server.url + "/v1/policy/reload", headers=auth).json()
    time.sleep(0.5)
    stop.set()
    for t in clients:
        t.join(timeout=20)
    assert broken["ok"] is False and broken["revision"] == before
    assert good["ok"] is True and good["revision"] != before
    assert failures == [] and mixed == []
    assert revisions == {before, good["revision"]}
    assert httpx.post(server.url + "/v1/decisions/gate", json=document()).json()["policy"]["revision"] == \
        good["revision"]


def test_sighup_reloads(server_factory, rules):
    server = server_factory("--rules", str(rules))
    before = httpx.get(server.url + "/v1/policy").json()["revision"]
    gate = rules / "gate.yaml"
    gate.write_text(gate.read_text(encoding="utf-8").replace("Wait for it.", "Wait for it, please.", 1),
                    encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if httpx.get(server.url + "/v1/policy").json()["revision"] != before:
            break
        time.sleep(0.1)
    assert httpx.get(server.url + "/v1/policy").json()["last_reload"]["ok"] is True


def test_watch_reloads_when_a_rule_file_changes(server_factory, rules):
    server = server_factory("--rules", str(rules), "--watch")
    before = httpx.get(server.url + "/v1/policy").json()["revision"]
    time.sleep(0.5)  # the watcher is running
    gate = rules / "gate.yaml"
    gate.write_text(gate.read_text(encoding="utf-8").replace("Wait for it.", "Wait.", 1), encoding="utf-8")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and httpx.get(server.url + "/v1/policy").json()["revision"] == before:
        time.sleep(0.2)
    assert httpx.get(server.url + "/v1/policy").json()["revision"] != before


def test_metrics_of_several_workers_are_the_services(server_factory, rules, tmp_path):
    shared = tmp_path / "metrics"
    shared.mkdir()
    server = server_factory("--rules", str(rules), "--workers", "2",
                            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)})

    def decide(_: int) -> int:
        with httpx.Client(base_url=server.url, timeout=10) as client:  # a connection each: either worker
            return client.post("/v1/decisions/gate", json=document()).status_code

    def answered() -> int:
        """Workers that have decided: a worker's histogram file appears with its first decision (its counter
        file, at start: some counters have no labels)."""
        return len({p.stem for p in shared.glob("histogram_*.db")})

    sent = 0
    with ThreadPoolExecutor(8) as pool:
        while sent == 0 or sent < 400 and answered() < 2:  # until both have answered
            assert set(pool.map(decide, range(40))) == {200}
            sent += 40
    assert answered() == 2
    for _ in range(4):  # whichever worker answers, the count is both workers'
        text = httpx.get(server.url + "/metrics").text
        assert f'closure_policy_decisions_total{{outcome="allow",query="gate"}} {sent}.0' in text, text
    assert server.stop(signal.SIGTERM) == 0


def test_watch_reloads_when_the_facts_schema_outside_the_rule_folder_changes(server_factory, rules):
    schemas = rules.parent / "schemas"
    schemas.mkdir()
    (rules / "facts.schema.json").rename(schemas / "facts.schema.json")
    policy = rules / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("facts_schema: facts.schema.json",
                                                                 "facts_schema: ../schemas/facts.schema.json"))
    server = server_factory("--rules", str(rules), "--watch")
    before = httpx.get(server.url + "/v1/policy").json()["revision"]
    time.sleep(0.5)  # the watcher is running
    schema = schemas / "facts.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("The fixture policy's facts", "Changed", 1),
                      encoding="utf-8")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and httpx.get(server.url + "/v1/policy").json()["revision"] == before:
        time.sleep(0.2)
    assert httpx.get(server.url + "/v1/policy").json()["revision"] != before
