"""Three ``serve`` instances and a real static file server: a rollout under load, bad bundles refused while the
last good revision keeps serving, a restart while the bundle server is down, and a stale instance drained."""
from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from closure_policy.bundle import build_bundle

from .conftest import keypair, retarred, rules_copy
from .instances import Instance, Load
from .static import StaticServer

POLL = 0.5


def _publish(www: Path, data: bytes) -> None:
    scratch = www / ".policy.tar.gz.new"
    scratch.write_bytes(data)
    os.replace(scratch, www / "policy.tar.gz")


def _until(check, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture(scope="module")
def fleet(keys, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fleet")
    bundles = {label: build_bundle(str(rules_copy(folder / label, message)), signing_key=str(keys["signing"]),
                                   label=label) for label, message in (("A", None), ("B", "Closed: {account.id}."))}
    www = folder / "www"
    www.mkdir()
    _publish(www, bundles["A"][0])
    server = StaticServer(www)
    url = server.url + "/policy.tar.gz"
    instances = [Instance("--bundle", url, "--bundle-key", str(keys["public"]), "--bundle-poll", str(POLL),
                          "--bundle-cache", str(folder / f"cache{i}"))
                 for i in range(3)]
    yield {"bundles": bundles, "www": www, "server": server, "url": url, "instances": instances,
           "folder": folder}
    for instance in instances:
        instance.stop()
    server.stop()


def test_a_rollout_reaches_every_instance_within_a_poll_and_no_answer_mixes_revisions(fleet):
    a, b = (fleet["bundles"][k][1].revision for k in "AB")
    instances = fleet["instances"]
    assert all(i.status()["policy"]["revision"] == a for i in instances)
    load = Load(instances)
    try:
        _until(lambda: all(len(x) > 5 for x in load.answers), 30)
        published = time.monotonic()
        _publish(fleet["www"], fleet["bundles"]["B"][0])
        _until(lambda: all(i.status()["policy"]["revision"] == b for i in instances), 15)
        time.sleep(0.5)
    finally:
        load.stop()
    for answers in load.answers:
        revisions = [answer["policy"]["revision"] for _, status, answer in answers if status == 200]
        assert set(revisions) <= {a, b} and revisions[0] == a and revisions[-1] == b
        switch = revisions.index(b)
        assert set(revisions[switch:]) == {b}  # once B answers, A never answers again
        first_b = next(t for t, status, answer in answers if answer.get("policy", {}).get("revision") == b)
        # within one poll interval, plus the download, check and compile of the bundle on a busy machine
        assert first_b - published < POLL + 3.0
        assert all(status == 200 for _, status, _ in answers)
    assert {i.status()["bundle"]["label"] for i in instances} == {"B"}


def _refused_bundles(fleet, keys, folder: Path) -> list[tuple[str, bytes, str]]:
    good = fleet["bundles"]["B"][0]
    other_key, _ = keypair(folder, "stranger")
    signed_by_other, _ = build_bundle(str(rules_copy(folder / "other", "Other: {account.id}.")),
                                      signing_key=str(other_key))
    import tarfile

    def escape(members):
        info = tarfile.TarInfo("../outside.yaml")
        return [*members, (info, b"rules: []\n")]

    return [
        ("tampered", retarred(good, lambda ms: [(m, c + b"\n#" if m.name == "rules/gate.yaml" else c) for m, c in ms]),
         "its digest is not the manifest's"),
        ("another key", signed_by_other, "does not verify with the given key"),
        ("a ../ path", retarred(good, escape), "leaves the bundle's folder"),
        ("truncated", good[: len(good) // 2], "not a whole gzipped tarball"),
        ("oversized", os.urandom(33 * 1024 * 1024), "the limit is 33,554,432"),
    ]


def test_bad_bundles_are_refused_while_the_last_good_revision_keeps_serving(fleet, keys, tmp_path):
    instances = fleet["instances"]
    good = fleet["bundles"]["B"][0]
    _publish(fleet["www"], good)
    b = fleet["bundles"]["B"][1].revision
    _until(lambda: all(i.status()["policy"]["revision"] == b for i in instances), 15)
    for name, data, why in _refused_bundles(fleet, keys, tmp_path):
        _publish(fleet["www"], data)
        # each poll of a bad bundle counts a failure again: what tells this one's refusal is its reason
        _until(lambda why=why: all(why in (i.status()["bundle"]["last_error"] or "") for i in instances), 15)
        for instance in instances:
            status = instance.status()
            assert why in status["bundle"]["last_error"], (name, status["bundle"]["last_error"])
            assert status["policy"]["revision"] == b, name
            answer = httpx.post(instance.url + "/v1/decisions/gate", json={"x": 1}, timeout=10)
            assert answer.status_code == 422  # still answering, with the rules of B
        metrics = httpx.get(instances[0].url + "/metrics", timeout=5).text
        assert "closure_policy_bundle_failures_total" in metrics
    _publish(fleet["www"], good)


def test_an_instance_restarted_while_the_bundle_server_is_down_serves_its_cached_revision_then_drains(fleet, keys):
    b = fleet["bundles"]["B"][1].revision
    first = fleet["instances"][0]
    _until(lambda: first.status()["bundle"]["label"] == "B", 15)
    fleet["server"].stop()
    first.kill()
    restarted = Instance(*first.args, "--bundle-max-age", "2", port=first.port)
    fleet["instances"][0] = restarted
    status = restarted.status()
    assert status["policy"]["revision"] == b and status["bundle"]["label"] == "B"
    assert httpx.get(restarted.url + "/health", timeout=5).status_code == 200
    _until(lambda: httpx.get(restarted.url + "/health", timeout=5).status_code == 503, 10)
    drained = httpx.get(restarted.url + "/ready", timeout=5)
    assert drained.status_code == 503 and drained.json()["type"].endswith("/stale")
    assert "cannot download the bundle" in restarted.status()["bundle"]["last_error"]
    answer = httpx.post(restarted.url + "/v1/decisions/gate", json={"x": 1}, timeout=10)
    assert answer.status_code == 422  # it still answers: draining is the load balancer's choice


def test_serve_refuses_a_bundle_without_a_key_and_a_first_start_with_nothing_to_serve(keys, tmp_path):
    import subprocess
    import sys

    def serve(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "serve", "--port", "1", *args],
                              capture_output=True, text=True, timeout=60)

    unsigned = serve("--bundle", "http://127.0.0.1:9/policy.tar.gz")
    assert unsigned.returncode == 2 and "--bundle needs --bundle-key" in unsigned.stderr
    from ..serve.conftest import free_port

    nothing = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "serve", "--port", str(free_port()),
                              "--bundle", "http://127.0.0.1:9/policy.tar.gz", "--bundle-key", str(keys["public"]),
                              "--bundle-cache", str(tmp_path / "empty")], capture_output=True, text=True, timeout=60)
    assert nothing.returncode == 2 and "no bundle is cached" in nothing.stderr and "Traceback" not in nothing.stderr
