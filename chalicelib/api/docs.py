"""The API's own description: OpenAPI JSON and a readable page (no external assets)."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from .errors import api_errors

bp = Blueprint(__name__)


@bp.route("/v1/openapi.json", methods=["GET"])
@api_errors
def openapi_json():
    from .openapi import openapi_document

    return Response(
        body=json.dumps(openapi_document()),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )


@bp.route("/v1/docs", methods=["GET"])
@api_errors
def docs():
    from .openapi import docs_page

    return Response(
        body=docs_page(),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )
