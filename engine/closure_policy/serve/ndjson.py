"""NDJSON bodies: their lines split as the chunks arrive, and answers streamed while they still do."""
from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .. import limits

NDJSON = "application/x-ndjson"


class Streamed(Response):
    """NDJSON answered while the request's lines still arrive.

    Starlette's ``StreamingResponse`` listens for a disconnect on the same
    channel the request body comes in on, so it cannot read a body while it
    streams; this response sends its lines itself as the generator makes them.
    The request's deadline stops the reading (:meth:`Service.lines`); the
    answer itself must be sent by ``cutoff`` (a client that stops reading it
    holds nothing past then: the connection is dropped).
    """

    media_type = NDJSON

    def __init__(self, lines: AsyncIterator[bytes], cutoff: float):
        super().__init__(media_type=NDJSON)
        self._lines, self._cutoff = lines, cutoff

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(TimeoutError):  # past the cutoff: returning unfinished drops the connection
            async with asyncio.timeout_at(self._cutoff):
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", NDJSON.encode())]})
                async for chunk in self._lines:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})


async def until(chunks: AsyncIterator[bytes], deadline: float) -> AsyncIterator[bytes | None]:
    """The chunks of a body as they arrive, then None if the deadline (loop time) comes first."""
    iterator = chunks.__aiter__()
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                chunk = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            yield None
            return
        yield chunk


class Lines:
    """The whole lines of a body arriving in chunks (blank ones skipped), and the unfinished one."""

    def __init__(self) -> None:
        self.complete: list[bytes] = []
        self._unfinished = bytearray()

    def add(self, chunk: bytes) -> bool:
        """Take a chunk; False once the unfinished line is longer than a document may be."""
        # The unfinished line grows in place and is split only when a chunk ends
        # a line: re-splitting it on every chunk made one 16 MB line cost seconds
        # of the event loop (quadratic).
        self._unfinished += chunk
        if b"\n" in chunk:
            *whole, rest = bytes(self._unfinished).split(b"\n")
            self.complete += [line for line in whole if line.strip()]
            self._unfinished = bytearray(rest)
        return len(self._unfinished) <= limits.MAX_DOCUMENT_BYTES

    def finish(self) -> None:
        """The body has ended: a last line with no newline is whole too."""
        if self._unfinished.strip():
            self.complete.append(bytes(self._unfinished))
        self._unfinished = bytearray()

    def take(self, count: int) -> list[bytes]:
        taken, self.complete = self.complete[:count], self.complete[count:]
        return taken
