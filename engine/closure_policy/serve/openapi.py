"""The service's OpenAPI 3.1 document, built from the project's own JSON Schemas.

Request and response bodies are ``facts.schema.json`` and ``decision.schema.json``
themselves, moved under ``components/schemas`` (their ``$defs`` beside them,
their ``$ref``s rewritten to match): one description of the facts and the
decision, never a second copy to drift. The answer of a decision is the
decision schema with ``decision_id`` added.
"""
from __future__ import annotations

import copy
import zoneinfo
from functools import lru_cache
from typing import Any

from .. import __version__, limits
from ..decisionlog import SOURCES
from ..policy import Policy
from ..resources import schema
from ..scalars import is_zone
from .problems import KINDS, MEDIA_TYPE
from .routes import ENDPOINTS

_COMPONENTS = "#/components/schemas/"


def _imported(name: str, document: dict[str, Any], into: dict[str, Any]) -> dict[str, str]:
    """``document`` as component ``name`` (its ``$defs`` as ``name_def``); a reference to it."""
    document = copy.deepcopy(document)
    for key, value in document.pop("$defs", {}).items():
        into[f"{name}_{key}"] = _rewritten(value, name)
    document.pop("$schema", None)
    document.pop("$id", None)
    into[name] = _rewritten(document, name)
    return {"$ref": _COMPONENTS + name}


def _rewritten(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        return {k: (_COMPONENTS + f"{name}_" + v.split("/")[-1] if k == "$ref" and isinstance(v, str)
                    and v.startswith("#/$defs/") else _rewritten(v, name)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewritten(v, name) for v in node]
    return node


_PROBLEM = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "problems": {"type": "array", "description": "Each problem of the facts at its JSON pointer (the first "
                                                     "MAX_PROBLEMS), or of the rules at its file:line:col."},
        "omitted": {"type": "integer", "minimum": 0,
                    "description": "Problems found beyond those listed (present only when there are)."},
        "omitted_is_lower_bound": {"type": "boolean",
                                   "description": "True when counting stopped at MAX_PROBLEMS_COUNTED in all."},
        "queries": {"type": "array", "items": {"type": "string"}},
        "index": {"type": "integer", "description": "In a batch: the document's position (0-based)."},
    },
}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {status: "; ".join(title for s, title in KINDS.values() if s == status) for status in statuses}
    return {str(status): {"description": reasons[status],
                          "content": {MEDIA_TYPE: {"schema": {"$ref": _COMPONENTS + "Problem"}}}}
            for status in statuses}


