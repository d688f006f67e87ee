"""Generates the OpenAPI 3.1 document from api/contract.py and the pydantic schemas, and renders it as HTML."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache

from .contract import OPERATIONS, OPTIONAL, PUBLIC, SIGNED_IN, Operation

ERROR_REASONS = {
    400: "Malformed JSON, unknown fields or bad values",
    401: "Missing, invalid or expired bearer token",
    403: "The caller's role or ownership does not allow this",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Body larger than 1 MB",
    415: "Body is not application/json",
    422: "Understood but cannot be processed",
    503: "A dependency is busy; retry after Retry-After seconds",
}


def _schema_names() -> list[str]:
    names = {"ErrorBody"}
    for op in OPERATIONS:
        if op.body:
            names.add(op.body)
        names.update(n for n in op.responses.values() if n)
    return sorted(names)


def _error_statuses(op: Operation) -> list[int]:
    statuses = set(op.errors)
    if op.body:
        statuses |= {400, 413, 415}
    if op.query:
        statuses.add(400)
    if op.auth != PUBLIC:
        statuses.add(401)
    if op.auth not in (PUBLIC, OPTIONAL):
        statuses.add(403)  # a role is required (signed-in callers without any role get 403 too)
    if "{" in op.path:
        statuses.add(404)
    if op.tag != "meta":
        statuses.add(503)
    return sorted(statuses)


def _json_content(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _operation(op: Operation) -> dict:
    out: dict = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": re.sub(r"[^a-zA-Z0-9]+", "_", f"{op.method.lower()}{op.path}").strip("_"),
    }
    if op.auth == PUBLIC:
        out["security"] = []
    elif op.auth == OPTIONAL:
        out["security"] = [{}, {"bearerAuth": []}]
    else:
        out["security"] = [{"bearerAuth": []}]
        if isinstance(op.auth, tuple):
            out["x-roles"] = list(op.auth)
            out["description"] = f"Requires the role: {' or '.join(op.auth)}. " + op.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": desc}
        for name, schema, desc in op.query
    ]
    params += [
        {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": desc}
        for name, desc in op.request_headers
    ]
    if params:
        out["parameters"] = params
    if op.body:
        out["requestBody"] = {"required": True, "content": _json_content(op.body)}
    responses: dict = {}
    for status, name in op.responses.items():
        response: dict = {"description": "Success" if status != 204 else "No content"}
        if name:
            response["content"] = _json_content(name)
        if op.response_headers:
            response["headers"] = {h: {"description": d, "schema": {"type": "string"}} for h, d in op.response_headers}
        responses[str(status)] = response
    for status in _error_statuses(op):
        responses[str(status)] = {"description": ERROR_REASONS[status], "content": _json_content("ErrorBody")}
    if op.method == "GET" and op.auth in (PUBLIC, OPTIONAL):
        # api/caching.py: anonymous reads carry a weak ETag and Cache-Control (public, max-age=30)
        responses["304"] = {
            "description": "Not Modified: the If-None-Match ETag is still current (anonymous requests; no body)"
        }
    out["responses"] = responses
    return out


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    from pydantic.json_schema import models_json_schema

    from . import schemas

    models = [(getattr(schemas, name), "validation") for name in _schema_names()]
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bazaar API",
            "version": "1.0.0",
            "description": (
                "Multi-tenant marketplace with three storefronts (b2b, handicrafts, specialties). Money is integer "
                "minor units plus an ISO currency; times are UTC ISO-8601. Every error is "
                '{"error": {"code", "message", "details"?}}.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": top["$defs"],
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "Cognito access token (JWT)"}
            },
        },
    }


def _auth_label(op: Operation) -> str:
    if op.auth == PUBLIC:
        return "public"
    if op.auth == OPTIONAL:
        return "public (token optional)"
    if op.auth == SIGNED_IN:
        return "signed in"
    return " or ".join(op.auth)


@lru_cache(maxsize=1)
def docs_page() -> str:
    doc = openapi_document()
    e = html.escape
    rows = []
    for op in OPERATIONS:
        spec = doc["paths"][op.path][op.method.lower()]
        params = "".join(
            f"<li><code>{e(p['name'])}</code> ({e(p['in'])}) {e(p.get('description', ''))}</li>"
            for p in spec.get("parameters", [])
        )
        responses = "".join(
            f"<li><b>{e(code)}</b> {e(r['description'])}"
            + (f" — <a href='#schema-{e(_ref(r))}'>{e(_ref(r))}</a>" if _ref(r) else "")
            + "</li>"
            for code, r in spec["responses"].items()
        )
        body = f"<p>Body: <a href='#schema-{e(op.body)}'>{e(op.body)}</a></p>" if op.body else ""
        rows.append(
            f"<section class='op' id='{e(spec['operationId'])}'><h3><span class='m {e(op.method.lower())}'>"
            f"{e(op.method)}</span> <code>{e(op.path)}</code></h3><p>{e(op.summary)} · <i>{e(_auth_label(op))}</i></p>"
            f"{body}{'<ul>' + params + '</ul>' if params else ''}<ul class='r'>{responses}</ul></section>"
        )
    schemas = "".join(
        f"<details id='schema-{e(name)}'><summary>{e(name)}</summary><pre>{e(json.dumps(s, indent=2))}</pre></details>"
        for name, s in sorted(doc["components"]["schemas"].items())
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Bazaar API</title><style>"
        "body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
        "code,pre{font-family:ui-monospace,monospace}pre{background:#f4f4f4;padding:.75rem;overflow:auto}"
        ".op{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-size:.8rem;"
        "padding:.1rem .4rem;border-radius:3px;color:#fff;background:#444;text-align:center}"
        ".get{background:#1f6f43}.post{background:#1d4f91}.patch{background:#8a5a00}.delete{background:#a11}"
        "</style></head><body><h1>Bazaar API</h1>"
        f"<p>{e(doc['info']['description'])}</p><p>Machine-readable: <a href='/v1/openapi.json'>/v1/openapi.json</a>"
        "</p><h2>Operations</h2>" + "".join(rows) + "<h2>Schemas</h2>" + schemas + "</body></html>"
    )


def _ref(response: dict) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None
