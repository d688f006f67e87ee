"""The one place where errors become HTTP responses: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Response

from ..domain import errors as e

STATUS_BY_ERROR: list[tuple[type[e.DomainError], int]] = [
    (e.ValidationFailed, 400),
    (e.Unauthenticated, 401),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.PreconditionFailed, 412),
    (e.Unprocessable, 422),
    (e.ServiceUnavailable, 503),
]

# Chalice answers some requests itself ({"Code", "Message"}); these are reshaped by the middleware.
_CHALICE_CODES = {
    "BadRequestError": "bad_request",
    "BadRequest": "bad_request",
    "UnauthorizedError": "unauthenticated",
    "ForbiddenError": "forbidden",
    "NotFoundError": "not_found",
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "RequestTooLarge": "payload_too_large",
    "TooManyRequests": "too_many_requests",
    "InternalServerError": "internal_error",
}


class PayloadTooLarge(e.DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(e.DomainError):
    code = "unsupported_media_type"


STATUS_BY_ERROR += [(PayloadTooLarge, 413), (UnsupportedMediaType, 415)]
STATUS_BY_ERROR += [(e.TooManyAttempts, 429)]  # five wrong pickup codes lock a handover (issue 10)


# An error lists at most this many details (a body of 90,000 unknown keys would otherwise answer megabytes);
# its message says how many more there were.
MAX_ERROR_DETAILS = 20


def error_response(status: int, code: str, message: str, details: Any = None, headers: dict | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        if isinstance(details, list) and len(details) > MAX_ERROR_DETAILS:
            more = len(details) - MAX_ERROR_DETAILS
            body["error"]["message"] = (
                f"{message} ({len(details)} problems; the first {MAX_ERROR_DETAILS} are listed, {more} more are not)"
            )
            details = details[:MAX_ERROR_DETAILS]
        body["error"]["details"] = details
    return Response(
        body=json.dumps(body, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def to_response(exc: e.DomainError) -> Response:
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
    headers = {}
    if isinstance(exc, (e.ServiceUnavailable, e.TooManyAttempts)):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="bazaar"'
    return error_response(status, exc.code, exc.message, exc.details, headers)


def api_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Wraps a view: domain errors become their documented status, anything unexpected a JSON 500."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except e.DomainError as exc:
            return to_response(exc)
        except Exception:
            from ..observability import logger

            logger().exception("unhandled error", view=view.__name__)
            return error_response(500, "internal_error", "something went wrong on our side")

    return wrapper


def reshape_chalice_error(response: Response) -> Response:
    """Gives Chalice's own error answers (415, 405, ...) the house error shape."""
    if response.status_code < 400:
        return response
    body = response.body
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and "Code" in body and "error" not in body:
        code = _CHALICE_CODES.get(body["Code"], "error")
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        return error_response(response.status_code, code, str(body.get("Message", "")), headers=headers)
    return response