def _json(ref: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def document(policy: Policy, examples: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The OpenAPI document; ``examples`` (the policy's own suite cases, as the playground lists them) give
    each query's decision request its examples, and the first its answer.

    Each query has a path of its own, so that its request body can say which of the facts' top-level sections
    it requires (one templated path would have to accept any document for every query)."""
    components: dict[str, Any] = {"Problem": _PROBLEM}
    facts = _imported("Facts", policy.facts_schema_document(), components)
    _stricter(components)
    answer = schema("decision")  # a copy of its own
    answer["properties"]["decision_id"] = {"type": "string", "format": "uuid",
                                           "description": "The decision's id in the decision log (a UUIDv7)."}
    answer["required"].append("decision_id")
    decision = _imported("Decision", answer, components)
    asked = _Asked(policy, facts, decision, examples or [])
    return {
        "openapi": "3.1.0",
        "info": {"title": f"closure-policy decision service: {policy.name}", "version": __version__,
                 "description": "Decisions of the rules in `rules/` over facts documents. The body of a decision "
                                "request is the facts document itself; `?lang=` and `?explain=` carry the "
                                "options. Errors are RFC 9457 problem details."},
        "paths": _paths({
            "decide": asked.single,
            "decideBatch": asked.batch,
            "policy": {"responses": {"200": {**_json({"type": "object"}, "The policy"), "links": {
                f"decide_{query}": {"operationId": f"decide_{query}",
                                    "parameters": {"lang": "$response.body#/languages/0"},
                                    "description": f"Ask {query} in a language the policy speaks"}
                for query in sorted(policy.queries)}}}},
            "rules": {"responses": {"200": _json({"type": "object"}, "The rules")}},
            "reload": {"security": [{"bearer": []}],
                       "responses": {"200": _json({"type": "object"}, "What the reload did"), **_errors(401, 403)}},
            "status": {"responses": {"200": _json({"type": "object", "required": ["policy", "bundle", "decision_log"]},
                                                  "The instance's revision, bundle and decision log")}},
            "health": {"responses": {"200": _json({"type": "object"}, "Alive"), **_errors(503)}},
            "ready": {"responses": {"200": _json({"type": "object"}, "Ready"), **_errors(503)}},
            "metrics": {"responses": {"200": {"description": "Prometheus text format",
                                              "content": {"text/plain": {"schema": {"type": "string"}}}}}},
        }, sorted(policy.queries)),
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


class _Asked:
    """The operations of one query: deciding one document, and a batch."""

    def __init__(self, policy: Policy, facts: dict[str, str], decision: dict[str, str],
                 examples: list[dict[str, Any]]):
        self.policy, self.facts, self.decision, self.examples = policy, facts, decision, examples
        self.options = [
            {"name": "lang", "in": "query", "description": "The language of the texts (default en).",
             "schema": {"type": "string", "enum": policy.languages}},
            {"name": "explain", "in": "query", "description": "Add the evaluation trace (default false).",
             "schema": {"type": "boolean"}},
            {"name": "Decision-Source", "in": "header",
             "description": "Who asks, as the decision log records it (default api; the service's playground "
                            "page says playground). Not authentication: it only marks the record.",
             "schema": {"type": "string", "enum": list(SOURCES)}}]

    def single(self, query: str) -> dict[str, Any]:
        required = sorted(self.policy.queries[query].roots)
        body = {"allOf": [self.facts, {"required": required}]} if required else self.facts
        mine = [ex for ex in self.examples if ex["query"] == query]
        return {
            "description": self.policy.queries[query].title.get(self.policy.languages[0], "") + (
                f" The facts must hold {', '.join(f'`{r}`' for r in required)}." if required else ""),
            "parameters": self.options,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": body, **_request_examples(mine)}}},
            "responses": {"200": {**_answer_example(_json(self.decision, "The decision, with its decision_id"),
                                                    self.policy, mine), "links": {"again": {
                "operationId": f"decide_{query}", "parameters": {"lang": "$response.body#/lang"},
                "requestBody": "$request.body",
                "description": "The same facts asked again are decided the same (a new decision_id)"}}},
                          **_errors(400, 408, 413, 415, 422, 431, 503)}}

    def batch(self, query: str) -> dict[str, Any]:
        batch_item = {"oneOf": [self.decision, {"$ref": _COMPONENTS + "Problem"}]}
        return {
            "description": "A JSON array of facts documents answers a JSON array; `application/x-ndjson` "
                           "(one document a line) answers one line per document as it goes. Each item is a "
                           "decision or a problem (with its `index`): one bad document never fails the others.",
            "parameters": self.options,
            "requestBody": {"required": True, "content": {
                # Each document is checked on its own (an invalid one is answered with its
                # problems, in its place), so the array's items are not constrained here.
                "application/json": {"schema": {"type": "array", "items": {
                    "description": f"A facts document (as `POST /v1/decisions/{query}` takes)"}}},
                "application/x-ndjson": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "One item per document, in order", "content": {
                "application/json": {"schema": {"type": "array", "items": batch_item}},
                "application/x-ndjson": {"schema": {"type": "string"}}}},
                **_errors(400, 408, 413, 415, 431, 503)}}


@lru_cache(maxsize=1)
def _zones() -> list[str]:
    """Every time zone name a decision accepts: the database's, each read as the engine reads it."""
    return [name for name in sorted(zoneinfo.available_timezones()) if is_zone(name)]


def _stricter(node: Any) -> None:
    """Each value the engine reads by its kind (``x-kind``) described as strictly as the engine reads it: as
    JSON Schema where it can say it, else as an extension keyword (``docs/service.md``)."""
    if isinstance(node, dict):
        kind = _KINDS.get(str(node.get("x-kind")))
        if kind is not None:
            kind(node)
        for value in node.values():
            _stricter(value)
    elif isinstance(node, list):
        for value in node:
            _stricter(value)


def _zone(node: dict[str, Any]) -> None:
    """An enum: a pattern alone lets a client send a zone the database lacks, which the service refuses."""
    node.setdefault("enum", list(_zones()))


def _money(node: dict[str, Any]) -> None:
    """A JSON number below 10**38 (a string's digits are the schema's pattern), at most 38 digits after the
    point as written: JSON Schema cannot count those, so ``x-fraction-digits`` says it."""
    for form in [node, *node.get("anyOf", []), *node.get("oneOf", [])]:
        if form.get("type") in ("number", "integer"):
            form.setdefault("exclusiveMaximum", 10 ** limits.MAX_MONEY_INTEGER_DIGITS)
            form.setdefault("x-fraction-digits", limits.MAX_MONEY_FRACTION_DIGITS)


def _timestamp(node: dict[str, Any]) -> None:
    """The instants the engine reads, as extension keywords (JSON Schema compares no dates)."""
    node.setdefault("x-earliest", limits.MIN_INSTANT_UTC)
    node.setdefault("x-latest", limits.MAX_INSTANT_UTC)


_KINDS = {"timezone": _zone, "money": _money, "timestamp": _timestamp}


def _request_examples(examples: list[dict[str, Any]]) -> dict[str, Any]:
    if not examples:
        return {}
    return {"examples": {f"example{i + 1}": {"summary": f"{ex['query']}: {ex['name']}", "value": ex["facts"]}
                         for i, ex in enumerate(examples[:limits.MAX_OPENAPI_EXAMPLES])}}


def _answer_example(response: dict[str, Any], policy: Policy, examples: list[dict[str, Any]]) -> dict[str, Any]:
    """``response`` with the answer to the first example that the policy decides, as its example."""
    for ex in examples[:limits.MAX_OPENAPI_EXAMPLES]:
        try:
            answer = policy.decide(ex["query"], ex["facts"], ex.get("lang", "en")).to_dict()
        except Exception:  # noqa: BLE001 - an example that is refused is not an example of a decision
            continue
        answer["decision_id"] = "0193a4b2-7c00-7000-8000-000000000000"
        content = response["content"]["application/json"]
        return {**response, "content": {"application/json": {**content, "example": answer}}}
    return response


def _paths(details: dict[str, Any], queries: list[str]) -> dict[str, Any]:
    """The OpenAPI paths of the route table's operations, each with its ``details`` (by operationId); a path
    with ``{query}`` is one path per query, its details made for that query."""
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        if endpoint.operation is None:
            continue
        per_query = "{query}" in endpoint.path
        for query in queries if per_query else [None]:
            made = details[endpoint.operation]
            operation = {"operationId": endpoint.operation + (f"_{query}" if per_query else ""),
                         "summary": endpoint.summary, **(made(query) if per_query else made)}
            path = endpoint.path.replace("{query}", query) if query is not None else endpoint.path
            paths.setdefault(path, {})[endpoint.method.lower()] = operation
    return paths
