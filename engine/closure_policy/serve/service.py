"""The service's endpoints over the Python API: a request takes ``holder.policy`` once, so a single
decision or a whole batch is made by one revision even while a reload swaps the policy, and every decision
is recorded in the decision log before it is answered. A refusal is raised (``refusal.py``)."""
from __future__ import annotations

import asyncio
import hmac
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterable

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import limits
from ..decision import Decision
from ..decisionlog import SOURCES, DecisionLog, LogFailed, LogFull, Masking, Record, decision_id, open_log, record_of
from ..errors import ClosurePolicyError, EngineLimit, UnreadableDocument
from ..jsondoc import dump, dump_text, items, load_trusted, parse
from ..policy import Policy
from . import openapi, pages
from .config import TOKEN_VARIABLE, ServeConfig
from .examples import example_files, examples
from .fleet import Fleet
from .holder import PolicyHolder
from .metrics import CONTENT_TYPE, Metrics
from .ndjson import NDJSON, Lines, Streamed, until
from .problems import body, of_error, problem
from .refusal import Refused

_GROUP = 100  # NDJSON documents decided, logged and answered together
_TRUE, _FALSE = {"true"}, {"false"}  # as the OpenAPI document says: a boolean
SOURCE_HEADER = "decision-source"  # who asks, as the log records it: an application unless it says otherwise


@dataclass(frozen=True)
class Asked:
    """What a decision request asks, read from its path, query and headers."""

    query: str
    lang: str
    explain: bool
    source: str  #: one of the log's ``SOURCES``


