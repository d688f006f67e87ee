"""The API's own description: OpenAPI JSON and a readable page (no external assets)."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from .routing import ANYONE, Budget, Call, Scope, route

bp = Blueprint(__name__)


@route(
    bp,
    "GET",
    "/v1/openapi.json",
    "getOpenApiDocument",
    "This document",
    tag="meta",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: None},
    budget=Budget(0, "generated from the code's schemas and routes"),
)
def openapi_json(call: Call) -> Response:
    from .openapi import openapi_document

    return Response(
        body=json.dumps(openapi_document(bp.current_app)),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )


@route(
    bp,
    "GET",
    "/v1/docs",
    "getApiDocsPage",
    "This document, as a readable page",
    tag="meta",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: None},
    budget=Budget(0, "a static page rendering the OpenAPI document"),
)
def docs(call: Call) -> Response:
    from .openapi import docs_page

    return Response(
        body=docs_page(bp.current_app),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )
