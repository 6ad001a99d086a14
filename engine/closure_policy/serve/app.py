"""The decision service: an ASGI app (Starlette) over the Python API, nothing decided here.

A request takes ``holder.policy`` once, so a single decision or a whole batch
is made by one revision even while a reload swaps the policy. Every decision
is recorded in the decision log before it is answered. Errors are problem
details (``problems.py``); limits are ``closure_policy.limits`` (``--max-body``,
``--max-batch``, ``--timeout``).
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import json
import os
import re
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import limits
from ..decision import Decision
from ..decisionlog import DecisionLog, LogFailed, Masking, Record, decision_id, open_log, record_of
from ..errors import ClosurePolicyError, EngineLimit, UnreadableDocument
from ..jsondoc import dump, dump_text, items, load_trusted, parse
from ..policy import Policy
from . import openapi, pages
from .examples import example_files, examples
from .holder import PolicyHolder
from .metrics import CONTENT_TYPE, Metrics
from .problems import body, of_error, problem
from .routes import ENDPOINTS

Handler = Callable[[Request], Awaitable[Response]]
TOKEN_VARIABLE = "CLOSURE_POLICY_RELOAD_TOKEN"
CONFIG_VARIABLE = "CLOSURE_POLICY_SERVE_CONFIG"  # how `serve --workers N` hands its options to each worker
_NDJSON = "application/x-ndjson"
_GROUP = 100  # NDJSON documents decided, logged and answered together
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


@dataclass
class ServeConfig:
    rules: str | None = None
    backend: str = "compiled"
    decision_log: str | None = None  # a SQLite path, "-" for JSON Lines on stdout, None for no log
    log_facts: bool = True
    mask: tuple[str, ...] = ()  # JSON pointers of facts the log keeps as "***"
    max_body: int = limits.MAX_REQUEST_BYTES
    max_batch: int = limits.MAX_BATCH_DOCUMENTS
    timeout: float = limits.REQUEST_TIMEOUT_SECONDS
    watch: bool = False  # reload when a file of the rules folder changes


class _Refused(Exception):
    """A request refused before any decision: answered as the problem it carries."""

    def __init__(self, kind: str, detail: str, **extensions: Any):
        super().__init__(detail)
        self.kind, self.detail, self.extensions = kind, detail, extensions


class _Streamed(Response):
    """NDJSON answered while the request's lines still arrive.

    Starlette's ``StreamingResponse`` listens for a disconnect on the same
    channel the request body comes in on, so it cannot read a body while it
    streams; this response sends its lines itself as the generator makes them.
    The request's deadline stops the reading (:meth:`Service.lines`); the
    answer itself must be sent by ``cutoff`` (a client that stops reading it
    holds nothing past then: the connection is dropped).
    """

    media_type = _NDJSON

    def __init__(self, lines: AsyncIterator[bytes], cutoff: float):
        super().__init__(media_type=_NDJSON)
        self._lines, self._cutoff = lines, cutoff

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(TimeoutError):  # past the cutoff: returning unfinished drops the connection
            async with asyncio.timeout_at(self._cutoff):
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", _NDJSON.encode())]})
                async for chunk in self._lines:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})


class Service:
    def __init__(self, config: ServeConfig):
        self.config = config
        self.metrics = Metrics()
        self.holder = PolicyHolder(config.rules, config.backend, on_reload=self._reloaded)
        self.metrics.serving(self.holder.policy.name, self.holder.policy.revision)
        self.log: DecisionLog | None = open_log(config.decision_log)
        self.masking = Masking(config.log_facts, tuple(config.mask))
        self._static = pages.static_files()
        self._examples: tuple[str, list[dict[str, Any]], list[dict[str, str]]] = ("", [], [])

    def _reloaded(self, ok: bool, policy: Policy) -> None:
        self.metrics.reloads.labels("ok" if ok else "failed").inc()
        self.metrics.serving(policy.name, policy.revision)

    # --- requests -------------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.config.max_body:
            raise _Refused("too-large", f"the body is {int(declared):,} bytes; the limit is {self.config.max_body:,}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.config.max_body:
                raise _Refused("too-large", f"the body is over {self.config.max_body:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def options(self, request: Request, policy: Policy) -> tuple[str, str, bool]:
        query = request.path_params["query"]
        if query not in policy.queries:
            raise _Refused("unknown-query", f"no query {query[:60]!r}; the policy answers: "
                                            f"{', '.join(sorted(policy.queries))}", queries=sorted(policy.queries))
        lang = request.query_params.get("lang", "en")
        if lang not in policy.languages:
            raise _Refused("unsupported-language", f"unsupported language {lang[:60]!r}; the policy speaks: "
                                                   f"{', '.join(policy.languages)}", languages=policy.languages)
        explain = request.query_params.get("explain", "false").lower()
        if explain not in _TRUE | _FALSE:
            raise _Refused("bad-request", "explain must be true or false")
        return query, lang, explain in _TRUE

    def decide(self, policy: Policy, query: str, facts: Any, lang: str, explain: bool) -> tuple[dict[str, Any],
                                                                                                 Record | None]:
        """The answer (the decision and its id) and its log record; a user's mistake raises."""
        start = time.perf_counter()
        decision = policy.decide(query, facts, lang=lang, explain=explain)
        return self.answer(policy, query, decision, facts, time.perf_counter() - start)

    def answer(self, policy: Policy, query: str, decision: Decision, facts: Any,
               seconds: float) -> tuple[dict[str, Any], Record | None]:
        """The decision as answered (with its id), and its log record (None with no log: nothing to hash)."""
        self.metrics.decided(query, decision.outcome, seconds)
        answer = decision.to_dict()
        answer["decision_id"] = did = decision_id()
        if self.log is None:
            return answer, None
        return answer, record_of(decision, did, facts, policy.backend_name, seconds * 1000, self.masking,
                                 policy.subject_pointer)

    async def commit(self, records: list[Record | None]) -> None:
        """Keep the records; a log that cannot keep them refuses the request (``log-failed``): never an
        acknowledged decision that was not recorded."""
        kept = [r for r in records if r is not None]
        if self.log is not None and kept:
            try:
                await self.log.record(kept)
            except LogFailed as exc:
                print(f"closure-policy serve: {exc}", file=sys.stderr, flush=True)
                raise _Refused("log-failed", "the decision log could not record the decision, so it is not "
                                             "given; try again") from None

    async def off_loop(self, size: int, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)``: on the event loop for a small input, on a thread for a large one.

        Deciding is CPU work that holds the event loop; past
        ``INLINE_DECISION_BYTES`` it runs on a thread, so ``/health`` and small
        requests are still answered meanwhile (the loop waits at most for one
        small input's work, or a thread's turn at the GIL).
        """
        if size <= limits.INLINE_DECISION_BYTES:
            return work(*args)
        return await anyio.to_thread.run_sync(work, *args)

    def refused(self, kind: str, detail: str, headers: dict[str, str] | None = None, **extensions: Any) -> Response:
        self.metrics.invalid.labels(kind).inc()
        return problem(kind, detail, headers=headers, **extensions)

    # --- endpoints --------------------------------------------------------------------

    async def single(self, request: Request) -> Response:
        policy = self.holder.policy
        query, lang, explain = self.options(request, policy)
        data = await self.read_body(request)
        outcome = await self.off_loop(len(data), self.decide_text, policy, query, data, lang, explain)
        if isinstance(outcome, Response):
            return outcome
        answer, record = outcome
        await self.commit([record])
        return Response(dump(answer), media_type="application/json")

    def decide_text(self, policy: Policy, query: str, data: bytes, lang: str,
                    explain: bool) -> tuple[dict[str, Any], Record | None] | Response:
        """The answer and log record of one document's text, or the problem that refuses it."""
        facts, problems = parse(data)
        if problems:
            kind, _, extensions = of_error(UnreadableDocument(problems))
            return self.refused(kind, "the body is not a JSON document the service can read", **extensions)
        try:
            return self.decide(policy, query, facts, lang, explain)
        except (ClosurePolicyError, EngineLimit) as exc:
            kind, detail, extensions = of_error(exc)
            return self.refused(kind, detail, **extensions)

    async def batch(self, request: Request) -> Response:
        policy = self.holder.policy  # one revision for every document of the batch
        query, lang, explain = self.options(request, policy)
        media = request.headers.get("content-type", "application/json").split(";")[0].strip()
        if media == _NDJSON:
            deadline = asyncio.get_running_loop().time() + self.config.timeout
            return _Streamed(self.lines(request, policy, query, lang, explain, deadline),
                             deadline + self.config.timeout)
        if media != "application/json":
            return self.refused("unsupported-media-type", f"send application/json or {_NDJSON}, not {media[:60]}")
        data = await self.read_body(request)
        outcome = await self.off_loop(len(data), self.decide_array, policy, query, data, lang, explain)
        if isinstance(outcome, Response):
            return outcome
        answers, records = outcome
        await self.commit(records)
        return Response(dump(answers), media_type="application/json")

    def decide_array(self, policy: Policy, query: str, data: bytes, lang: str,
                     explain: bool) -> tuple[list[dict[str, Any]], list[Record | None]] | Response:
        """Answers and log records of a JSON array's documents, or the problem that refuses the array."""
        documents, problems = items(data)  # each document read on its own
        if documents is None:
            kind, _, extensions = of_error(UnreadableDocument(problems))
            return self.refused(kind, "the body must be a JSON array of facts documents", **extensions)
        if len(documents) > self.config.max_batch:
            return self.refused("batch-too-long", f"{len(documents):,} documents; the limit is "
                                                  f"{self.config.max_batch:,}")
        return self.each(policy, query, documents, lang, explain, 0)

    def each(self, policy: Policy, query: str, documents: Iterable[Any], lang: str, explain: bool,
             first: int) -> tuple[list[dict[str, Any]], list[Record | None]]:
        """Answers and log records of documents (or JSON lines), in order; a bad one is answered as a problem."""
        answers: list[dict[str, Any]] = []
        records: list[Record | None] = []
        for item in policy.decide_many(query, documents, lang, explain):
            if item.decision is None:
                assert item.error is not None
                kind, detail, extensions = of_error(item.error)
                self.metrics.invalid.labels(kind).inc()
                answers.append(body(kind, detail, index=first + item.index, **extensions))
                continue
            answer, record = self.answer(policy, query, item.decision, item.facts, item.seconds)
            answers.append(answer)
            records.append(record)
        return answers, records

    async def lines(self, request: Request, policy: Policy, query: str, lang: str,
                    explain: bool, deadline: float) -> AsyncIterator[bytes]:
        """NDJSON in, NDJSON out: documents are decided and answered in groups as they arrive.

        A limit met on the way (the body's size, a line's, the batch's length,
        the request's deadline) ends the answer with its problem, after every
        whole line before it has been answered: one answer per document, in
        order, up to the refusal.
        """
        index, size, lines = 0, 0, _Lines()
        refusal: tuple[str, str] | None = None
        async for chunk in _until(request.stream(), deadline):
            if chunk is None:
                refusal = ("timeout", f"the body did not end within {self.config.timeout:g} s")
                break
            size += len(chunk)
            if size > self.config.max_body:  # the same bound as any other body, even streamed
                refusal = ("too-large", f"the body is over {self.config.max_body:,} bytes")
                break
            if not lines.add(chunk):
                refusal = ("too-large", "a line is too long")
                break
            if index + len(lines.complete) > self.config.max_batch:
                break
            while len(lines.complete) >= _GROUP:
                yield await self.group(policy, query, lines.take(_GROUP), lang, explain, index)
                index += _GROUP
        else:
            lines.finish()
        rest = lines.take(self.config.max_batch - index)
        if len(lines.complete):  # past the batch's length
            refusal = ("batch-too-long", f"the limit is {self.config.max_batch:,} documents")
        if rest:
            yield await self.group(policy, query, rest, lang, explain, index)
            index += len(rest)
        if refusal is not None:
            yield dump(body(*refusal, index=index)) + b"\n"

    async def group(self, policy: Policy, query: str, lines: list[bytes], lang: str, explain: bool,
                    first: int) -> bytes:
        answers, records = await self.off_loop(sum(map(len, lines)), self.each, policy, query, lines, lang,
                                               explain, first)
        try:
            await self.commit(records)  # acknowledged only once recorded
        except _Refused as refused:  # no decision of the group is acknowledged; each is told why
            answers = [body(refused.kind, refused.detail, index=first + i) if "decision_id" in answer else answer
                       for i, answer in enumerate(answers)]
        return b"".join(dump(a) + b"\n" for a in answers)

    async def policy(self, request: Request) -> Response:
        policy = self.holder.policy
        queries = {name: {"title": q.title, "outcomes": list(q.outcomes), "default": q.default,
                          "steps": q.steps, "rules": [r.id for r in q.rules]} for name, q in policy.queries.items()}
        return Response(dump({"name": policy.name, "revision": policy.revision, "languages": policy.languages,
                              "backend": policy.backend_name, "queries": queries,
                              "last_reload": self.holder.last_reload}), media_type="application/json")

    async def rules(self, request: Request) -> Response:
        policy = self.holder.policy
        return Response(dump({"revision": policy.revision, "rules": load_trusted(dump_text(
            policy.compilation.ruleset.canonical(), None).encode())}), media_type="application/json")

    async def reload(self, request: Request) -> Response:
        token = os.environ.get(TOKEN_VARIABLE)
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer "):
            return self.refused("unauthorized", "send Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if not token:
            return self.refused("forbidden", f"set {TOKEN_VARIABLE} to allow reloading over HTTP; "
                                             "SIGHUP and --watch reload too")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return self.refused("unauthorized", "the token is not the one set", headers={"WWW-Authenticate": "Bearer"})
        outcome = await anyio.to_thread.run_sync(self.holder.reload)
        return Response(dump(outcome), media_type="application/json")

    async def health(self, request: Request) -> Response:
        return Response(dump({"status": "ok"}), media_type="application/json")

    async def ready(self, request: Request) -> Response:
        policy = self.holder.policy
        return Response(dump({"status": "ready", "revision": policy.revision}), media_type="application/json")

    async def metrics_text(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def openapi_json(self, request: Request) -> Response:
        policy = self.holder.policy
        return Response(dump(openapi.document(policy, self.examples(policy))), media_type="application/json")

    async def docs(self, request: Request) -> Response:
        policy = self.holder.policy
        return HTMLResponse(pages.api_page(openapi.document(policy, self.examples(policy))))

    def examples(self, policy: Policy) -> list[dict[str, Any]]:
        """The documents the playground and the API page start from, read once per policy revision."""
        if self._examples[0] != policy.revision:
            self._examples = (policy.revision, examples(policy), example_files(policy))
        return self._examples[1]

    async def playground(self, request: Request) -> Response:
        policy = self.holder.policy
        cases = self.examples(policy)
        return HTMLResponse(pages.playground(policy, cases, self._examples[2]))

    async def static(self, request: Request) -> Response:
        path = self._static.get(request.path_params["name"])
        if path is None:
            raise _Refused("not-found", "no such file")
        return Response(path.read_bytes(), media_type=pages.content_type(path.name),
                        headers={"Cache-Control": "public, max-age=300"})


async def _until(chunks: AsyncIterator[bytes], deadline: float) -> AsyncIterator[bytes | None]:
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


class _Lines:
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


def _guarded(service: Service, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request],
                                                                                         Awaitable[Response]]:
    """Limits, timeouts and refusals in one place around every endpoint."""
    async def run(request: Request) -> Response:
        try:
            async with asyncio.timeout(service.config.timeout):  # a tenth of anyio.fail_after's cost
                return await handler(request)
        except _Refused as exc:
            return service.refused(exc.kind, exc.detail, **exc.extensions)
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
        watcher = asyncio.create_task(_watch(service)) if service.config.watch else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            if service.log is not None:
                service.log.close()  # what is waiting is written first

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


async def _watch(service: Service) -> None:
    from watchfiles import awatch

    policy = service.holder.policy
    # the rule folder, and the facts schema's folder when it lies outside it (the bundled ../schemas)
    folders = sorted({str(policy.directory), os.path.dirname(policy.facts_schema.file) or "."})
    async for _ in awatch(*folders):
        await anyio.to_thread.run_sync(service.holder.reload)


def app_from_environment() -> Starlette:
    """The app of one worker of ``serve --workers N``: its options come in an environment variable."""
    raw = json.loads(os.environ[CONFIG_VARIABLE])  # plain floats here (the timeout), not Decimal
    raw["mask"] = tuple(raw.get("mask", ()))
    app = create_app(ServeConfig(**raw))
    # What a worker holds from now on (modules, the loaded policy) is never
    # garbage, so the cycle collector is told not to walk it again on every
    # collection: a batch of 1,000 documents costs a quarter less (measured).
    # The price: the first policy, once a reload replaces it, is never freed
    # (one policy's memory, once; later ones are collected as usual).
    gc.freeze()
    return app


def config_for_workers(config: ServeConfig) -> str:
    return dump_text(asdict(config))
