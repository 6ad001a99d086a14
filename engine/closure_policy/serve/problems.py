"""Errors as RFC 9457 problem details (``application/problem+json``), made in one place.

Every error the service answers goes through :func:`problem`: a type URI from
the list below, a title, the status, a detail, and extensions (``problems``
with JSON pointers or ``file:line:col``, ``queries``, ``languages``). Nothing
else reaches a response: no traceback, no internal detail.
"""
from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..errors import InvalidFacts, UnknownQuery, UnreadableDocument, UnsupportedLanguage
from ..jsondoc import dump

BASE = "https://closure-policy.dev/problems/"
MEDIA_TYPE = "application/problem+json"

#: slug -> (status, title): every kind of problem the service answers.
KINDS: dict[str, tuple[int, str]] = {
    "invalid-facts": (422, "The facts are not valid"),
    "unknown-query": (404, "No such query"),
    "unsupported-language": (400, "Unsupported language"),
    "malformed-json": (400, "The body is not a JSON document the service can read"),
    "bad-request": (400, "Bad request"),
    "too-large": (413, "The body is too large"),
    "batch-too-long": (413, "The batch has too many documents"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "unauthorized": (401, "A bearer token is required"),
    "forbidden": (403, "Reloading over HTTP is switched off"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "timeout": (503, "The request took too long"),
    "request-timeout": (408, "The request line and headers took too long"),
    "headers-too-large": (431, "The request line and headers are too large"),
    "overloaded": (503, "Every connection is busy"),
    "not-ready": (503, "No policy is loaded"),
    "engine-limit": (422, "A backend cannot decide these facts"),
    "log-failed": (503, "The decision could not be recorded, so it is not given"),
    "log-full": (503, "The decision log's outbox is full (PostgreSQL has not taken its records), so it is not given"),
    "stale": (503, "The policy bundle could not be confirmed current for too long"),
    "internal": (500, "Internal error"),
}


def problem(kind: str, detail: str, headers: dict[str, str] | None = None, **extensions: Any) -> Response:
    status, title = KINDS[kind]
    return Response(dump({"type": BASE + kind, "title": title, "status": status, "detail": detail, **extensions}),
                    status_code=status, media_type=MEDIA_TYPE, headers=headers)


def body(kind: str, detail: str, **extensions: Any) -> dict[str, Any]:
    """The same problem as a JSON object (one item of a batch's answer)."""
    status, title = KINDS[kind]
    return {"type": BASE + kind, "title": title, "status": status, "detail": detail, **extensions}


def of_error(exc: Exception) -> tuple[str, str, dict[str, Any]]:
    """(kind, detail, extensions) for a user's mistake the engine raised."""
    if isinstance(exc, UnreadableDocument):
        return "malformed-json", "this is not a JSON document the service can read", _listed(exc)
    if isinstance(exc, InvalidFacts):
        return "invalid-facts", f"{exc.count} problem(s) in the facts", _listed(exc)
    if isinstance(exc, UnknownQuery):
        return "unknown-query", str(exc), {"queries": exc.known}
    if isinstance(exc, UnsupportedLanguage):
        return "unsupported-language", str(exc), {}
    return "engine-limit", str(exc), {}


def _listed(exc: InvalidFacts) -> dict[str, Any]:
    """``problems`` (at most ``MAX_PROBLEMS``), and ``omitted``/``omitted_is_lower_bound`` when some are not listed."""
    listed: dict[str, Any] = {"problems": [p.to_dict() for p in exc.problems]}
    if exc.omitted or not exc.complete:
        listed.update(omitted=exc.omitted, omitted_is_lower_bound=not exc.complete)
    return listed
