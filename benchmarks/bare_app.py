"""The ceiling of the decision service's HTTP layer: uvicorn with an ASGI app that reads the body and does nothing.

``bench_serve.py`` serves it with the same uvicorn, workers and load as the
service, so what the service's rows lose against it is the service's own work
(reading JSON, deciding, logging), and what this loses against in-process
decisions is HTTP on this machine.
"""
from __future__ import annotations

from typing import Any

_ANSWER = b'{"outcome":"allow"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(_ANSWER))]})
    await send({"type": "http.response.body", "body": _ANSWER})
