"""schemathesis against ``/openapi.json``, on the bundled policy and on the fixture: every operation,
generated requests, every check (``positive_data_acceptance`` too: a request the document calls valid is
decided), then the stateful phase along the document's links."""
from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from closure_policy.serve.app import TOKEN_VARIABLE, ServeConfig, create_app

from ..conftest import FIXTURE_RULES, ROOT
from .openapi_keywords import request_validator

os.environ.pop(TOKEN_VARIABLE, None)  # reload stays refused (403): the fuzzing never swaps the policy
EXAMPLES = int(os.environ.get("SERVE_FUZZ_EXAMPLES", "30"))


@schemathesis.serializer("application/x-ndjson")
def _lines(context: Any, value: Any) -> bytes:
    """An NDJSON body as the document gives it: text (one document a line), sent as it is, a lone surrogate
    included (each line's problem is its own, in a 200)."""
    return str(value).encode("utf-8", "surrogatepass")


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _loaded(rules: str) -> tuple[Any, dict[str, Any]]:
    app = create_app(ServeConfig(rules=rules))
    with TestClient(app) as client:
        return schemathesis.openapi.from_asgi("/openapi.json", app), client.get("/openapi.json").json()


def _schema(rules: str) -> Any:
    schema, document = _loaded(rules)
    validators: dict[str, Any] = {}

    @schema.hook("filter_case")
    def documented(context: Any, case: Any) -> bool:
        """Keep a positive case only when its body is what the document says it takes, its extension keywords
        included (JSON Schema cannot say "ids unique by id" or "after 0001-01-02"; the generator does not read
        them). A whole case, not its body alone: the stateful phase fills values into a body after its filter."""
        path = case.operation.path
        if case.media_type == "application/x-ndjson":  # text on the wire: no body of another type can be sent
            return isinstance(case.body, str)
        if "requestBody" not in document["paths"][path].get("post", {}) or path.endswith("/batch") or \
                case.meta is None or not case.meta.generation.mode.is_positive:
            return True
        if path not in validators:
            validators[path] = request_validator(document, path)
        return bool(validators[path].is_valid(case.body))

    return schema


bundled = _schema(str(ROOT / "rules"))
fixture = _schema(str(FIXTURE_RULES))


@bundled.parametrize()
@FUZZ
def test_the_bundled_policys_operations_conform_and_accept_what_they_document(case):
    case.call_and_validate()


@fixture.parametrize()
@FUZZ
def test_the_fixtures_operations_conform_and_accept_what_they_document(case):
    case.call_and_validate()


@pytest.mark.parametrize("schema", [bundled, fixture], ids=["bundled", "fixture"])
def test_the_stateful_phase_follows_the_documents_links(schema):
    machine = schema.as_state_machine()
    machine.run(settings=settings(max_examples=max(EXAMPLES // 3, 5), deadline=None,
                                  suppress_health_check=list(HealthCheck), stateful_step_count=6))


def _agrees(operation: Any, validator: Any, seen: set[tuple[bool, int]]) -> Any:
    """A property over the bodies generated for ``operation``: decided exactly when the document says so."""

    @given(operation.as_strategy())
    @settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
    def agrees(case: Any) -> None:
        documented, status = validator.is_valid(case.body), case.call().status_code
        assert status == (200 if documented else 422), (case.body, list(validator.iter_errors(case.body)))
        seen.add((documented, status))

    return agrees


@pytest.mark.parametrize("rules", [ROOT / "rules", FIXTURE_RULES], ids=["bundled", "fixture"])
def test_the_document_says_exactly_which_bodies_are_decided(rules):
    """Both ways: a generated body the document's keywords reject is refused (422), one they accept is
    decided (200). The generator knows JSON Schema only, so it makes both kinds."""
    schema, document = _loaded(str(rules))  # no filter: the extension keywords' cases come too
    seen: set[tuple[bool, int]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/v1/decisions/") and not operation.path.endswith("/batch"):
            _agrees(operation, request_validator(document, operation.path), seen)()
    assert seen == {(True, 200), (False, 422)}  # both kinds were made and sent
