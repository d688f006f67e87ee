"""Generates the OpenAPI 3.1 document from the route declarations (api/routing.py) and the pydantic schemas,
and renders it as HTML."""

from __future__ import annotations

import html
import json
from functools import lru_cache

from chalice import Chalice

from .routing import RouteSpec, declared_routes, find_route

ERROR_REASONS = {
    400: "Malformed JSON, unknown fields or query parameters, bad values, text that is not valid Unicode",
    401: "Missing, invalid or expired bearer token",
    403: "The caller's role or ownership does not allow this",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Body larger than 1 MB",
    415: "Body is not application/json",
    422: "Understood but cannot be processed",
    429: "Too many tries; wait Retry-After seconds",
    503: "A dependency is busy; retry after Retry-After seconds",
}


def _schema_names(routes: list[RouteSpec]) -> list[str]:
    names = {"ErrorBody"}
    for op in routes:
        if op.body:
            names.add(op.body)
        names.update(n for n in op.responses.values() if n)
    return sorted(names)


def _error_statuses(op: RouteSpec) -> list[int]:
    statuses = set(op.errors) | {400}  # 400: an unknown query parameter, text that is not valid Unicode
    if op.body:
        statuses |= {413, 415}
    if op.auth.kind != "public":
        statuses.add(401)  # no token, a bad one, or (for a provider) a bad signature
    if op.auth.needs_token:
        statuses.add(403)  # a role is required (signed-in callers without any role get 403 too)
    if "{" in op.path:
        statuses.add(404)
    if op.tag != "meta":
        statuses.add(503)
    return sorted(statuses)


def _json_content(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _query_parameter(q) -> dict:
    out = {"name": q.name, "in": "query", "required": False, "schema": q.schema(), "description": q.description}
    if q.example is not None:
        out["example"] = q.example
    return out


def _operation(op: RouteSpec) -> dict:
    out: dict = {"summary": op.summary, "tags": [op.tag], "operationId": op.operation_id}
    if op.auth.kind in ("public", "signature"):
        out["security"] = []
    elif op.auth.kind == "optional":
        out["security"] = [{}, {"bearerAuth": []}]
    else:
        out["security"] = [{"bearerAuth": []}]
        if op.auth.roles:
            names = [r.value for r in op.auth.roles]
            out["x-roles"] = names
            out["description"] = f"Requires the role: {' or '.join(names)}. " + op.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in op.path_params
    ]
    params += [_query_parameter(q) for q in op.all_query]
    params += [
        {
            "name": h.name,
            "in": "header",
            "required": h.required,
            "schema": {"type": "string", **({"minLength": 1, "maxLength": h.max_length} if h.required else {})},
            "description": h.description,
        }
        for h in op.headers
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
            if status == next(iter(op.responses)):
                for media_type, about in op.alternatives:  # chosen by the Accept header
                    response["content"][media_type] = {"schema": {"type": "string", "description": about}}
        if op.response_headers:
            response["headers"] = {h: {"description": d, "schema": {"type": "string"}} for h, d in op.response_headers}
        responses[str(status)] = response
    for status in _error_statuses(op):
        responses[str(status)] = {"description": ERROR_REASONS[status], "content": _json_content("ErrorBody")}
    if op.method == "GET" and op.auth.kind in ("public", "optional"):
        # api/caching.py: anonymous reads carry a weak ETag and Cache-Control (public, max-age=30)
        responses["304"] = {
            "description": "Not Modified: the If-None-Match ETag is still current (anonymous requests; no body)"
        }
    out["responses"] = responses
    return out


@lru_cache(maxsize=4)
def openapi_document(app: Chalice) -> dict:
    """The document of `app`'s declared routes (an app's routes are its registry: api/routing.py)."""
    from pydantic.json_schema import models_json_schema

    from . import schemas

    routes = declared_routes(app)
    models = [(getattr(schemas, name), "validation") for name in _schema_names(routes)]
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for op in routes:
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


def _auth_label(op: RouteSpec) -> str:
    labels = {"public": "public", "optional": "public (token optional)", "signed_in": "signed in"}
    labels["signature"] = "signed request"
    return labels.get(op.auth.kind) or " or ".join(r.value for r in op.auth.roles)


@lru_cache(maxsize=4)
def docs_page(app: Chalice) -> str:
    doc = openapi_document(app)
    document_url = find_route(app, "getOpenApiDocument").path
    e = html.escape
    rows = []
    for op in declared_routes(app):
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
        f"<p>{e(doc['info']['description'])}</p><p>Machine-readable: <a href='{e(document_url)}'>{e(document_url)}</a>"
        "</p><h2>Operations</h2>" + "".join(rows) + "<h2>Schemas</h2>" + schemas + "</body></html>"
    )


def _ref(response: dict) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None
