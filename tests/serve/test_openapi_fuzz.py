"""schemathesis against ``/openapi.json``: every operation, generated requests, no 5xx, answers as documented."""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from closure_policy.serve.app import TOKEN_VARIABLE, ServeConfig, create_app

from ..conftest import FIXTURE_RULES

os.environ.pop(TOKEN_VARIABLE, None)  # reload stays refused (403): the fuzzing never swaps the policy
app = create_app(ServeConfig(rules=str(FIXTURE_RULES)))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=int(os.environ.get("SERVE_FUZZ_EXAMPLES", "30")), deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_and_never_fails(case):
    # Valid per the schema is not always valid facts: what JSON Schema cannot state
    # (a time zone the database lacks, an impossible date, ids used twice) is a 422
    # by design, so schemathesis's "schema-valid data is accepted" does not apply.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
