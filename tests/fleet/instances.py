"""``closure-policy serve`` instances as real processes on loopback, and load sent to them."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..conftest import BASE
from ..serve.conftest import free_port


class Instance:
    def __init__(self, *args: str, port: int | None = None, ready: bool = True):
        self.args = args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "closure_policy.cli.main", "serve", "--port",
                                         str(self.port), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if ready:
            self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the instance exited: {self.process.stderr.read().decode()}")  # type: ignore
            try:
                if httpx.get(self.url + "/v1/status", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        raise AssertionError("the instance did not answer in time")

    def status(self) -> dict[str, Any]:
        return httpx.get(self.url + "/v1/status", timeout=5).json()  # type: ignore[no-any-return]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return self.process.stderr.read().decode() if self.process.stderr else ""  # type: ignore[union-attr]


@dataclass
class Load:
    """Decisions sent to instances in a loop (one thread each) until stopped: what each answered, when."""

    instances: list[Instance]
    answers: list[list[tuple[float, int, dict[str, Any]]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.answers = [[] for _ in self.instances]
        self._threads = [threading.Thread(target=self._send, args=(i,), daemon=True)
                         for i in range(len(self.instances))]
        for thread in self._threads:
            thread.start()

    def _send(self, index: int) -> None:
        body = json.dumps(BASE).encode()
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                try:
                    response = client.post(self.instances[index].url + "/v1/decisions/gate", content=body)
                    self.answers[index].append((time.monotonic(), response.status_code, response.json()))
                except (httpx.HTTPError, ValueError):
                    time.sleep(0.05)  # an instance killed or restarting: its answers are not counted

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)
