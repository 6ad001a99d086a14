"""Connection limits on a real loopback server: slow, silent, huge and many connections.

Most tests run uvicorn with :class:`GuardedProtocol` in a thread of this
process, with the limits made small (a 0.5 s head deadline, 6 connections), so
each attack shows in a second; the last ones run ``closure-policy serve`` as a
real process with the documented limits.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest
import uvicorn

from closure_policy import limits
from closure_policy.jsondoc import dump
from closure_policy.serve.app import ServeConfig, create_app
from closure_policy.serve.connections import GuardedProtocol

from ..conftest import FIXTURE_RULES, document
from .conftest import free_port

HEAD_SECONDS = 0.5
CONNECTIONS = 6
# A request whose 99-byte body is still to come.
UNFINISHED = (b"POST /v1/decisions/gate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
              b"content-length: 99\r\n\r\n")


@pytest.fixture
def server(monkeypatch) -> Iterator[str]:
    """A real uvicorn server on loopback, with small limits; yields its address."""
    monkeypatch.setattr(limits, "HEADER_TIMEOUT_SECONDS", HEAD_SECONDS)
    monkeypatch.setattr(limits, "MAX_CONNECTIONS", CONNECTIONS)
    port = free_port()
    config = uvicorn.Config(create_app(ServeConfig(rules=str(FIXTURE_RULES), timeout=1.0)), host="127.0.0.1",
                            port=port, http=GuardedProtocol, timeout_keep_alive=1, log_level="critical")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running.started
    yield f"127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def _connect(address: str) -> socket.socket:
    host, port = address.split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_all(conn: socket.socket, within: float = 10) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    start, received = time.monotonic(), b""
    conn.settimeout(within)
    while True:
        try:
            chunk = conn.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic() - start


def _problem(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    return int(head.split()[1]), json.loads(body)


def _post(address: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"http://{address}/v1/decisions/gate", json=document(), timeout=10, **kwargs)


@pytest.mark.parametrize("sent", [b"", b"POST /v1/deci", b"POST /v1/decisions/gate HTTP/1.1\r\nhost: x\r\n"])
def test_a_head_that_does_not_arrive_in_time_is_answered_408_and_closed(server, sent):
    with _connect(server) as conn:
        conn.sendall(sent)
        answer, seconds = _read_all(conn)
    status, problem = _problem(answer)
    assert status == 408 and problem["type"].endswith("/request-timeout")
    assert HEAD_SECONDS * 0.8 < seconds < HEAD_SECONDS + 2


def test_a_trickled_head_is_not_kept_alive_by_its_trickle(server):
    with _connect(server) as conn:
        start = time.monotonic()
        for byte in b"POST /v1/decisions/gate HTTP/1.1\r\n" * 10:
            try:
                conn.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.05)
            if time.monotonic() - start > HEAD_SECONDS + 2:
                break
        answer, _ = _read_all(conn)
    assert time.monotonic() - start < HEAD_SECONDS + 2.5
    assert _problem(answer)[0] == 408


def test_a_head_over_its_size_is_answered_431(server):
    with _connect(server) as conn:
        conn.sendall(b"POST /v1/decisions/gate HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * limits.MAX_HEADER_BYTES)
        answer, _ = _read_all(conn)
    status, problem = _problem(answer)
    assert status == 431 and problem["type"].endswith("/headers-too-large")


def test_a_huge_header_is_not_held(server):
    sent = 0
    with _connect(server) as conn:
        conn.sendall(b"POST /v1/decisions/gate HTTP/1.1\r\nhost: x\r\nx-big: ")
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while sent < 64 * 1024 * 1024:  # a 64 MB header value: the server hangs up long before
                conn.sendall(b"a" * 65536)
                sent += 65536
    assert sent < 16 * 1024 * 1024  # the limit plus what the sockets' buffers took


def test_too_many_header_fields_are_answered_431(server):
    headers = {f"x-h{i}": "1" for i in range(limits.MAX_HEADERS + 1)}
    r = _post(server, headers=headers)
    assert r.status_code == 431 and r.json()["type"].endswith("/headers-too-large")
    assert _post(server, headers={f"x-h{i}": "1" for i in range(limits.MAX_HEADERS - 10)}).status_code == 200


def test_past_the_connection_cap_the_longest_waiting_is_closed_for_a_new_client(server):
    idle = [_connect(server) for _ in range(CONNECTIONS)]
    try:
        time.sleep(0.1)
        assert _post(server).status_code == 200  # served: the oldest idle connection made room
        answer, _ = _read_all(idle[0], within=2)
        assert _problem(answer)[0] == 408
    finally:
        for conn in idle:
            conn.close()


def test_when_every_connection_is_busy_a_new_one_is_answered_503(server):
    head = UNFINISHED
    busy = [_connect(server) for _ in range(CONNECTIONS)]
    try:
        for conn in busy:
            conn.sendall(head)  # a request whose body is still to come: the connection is busy
        time.sleep(0.2)
        with _connect(server) as extra:
            answer, _ = _read_all(extra, within=3)
        status, problem = _problem(answer)
        assert status == 503 and problem["type"].endswith("/overloaded")
    finally:
        for conn in busy:
            conn.close()
    time.sleep(1.5)  # the busy ones time out (--timeout 1) and are closed: the service answers again
    assert _post(server).status_code == 200


def test_a_body_that_trickles_is_answered_503_and_its_connection_closed(server):
    """Answered at --timeout, then closed, though the client keeps sending a byte of the body at a time
    (each would hold off the keep-alive timeout)."""
    import select

    with _connect(server) as conn:
        conn.sendall(UNFINISHED + b'{"as_of": ')
        start, answer = time.monotonic(), b""
        while time.monotonic() - start < 6:
            if select.select([conn], [], [], 0.2)[0]:
                chunk = conn.recv(65536)
                if not chunk:
                    break  # closed
                answer += chunk
            else:
                try:
                    conn.sendall(b" ")
                except (BrokenPipeError, ConnectionResetError):
                    break
        seconds = time.monotonic() - start
    assert b" 503 " in answer.split(b"\r\n", 1)[0] and b'/timeout"' in answer
    assert seconds < 3  # not held for the rest of the body


def test_an_ndjson_body_that_stops_is_answered_up_to_the_deadline_on_a_real_socket(server):
    head = (b"POST /v1/decisions/gate/batch HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\n"
            b"transfer-encoding: chunked\r\n\r\n")
    line = dump(document()) + b"\n"
    with _connect(server) as conn:
        conn.sendall(head + f"{len(line):x}\r\n".encode() + line + b"\r\n")  # one whole line, then nothing
        answer, seconds = _read_all(conn, within=10)
    assert seconds < 5 and answer.startswith(b"HTTP/1.1 200")
    assert answer.rstrip().endswith(b"0")  # the chunked answer ended
    lines = [json.loads(x) for x in answer.split(b"\r\n") if x.startswith(b"{")]
    assert lines[0]["outcome"] == "allow" and lines[1]["type"].endswith("/timeout") and lines[1]["index"] == 1


def test_an_idle_keep_alive_connection_is_closed(server):
    with _connect(server) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        answer, seconds = _read_all(conn, within=5)
    assert answer.startswith(b"HTTP/1.1 200") and seconds < 3  # timeout_keep_alive, then closed


# --- the real service, with the documented limits ----------------------------------------------


def test_the_service_holds_a_slowloris_for_its_documented_deadline_only(server_factory, rules):
    server = server_factory("--rules", str(rules))
    address = server.url.removeprefix("http://")
    with _connect(address) as conn:
        conn.sendall(b"POST /v1/decisions/gate HTTP/1.1\r\nhost: x\r\n")
        answer, seconds = _read_all(conn, within=limits.HEADER_TIMEOUT_SECONDS + 10)
    assert _problem(answer)[0] == 408
    assert limits.HEADER_TIMEOUT_SECONDS - 1 < seconds < limits.HEADER_TIMEOUT_SECONDS + 3


def test_health_answers_while_a_huge_invalid_document_is_decided(server_factory, rules):
    server = server_factory("--rules", str(rules))
    huge = dump(document(users=[0] * 2_000_000))
    assert len(huge) < limits.MAX_REQUEST_BYTES

    def post_huge() -> httpx.Response:
        return httpx.post(server.url + "/v1/decisions/gate", content=huge, timeout=60)

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(post_huge)
        waits = []
        while not pending.done():
            start = time.monotonic()
            assert httpx.get(server.url + "/health", timeout=10).status_code == 200
            waits.append(time.monotonic() - start)
            time.sleep(0.05)
        answer = pending.result()
    assert answer.status_code == 422 and len(answer.json()["problems"]) == limits.MAX_PROBLEMS
    assert answer.json()["omitted_is_lower_bound"] is True
    assert max(waits) < 1.0, waits  # the loop is never held for long (a bound, not a benchmark)
