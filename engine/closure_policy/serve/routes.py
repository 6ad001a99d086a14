"""The service's HTTP surface, declared once: the Starlette routes, the fast dispatch of the decision
routes and the OpenAPI document's paths are all made from this table."""
from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import compile_path


@dataclass(frozen=True)
class Endpoint:
    path: str  #: with ``{name}`` for a path parameter, as Starlette and OpenAPI both write it
    method: str
    handler: str  #: the name of the ``Service`` method that answers it
    operation: str | None  #: its OpenAPI operationId (None: not an operation of the API, e.g. the docs page)
    summary: str
    fast: bool = False  #: dispatched before Starlette's router: the routes every caller hits

    def pattern(self) -> re.Pattern[str]:
        """The path as Starlette's router matches it (a ``{name}`` is one segment, the group ``name``)."""
        return compile_path(self.path)[0]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/v1/decisions/{query}", "POST", "single", "decide", "Decide one query over one facts document",
             fast=True),
    Endpoint("/v1/decisions/{query}/batch", "POST", "batch", "decideBatch",
             "Decide one query over many facts documents, in order", fast=True),
    Endpoint("/v1/policy", "GET", "policy", "policy", "The policy served: revision, queries, last reload"),
    Endpoint("/v1/policy/rules", "GET", "rules", "rules", "The loaded rules, for a console"),
    Endpoint("/v1/policy/reload", "POST", "reload", "reload",
             "Load the rules again; keep the old ones if the new have problems"),
    Endpoint("/v1/status", "GET", "status", "status",
             "This instance: the revision served and since when, its bundle's source, its decision log's shipping"),
    Endpoint("/health", "GET", "health", "health", "Liveness (503 when the bundle is older than --bundle-max-age)"),
    Endpoint("/ready", "GET", "ready", "ready", "Readiness: a policy is loaded"),
    Endpoint("/metrics", "GET", "metrics_text", "metrics", "Prometheus metrics"),
    Endpoint("/openapi.json", "GET", "openapi_json", None, "This document"),
    Endpoint("/docs", "GET", "docs", None, "The operations, for people"),
    Endpoint("/", "GET", "playground", None, "The playground: a facts document in, the decision as a checklist"),
    Endpoint("/static/{name:path}", "GET", "static", None, "The pages' styles, scripts and vendored components"),
)
