"""Request parsing and response shaping shared by every blueprint (api/routing.py applies them)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from chalice import Response

from ..domain.errors import ValidationFailed
from .errors import PayloadTooLarge, UnsupportedMediaType
from .text import INVALID_TEXT, invalid_text_fields

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
API_PREFIX = "/v1"

M = TypeVar("M")


def is_api_path(path: str | None) -> bool:
    """A path of the JSON API (house error shape); every other path is a web page (HTML: web/edge.py)."""
    return path is not None and (path == API_PREFIX or path.startswith(API_PREFIX + "/"))


def json_body(request, schema: type[M]) -> M:
    """Parses and validates the JSON body against a pydantic schema (unknown fields are rejected)."""
    from pydantic import ValidationError

    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    if not raw.strip():
        raise ValidationFailed("a JSON body is required", code="malformed_json")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise ValidationFailed(f"the body is not valid JSON: {exc}", code="malformed_json") from None
    broken = invalid_text_fields(data)
    if broken:
        raise ValidationFailed(
            "the request body contains text that is not valid Unicode",
            details=[{"field": field, "message": INVALID_TEXT} for field in broken],
        )
    try:
        return schema.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ValidationFailed("the request body is not valid", details=validation_details(exc)) from None


def validation_details(exc) -> list[dict[str, str]]:
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        # "function-…": a validator's own step; "~…": which shape of a union was chosen (api/schemas.py)
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "~")))
        message = "is not a known field" if err["type"] == "extra_forbidden" else err["msg"]
        details.append({"field": loc or "body", "message": message})
    return details


def limit_param(params: dict[str, str]) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(
            "limit is not valid", details=[{"field": "limit", "message": f"must be an integer from 1 to {MAX_LIMIT}"}]
        )
    return int(raw)


def _jsonable(value: Any) -> Any:
    """What json.dumps cannot encode by itself and stored data may still hold: numbers as DynamoDB returns
    them (Decimal), sets; anything else by its text. A response is never lost to its encoding."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def ok(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response. Its text is made encodable on the way out (api/middleware, api/text.encodable)."""
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=_jsonable),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def no_content() -> Response:
    return Response(body="", status_code=204)


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(request) -> int | None:
    """The version named by If-Match, or None when absent; '*' matches any version."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        return -1  # matches nothing: a stale or foreign ETag
    return int(value)
