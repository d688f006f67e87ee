"""Checks an HTTP exchange against the generated OpenAPI document (status documented, body matches schema)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@lru_cache(maxsize=1)
def _spec():
    from app import app
    from chalicelib.api.openapi import openapi_document

    doc = openapi_document(app)
    registry = Registry().with_resource("urn:bazaar-openapi", Resource.from_contents(doc, DRAFT202012))
    routes = []
    for path, ops in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"{\w+}", r"[^/]+", path) + "$")
        routes.append((pattern, path.count("{"), ops))
    routes.sort(key=lambda r: r[1])  # literal paths win over templated ones
    return doc, registry, routes


class ContractViolation(AssertionError):
    pass


def check(method: str, url: str, status: int, content_type: str, body: bytes) -> None:
    doc, registry, routes = _spec()
    path = url.split("?", 1)[0]
    ops = next((candidate for pattern, _, candidate in routes if pattern.match(path)), None)
    if ops is None:
        return  # not an API route (e.g. an unknown path): nothing is documented for it
    operation = ops.get(method.lower())
    if operation is None:
        if status == 405:
            return
        raise ContractViolation(f"{method} {path} answered {status} but the method is not documented")
    response = operation["responses"].get(str(status))
    if response is None:
        raise ContractViolation(f"{method} {path} answered an undocumented status {status}: {body[:300]!r}")
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and media_type in response.get("content", {}):
        return  # a documented alternative (e.g. text/csv, chosen by the Accept header)
    if "json" not in (content_type or ""):
        raise ContractViolation(f"{method} {path} {status} should be JSON, got {content_type!r}")
    ref = schema["$ref"].replace("#", "urn:bazaar-openapi#", 1)
    validator = Draft202012Validator({"$ref": ref}, registry=registry)
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        raise ContractViolation(
            f"{method} {path} {status} does not match {schema['$ref']}: {first.message} at {list(first.path)}"
        )