class Service:
    def __init__(self, config: ServeConfig):
        self.config = config
        self.metrics = Metrics()
        self.fleet = Fleet(config, self.metrics)
        first = self.fleet.first_policy()  # a bundle's (None: the rules folder's)
        self.holder = PolicyHolder(str(first.directory) if first is not None else config.rules, config.backend,
                                   on_reload=self._reloaded, initial=first)
        self.fleet.holder = self.holder
        self.metrics.serving(self.holder.policy.name, self.holder.policy.revision)
        self.log: DecisionLog | None = open_log(config.decision_log, config.ship_to)
        self.masking = Masking(config.log_facts, tuple(config.mask))
        self._static = pages.static_files()
        self._examples: tuple[str, list[dict[str, Any]], list[dict[str, str]]] = ("", [], [])
        self._openapi: tuple[str, dict[str, Any]] = ("", {})

    def _reloaded(self, ok: bool, policy: Policy) -> None:
        self.metrics.reloads.labels("ok" if ok else "failed").inc()
        self.metrics.serving(policy.name, policy.revision)

    # --- requests -------------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.config.max_body:
            raise Refused("too-large", f"the body is {int(declared):,} bytes; the limit is {self.config.max_body:,}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.config.max_body:
                raise Refused("too-large", f"the body is over {self.config.max_body:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def options(self, request: Request, policy: Policy) -> Asked:
        query = request.path_params["query"]
        if query not in policy.queries:
            raise Refused("unknown-query", f"no query {query[:60]!r}; the policy answers: "
                                            f"{', '.join(sorted(policy.queries))}", queries=sorted(policy.queries))
        lang = request.query_params.get("lang", "en")
        if lang not in policy.languages:
            raise Refused("unsupported-language", f"unsupported language {lang[:60]!r}; the policy speaks: "
                                                   f"{', '.join(policy.languages)}", languages=policy.languages)
        explain = request.query_params.get("explain", "false")
        if explain not in _TRUE | _FALSE:
            raise Refused("bad-request", "explain must be true or false")
        source = request.headers.get(SOURCE_HEADER, SOURCES[0])
        if source not in SOURCES:
            raise Refused("bad-request", f"Decision-Source must be one of: {', '.join(SOURCES)}")
        return Asked(query, lang, explain in _TRUE, source)

    def decide(self, policy: Policy, asked: Asked, facts: Any) -> tuple[dict[str, Any], Record | None]:
        """The answer (the decision and its id) and its log record; a user's mistake raises."""
        start = time.perf_counter()
        decision = policy.decide(asked.query, facts, lang=asked.lang, explain=asked.explain)
        return self.answer(policy, asked, decision, facts, time.perf_counter() - start)

    def answer(self, policy: Policy, asked: Asked, decision: Decision, facts: Any,
               seconds: float) -> tuple[dict[str, Any], Record | None]:
        """The decision as answered (with its id), and its log record (None with no log: nothing to hash)."""
        self.metrics.decided(asked.query, decision.outcome, seconds)
        answer = decision.to_dict()
        answer["decision_id"] = did = decision_id()
        if self.log is None:
            return answer, None
        return answer, record_of(decision, did, facts, policy.backend_name, seconds * 1000, self.masking,
                                 policy.subject_pointer, asked.source)

    async def commit(self, records: list[Record | None]) -> None:
        """Keep the records; a log that cannot keep them refuses the request (``log-failed``): never an
        acknowledged decision that was not recorded."""
        kept = [r for r in records if r is not None]
        if self.log is not None and kept:
            try:
                await self.log.record(kept)
            except LogFull as exc:
                raise Refused("log-full", f"{exc}; decisions are refused until PostgreSQL takes them") from None
            except LogFailed as exc:
                print(f"closure-policy serve: {exc}", file=sys.stderr, flush=True)
                raise Refused("log-failed", "the decision log could not record the decision, so it is not "
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
        asked = self.options(request, policy)
        data = await self.read_body(request)
        answer, record = await self.off_loop(len(data), self.decide_text, policy, asked, data)
        await self.commit([record])
        return Response(dump(answer), media_type="application/json")

    def decide_text(self, policy: Policy, asked: Asked, data: bytes) -> tuple[dict[str, Any], Record | None]:
        """The answer and log record of one document's text; :class:`Refused` with the problem that refuses it."""
        facts, problems = parse(data)
        if problems:
            kind, _, extensions = of_error(UnreadableDocument(problems))
            raise Refused(kind, "the body is not a JSON document the service can read", **extensions)
        try:
            return self.decide(policy, asked, facts)
        except (ClosurePolicyError, EngineLimit) as exc:
            kind, detail, extensions = of_error(exc)
            raise Refused(kind, detail, **extensions) from None

    async def batch(self, request: Request) -> Response:
        policy = self.holder.policy  # one revision for every document of the batch
        asked = self.options(request, policy)
        media = request.headers.get("content-type", "application/json").split(";")[0].strip()
        if media == NDJSON:
            deadline = asyncio.get_running_loop().time() + self.config.timeout
            return Streamed(self.lines(request, policy, asked, deadline),
                             deadline + self.config.timeout)
        if media != "application/json":
            raise Refused("unsupported-media-type", f"send application/json or {NDJSON}, not {media[:60]}")
        data = await self.read_body(request)
        answers, records = await self.off_loop(len(data), self.decide_array, policy, asked, data)
        await self.commit(records)
        return Response(dump(answers), media_type="application/json")

    def decide_array(self, policy: Policy, asked: Asked,
                     data: bytes) -> tuple[list[dict[str, Any]], list[Record | None]]:
        """Answers and log records of a JSON array's documents; :class:`Refused` with the problem that refuses
        the array."""
        documents, problems = items(data)  # each document read on its own
        if documents is None:
            kind, _, extensions = of_error(UnreadableDocument(problems))
            raise Refused(kind, "the body must be a JSON array of facts documents", **extensions)
        if len(documents) > self.config.max_batch:
            raise Refused("batch-too-long", f"{len(documents):,} documents; the limit is {self.config.max_batch:,}")
        return self.each(policy, asked, documents, 0)

    def each(self, policy: Policy, asked: Asked, documents: Iterable[Any],
             first: int) -> tuple[list[dict[str, Any]], list[Record | None]]:
        """Answers and log records of documents (or JSON lines), in order; a bad one is answered as a problem."""
        answers: list[dict[str, Any]] = []
        records: list[Record | None] = []
        for item in policy.decide_many(asked.query, documents, asked.lang, asked.explain):
            if item.decision is None:
                assert item.error is not None
                kind, detail, extensions = of_error(item.error)
                self.metrics.invalid.labels(kind).inc()
                answers.append(body(kind, detail, index=first + item.index, **extensions))
                continue
            answer, record = self.answer(policy, asked, item.decision, item.facts, item.seconds)
            answers.append(answer)
            records.append(record)
        return answers, records

    async def lines(self, request: Request, policy: Policy, asked: Asked, deadline: float) -> AsyncIterator[bytes]:
        """NDJSON in, NDJSON out: documents are decided and answered in groups as they arrive.

        A limit met on the way (the body's size, a line's, the batch's length,
        the request's deadline) ends the answer with its problem, after every
        whole line before it has been answered: one answer per document, in
        order, up to the refusal.
        """
        index, size, lines = 0, 0, Lines()
        refusal: tuple[str, str] | None = None
        async for chunk in until(request.stream(), deadline):
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
                yield await self.group(policy, asked, lines.take(_GROUP), index)
                index += _GROUP
        else:
            lines.finish()
        rest = lines.take(self.config.max_batch - index)
        if len(lines.complete):  # past the batch's length
            refusal = ("batch-too-long", f"the limit is {self.config.max_batch:,} documents")
        if rest:
            yield await self.group(policy, asked, rest, index)
            index += len(rest)
        if refusal is not None:
            yield dump(body(*refusal, index=index)) + b"\n"

    async def group(self, policy: Policy, asked: Asked, lines: list[bytes], first: int) -> bytes:
        answers, records = await self.off_loop(sum(map(len, lines)), self.each, policy, asked, lines, first)
        try:
            await self.commit(records)  # acknowledged only once recorded
        except Refused as refused:  # no decision of the group is acknowledged; each is told why
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
        if not given.startswith("Bearer "):  # the security scheme's own answer, whether or not reloading is on
            raise Refused("unauthorized", "send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})
        if not token:
            raise Refused("forbidden", f"set {TOKEN_VARIABLE} to allow reloading over HTTP; "
                                       "SIGHUP and --watch reload too")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Refused("unauthorized", "the token is not the one set", headers={"WWW-Authenticate": "Bearer"})
        outcome = await anyio.to_thread.run_sync(self.holder.reload)
        return Response(dump(outcome), media_type="application/json")

    async def health(self, request: Request) -> Response:
        self._not_stale()
        return Response(dump({"status": "ok"}), media_type="application/json")

    async def ready(self, request: Request) -> Response:
        self._not_stale()
        policy = self.holder.policy
        return Response(dump({"status": "ready", "revision": policy.revision}), media_type="application/json")

    def _not_stale(self) -> None:
        """A load balancer drains an instance whose bundle could not be confirmed for ``--bundle-max-age``."""
        why = self.fleet.stale()
        if why is not None:
            raise Refused("stale", why)

    async def status(self, request: Request) -> Response:
        return Response(dump(self.fleet.status(self.holder.policy, self.holder)), media_type="application/json")

    async def metrics_text(self, request: Request) -> Response:
        self.fleet.observe()
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def openapi_json(self, request: Request) -> Response:
        return Response(dump(self.openapi(self.holder.policy)), media_type="application/json")

    async def docs(self, request: Request) -> Response:
        return HTMLResponse(pages.api_page(self.openapi(self.holder.policy)))

    def openapi(self, policy: Policy) -> dict[str, Any]:
        """The OpenAPI document of a policy revision, made once (it decides its examples: 25 ms for the
        bundled policy's seven queries)."""
        if self._openapi[0] != policy.revision:
            self._openapi = (policy.revision, openapi.document(policy, self.examples(policy)))
        return self._openapi[1]

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
            raise Refused("not-found", "no such file")
        return Response(path.read_bytes(), media_type=pages.content_type(path.name),
                        headers={"Cache-Control": "public, max-age=300"})
