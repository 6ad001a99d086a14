from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from closure_policy.serve.app import ServeConfig, create_app

from ..conftest import FIXTURE_RULES


def app_client(**config: Any) -> TestClient:
    """The service over the fixture rules (unless ``rules`` is given), through the ASGI interface."""
    config.setdefault("rules", str(FIXTURE_RULES))
    return TestClient(create_app(ServeConfig(**config)))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with app_client() as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the fixture rules the test may change."""
    target = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, target)
    return target


class Server:
    """``closure-policy serve`` as a real process on a free loopback port."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "closure_policy.cli.main", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.process.stderr.read().decode()}")  # type: ignore
            try:
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        raise AssertionError("the server did not become ready in 30 s")

    def stop(self, sig: Any = None) -> int:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(sig or signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
def server_factory() -> Iterator[Any]:
    started: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Server:
        server = Server(*args, env=env)
        started.append(server)
        return server
    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
