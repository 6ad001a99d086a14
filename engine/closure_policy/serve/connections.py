"""Connection limits: what one worker holds for a client that is slow, silent or huge on purpose.

uvicorn's HTTP protocol (httptools) bounds idle keep-alive connections, but
not how long a request's line and headers may take, nor their size or count:
a connection sending half a request line was held for ever, and 1 MB header
values piled up in memory. :class:`GuardedProtocol` is that protocol with
those bounds added (``closure_policy.limits``, ``docs/limits.md``):

- the request line and headers must arrive within ``HEADER_TIMEOUT_SECONDS``
  of the connection opening or of the request's first byte (``408``);
- at most ``MAX_HEADER_BYTES`` of them, in at most ``MAX_HEADERS`` fields (``431``);
- at most ``MAX_CONNECTIONS`` connections: one more makes room by closing the
  connection that has waited longest for its headers (``408``), and when every
  connection is busy with a request it is answered ``503`` itself.

Each refusal is a problem document (``problems.py``) with ``connection: close``,
then the connection is closed. The request body and the answer are bounded
by the app (``--max-body``, ``--timeout``).

uvicorn has no public setting for these bounds, so this file is the one place
that subclasses its protocol; ``tests/serve/test_uvicorn_contract.py`` checks,
by name, every hook and field of it this relies on, so an upgrade that changes
one fails there instead of leaving the guard silently off.
"""
from __future__ import annotations

import asyncio
import http
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .. import limits
from ..jsondoc import dump
from .problems import KINDS, MEDIA_TYPE, body


class _Refusal(Exception):
    """Raised inside the parser's callback to stop parsing; the refusal is already written."""


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines and caps on the request head and on connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting_since: float | None = None  # monotonic time the head began to be awaited; None: not awaited
        self._head_bytes = self._head_fields = 0
        self._timer: asyncio.TimerHandle | None = None
        self._refused = False

    # --- the head of each request ------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()
        if len(self.connections) > limits.MAX_CONNECTIONS:
            self._make_room()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._waiting_since is not None and not self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > limits.MAX_HEADER_BYTES:
                self.refuse("headers-too-large", f"the request line and headers are over "
                                                 f"{limits.MAX_HEADER_BYTES:,} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        if self._head_fields > limits.MAX_HEADERS:
            self.refuse("headers-too-large", f"more than {limits.MAX_HEADERS} header fields")
            raise _Refusal  # httptools stops parsing; uvicorn would answer 400, see send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a refusal of ours stopped the parser: it has answered already
            super().send_400_response(msg)

    def on_response_complete(self) -> None:
        # A request answered before its body was read whole (refused, timed
        # out) leaves the rest of the body to come: the connection is closed,
        # not kept for a client that may trickle it for ever.
        if self.cycle is not None and self.cycle.more_body:
            self.transport.close()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def _await_head(self) -> None:
        if self._waiting_since is None:
            self._waiting_since = time.monotonic()
            self._head_bytes = self._head_fields = 0
            self._timer = self.loop.call_later(limits.HEADER_TIMEOUT_SECONDS, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._timer = None
        if self._waiting_since is not None:
            self.refuse("request-timeout", f"the request line and headers did not arrive within "
                                           f"{limits.HEADER_TIMEOUT_SECONDS:g} s")

    # --- how many connections -------------------------------------------------------------

    def _make_room(self) -> None:
        """Over the cap: close the connection that has waited longest for a head, else refuse this one."""
        waiting = [c for c in self.connections if isinstance(c, GuardedProtocol) and c is not self
                   and c._waiting_since is not None and not c._refused]
        if waiting:
            min(waiting, key=lambda c: c._waiting_since or 0.0).refuse(
                "request-timeout", "the server needed this connection for a faster client")
        else:
            self.refuse("overloaded", f"the server holds {limits.MAX_CONNECTIONS:,} busy connections; "
                                      "try again shortly")

    # --- answering ---------------------------------------------------------------------------

    def refuse(self, kind: str, detail: str) -> None:
        """Answer ``kind`` as a problem document and close the connection."""
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self._waiting_since = None
        status = KINDS[kind][0]
        payload = dump(body(kind, detail))
        head = (f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\ncontent-type: {MEDIA_TYPE}\r\n"
                f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n").encode("ascii")
        self.transport.write(head + payload)
        self.transport.close()
