"""Property-based fuzzing of the running API from its own OpenAPI document (schemathesis).

The real local stack (moto server + `chalice local`, demo data) runs on free ports; every operation is called
with generated inputs (valid and invalid: schemathesis' examples, coverage and fuzzing phases) and a valid token
for the role it requires. Every response must be free of 5xx, use a documented status code, content type and
response headers, and match its documented schema; invalid inputs and missing required headers must be refused
(4xx), an undocumented method must be a 405 with `Allow` (and OPTIONS' `Allow` must list the documented methods),
and an operation that requires a token must refuse the request without one. Then a lone surrogate in place of
each string of each request example (which generated text never contains) must be a 4xx in the house shape.
"""

from __future__ import annotations

import json

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from app import app
from chalicelib.api.openapi import openapi_document
from devtools.local_stack import LocalStackProcess
from devtools.seed import BUYER, COUNTY_STAFF, OPERATOR, PARTNER, PASSWORD, SELLER

pytestmark = pytest.mark.fuzz

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]
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


def _credentials(case, tokens: dict[str, str]) -> dict[str, str]:
    """A real token where the generated case carries a bearer credential (schemathesis draws a random one). A case
    made negative by dropping or mangling the credential is sent as drawn: the check expects it refused."""
    token = _token_for(case.operation.definition.raw, tokens)
    drawn = next((v for k, v in (case.headers or {}).items() if k.lower() == "authorization"), None)
    if token and isinstance(drawn, str) and drawn.startswith("Bearer "):
        return {"Authorization": f"Bearer {token}"}
    return {}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_contract(case, fuzz_stack, tokens):
    assert requests.get(f"{fuzz_stack.url}/v1/openapi.json", timeout=20).json() == openapi_document(app)
    case.call_and_validate(base_url=fuzz_stack.url, headers=_credentials(case, tokens), checks=CHECKS, timeout=30)


# --- text that is not Unicode, in every field of every body (issue 9) ----------------------------------------
# Generated strings are always encodable, so schemathesis never sends a lone surrogate (JSON "\ud800"); this
# sends one in place of each string of each documented request example, and as an extra key.


def _variants(value, path=()):
    """(path, document) for each string of `value` replaced by text with a lone surrogate, keys included."""
    if isinstance(value, str):
        yield path, value[:3] + "\ud800"
    elif isinstance(value, dict):
        for key, child in value.items():
            for sub_path, replaced in _variants(child, (*path, key)):
                yield sub_path, {**value, key: replaced}
        yield (*path, "x\ud800"), {**value, "x\ud800": "y"}
    elif isinstance(value, list):
        for i, child in enumerate(value):
            for sub_path, replaced in _variants(child, (*path, str(i))):
                yield sub_path, [*value[:i], replaced, *value[i + 1 :]]


def _surrogate_cases():
    document = openapi_document(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if not body:
                continue
            name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            examples = document["components"]["schemas"][name].get("examples") or [{}]
            for field_path, variant in _variants(examples[0]):
                yield pytest.param(
                    method, path, operation, variant, id=f"{operation['operationId']}:{'.'.join(field_path)}"
                )


@pytest.mark.parametrize(("method", "path", "operation", "body"), list(_surrogate_cases()))
def test_a_lone_surrogate_in_any_field_of_any_body_is_a_4xx_in_the_house_shape(
    fuzz_stack, tokens, method, path, operation, body
):
    from tests.contract import check

    token = _token_for(operation, tokens)
    url = fuzz_stack.url + path.replace("{", "").replace("}", "")  # path parameters: their own names
    headers = {"Content-Type": "application/json", "Idempotency-Key": "fuzz-surrogate"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    reply = requests.request(method.upper(), url, data=json.dumps(body).encode(), headers=headers, timeout=30)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:300])
    assert set(reply.json()) == {"error"}
    check(
        method.upper(),
        url.removeprefix(fuzz_stack.url),
        reply.status_code,
        reply.headers["content-type"],
        reply.content,
    )
