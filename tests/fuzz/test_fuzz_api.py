"""Property-based fuzzing of the running API from its own OpenAPI document (schemathesis).

The real local stack (moto server + `chalice local`, demo data) runs on free ports; every operation is called
with generated inputs and a valid token for the role it requires. Every response must be free of 5xx, use a
documented status code and content type, and match its documented schema.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from chalicelib.api.openapi import openapi_document
from devtools.local_stack import LocalStackProcess
from devtools.seed import BUYER, COUNTY_STAFF, OPERATOR, PARTNER, PASSWORD, SELLER

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory):
    stack = LocalStackProcess(log_path=tmp_path_factory.mktemp("fuzz") / "local_stack.log")
    try:
        stack.start()
    except BaseException:
        stack.stop(grace=5)
        pytest.fail(f"the local stack did not start:\n{stack.log_text()[-4000:]}")
    try:
        yield stack
    finally:
        stack.stop(grace=10)


@pytest.fixture(scope="module")
def tokens(fuzz_stack) -> dict[str, str]:
    out = {}
    demo = (("buyer", BUYER), ("seller", SELLER), ("operator", OPERATOR), ("partner", PARTNER))
    for role, email in (*demo, ("county_staff", COUNTY_STAFF)):
        reply = requests.post(
            f"{fuzz_stack.url}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=20
        )
        reply.raise_for_status()
        out[role] = reply.json()["access_token"]
    return out


# The same document the server serves at /v1/openapi.json (generated from the code); a test checks it is served.
schema = schemathesis.openapi.from_dict(openapi_document(app))


def _token_for(operation: dict, tokens: dict[str, str]) -> str | None:
    roles = operation.get("x-roles")
    if roles:
        return tokens[roles[0]]
    if operation.get("security") == [{"bearerAuth": []}]:
        return tokens["buyer"]
    return None


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_contract(case, fuzz_stack, tokens):
    assert requests.get(f"{fuzz_stack.url}/v1/openapi.json", timeout=20).json() == openapi_document(app)
    token = _token_for(case.operation.definition.raw, tokens)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    case.call_and_validate(base_url=fuzz_stack.url, headers=headers, checks=CHECKS, timeout=30)
