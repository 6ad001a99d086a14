"""An instance's bundle source against a real static file server: conditional requests, swaps, refusals, cache."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from closure_policy import limits
from closure_policy.bundle import BundleError, build_bundle
from closure_policy.bundle.poll import CACHED, BundleSource
from closure_policy.bundle.signing import public_key

from .conftest import retarred, rules_copy
from .static import StaticServer


def _publish(www: Path, data: bytes, age: float = 5.0) -> None:
    """The bundle as a static server's file, written aside and renamed; dated ``age`` seconds ago."""
    scratch = www / ".policy.tar.gz.new"
    scratch.write_bytes(data)
    os.replace(scratch, www / "policy.tar.gz")
    moment = time.time() - age
    os.utime(www / "policy.tar.gz", (moment, moment))


@pytest.fixture(scope="module")
def revisions(keys, tmp_path_factory):
    a = build_bundle(str(rules_copy(tmp_path_factory.mktemp("a"))), signing_key=str(keys["signing"]), label="A")
    b = build_bundle(str(rules_copy(tmp_path_factory.mktemp("b"), "Closed: {account.id}.")),
                     signing_key=str(keys["signing"]), label="B")
    return {"A": a, "B": b}


@contextmanager
def _serving(tmp_path: Path, data: bytes, etags: bool = False, age: float = 5.0) -> Iterator[tuple[Path, str]]:
    """A static server whose folder holds ``data`` as policy.tar.gz: the folder, and the bundle's URL."""
    www = tmp_path / "www"
    www.mkdir()
    _publish(www, data, age)
    server = StaticServer(www, etags=etags)
    try:
        yield www, server.url + "/policy.tar.gz"
    finally:
        server.stop()


def _source(url: str, keys, cache: Path, installed: list):
    return BundleSource(url, public_key(str(keys["public"])), cache,
                        install=lambda policy, verified: installed.append((policy.revision, verified.manifest.label)))


@pytest.mark.parametrize("etags", [True, False])
def test_a_new_bundle_is_swapped_in_and_an_unchanged_one_is_asked_for_conditionally(revisions, keys, tmp_path, etags):
    www = tmp_path / "www"
    www.mkdir()
    _publish(www, revisions["A"][0])
    server = StaticServer(www, etags=etags)
    installed: list = []
    source = _source(server.url + "/policy.tar.gz", keys, tmp_path / "cache", installed)
    try:
        first = source.first()
        assert first.revision == revisions["A"][1].revision and source.status.label == "A"
        source.poll()
        asked = server.requests[-1][1]
        assert (asked.get("if-none-match") is not None) == etags
        assert (asked.get("if-modified-since") is not None) == (not etags)
        assert installed == [] and source.status.last_confirmed is not None
        _publish(www, revisions["B"][0], age=3.0)
        source.poll()
        assert installed == [(revisions["B"][1].revision, "B")] and source.status.label == "B"
    finally:
        source.close()
        server.stop()


def test_a_last_modified_within_a_second_of_the_answer_is_not_trusted_for_a_conditional_request(revisions, keys,
                                                                                                tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    _publish(www, revisions["A"][0], age=0.0)  # written this very second: B may follow within it
    server = StaticServer(www)
    source = _source(server.url + "/policy.tar.gz", keys, tmp_path / "cache", [])
    try:
        source.first()
        source.poll()
        assert "if-modified-since" not in server.requests[-1][1]  # asked in full: a 304 could hide B
    finally:
        source.close()
        server.stop()


def test_a_bad_bundle_keeps_the_last_good_one_and_is_reported(revisions, keys, tmp_path):
    installed: list = []
    tampered = retarred(revisions["B"][0], lambda ms: [(m, c + b"\n# x" if m.name == "rules/gate.yaml" else c)
                                                        for m, c in ms])
    with _serving(tmp_path, revisions["A"][0], etags=True) as (www, url):
        source = _source(url, keys, tmp_path / "cache", installed)
        source.first()
        for bad, why in ((tampered, "its digest is not the manifest's"), (b"not a tarball", "not a whole"),
                         (revisions["B"][0][:500], "not a whole")):
            _publish(www, bad)
            source.poll()
            assert installed == [] and why in (source.status.last_error or "")
            assert source.status.label == "A"
        (www / "policy.tar.gz").unlink()
        source.poll()
        assert "404" in (source.status.last_error or "") and source.status.failures == 4
        source.close()


def test_an_oversized_bundle_is_not_downloaded_past_the_limit(revisions, keys, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", 1000)
    with _serving(tmp_path, revisions["A"][0]) as (_, url):
        source = _source(url, keys, tmp_path / "cache", [])
        with pytest.raises(BundleError, match="the limit is 1,000"):
            source.first()
        source.close()


def test_an_instance_started_while_the_server_is_down_serves_the_cached_bundle(revisions, keys, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    _publish(www, revisions["B"][0])
    server = StaticServer(www)
    url = server.url + "/policy.tar.gz"
    cache = tmp_path / "cache"
    first = _source(url, keys, cache, [])
    first.first()
    first.close()
    server.stop()
    assert (cache / CACHED).read_bytes() == revisions["B"][0]
    again = _source(url, keys, cache, [])
    try:
        policy = again.first()
        assert policy.revision == revisions["B"][1].revision
        assert "cannot download" in (again.status.last_error or "")
        (cache / CACHED).write_bytes(b"broken")  # a cache that went bad is refused, never served
        with pytest.raises(BundleError, match="no bundle is cached"):
            _source(url, keys, cache, []).first()
    finally:
        again.close()
