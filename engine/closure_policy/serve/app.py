"""The decision service as an ASGI app (Starlette): the endpoints of ``service.py`` behind one guard
(limits, timeouts, refusals), the decision routes straight to their handlers, the reload signal and watcher.

Nothing is decided here. Errors are problem details (``problems.py``); limits are
``closure_policy.limits`` (``--max-body``, ``--max-batch``, ``--timeout``).
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import signal
import sys
import traceback
from typing import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import TOKEN_VARIABLE, ServeConfig, config_from_environment
from .problems import problem
from .refusal import Refused
from .routes import ENDPOINTS
from .service import Service
from .watch import watch

__all__ = ["TOKEN_VARIABLE", "ServeConfig", "Service", "app_from_environment", "create_app"]
Handler = Callable[[Request], Awaitable[Response]]


def _guarded(service: Service, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request],
                                                                                         Awaitable[Response]]:
    """Limits, timeouts and refusals in one place around every endpoint."""
    async def run(request: Request) -> Response:
        try:
            async with asyncio.timeout(service.config.timeout):  # a tenth of anyio.fail_after's cost
                return await handler(request)
        except Refused as exc:
            return service.refused(exc.kind, exc.detail, headers=exc.headers, **exc.extensions)
        except TimeoutError:
            return service.refused("timeout", f"no answer within {service.config.timeout:g} s")
        except Exception:  # a bug of ours: logged on stderr, never shown to the caller
            traceback.print_exc(file=sys.stderr)
            return problem("internal", "an internal error; it has been logged")
    return run


class _FastRoutes:
    """The ``fast`` endpoints (the decision routes) straight to their handlers.

    The routes every caller hits skip Starlette's router and exception
    layers (a tenth of a single decision's cost, measured); any other request,
    and a decision route under a root path, goes through Starlette as before.
    The handlers are the same guarded ones, so the answers are too.
    """

    def __init__(self, app: ASGIApp, routes: list[tuple[str, re.Pattern[str], Handler]]):
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for method, pattern, handler in self.routes:
                found = pattern.fullmatch(scope["path"]) if scope["method"] == method else None
                if found:
                    scope["path_params"] = found.groupdict()
                    response = await handler(Request(scope, receive, send))
                    return await response(scope, receive, send)
        await self.app(scope, receive, send)


def create_app(config: ServeConfig | None = None) -> Starlette:
    service = Service(config or ServeConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread (tests)
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, service.holder.reload))
        watcher = asyncio.create_task(watch(service)) if service.config.watch else None
        service.fleet.start()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            if service.log is not None:
                service.log.close()  # what is waiting is written first, then shipped (fleet.stop)
            service.fleet.stop()

    def g(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        return _guarded(service, handler)

    handlers = {e: g(getattr(service, e.handler)) for e in ENDPOINTS}
    routes = [Route(e.path, handler, methods=[e.method]) for e, handler in handlers.items()]
    fast = [(e.method, e.pattern(), handler) for e, handler in handlers.items() if e.fast]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
        return service.refused(kind, str(exc.detail), headers=dict(exc.headers or {}))  # Allow, for a 405

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error},
                    middleware=[Middleware(_FastRoutes, routes=fast)])
    app.state.service = service
    return app


def app_from_environment() -> Starlette:
    """The app of one worker of ``serve --workers N``: its options come in an environment variable."""
    app = create_app(config_from_environment())
    # What a worker holds from now on (modules, the loaded policy) is never
    # garbage, so the cycle collector is told not to walk it again on every
    # collection: a batch of 1,000 documents costs a quarter less (measured).
    # The price: the first policy, once a reload replaces it, is never freed
    # (one policy's memory, once; later ones are collected as usual).
    gc.freeze()
    return app
