"""HTTP middleware: body-size limit, one error shape for Chalice's own answers, caching headers (ETag, 304,
Cache-Control: api/caching.py), one log line per request."""

from __future__ import annotations

import time

from chalice import Blueprint

from ..observability import current_user_id, log_request, request_id
from . import caching
from .errors import error_response, reshape_chalice_error
from .http import MAX_BODY_BYTES

bp = Blueprint(__name__)


@bp.middleware("http")
def house_errors(event, get_response):
    started = time.perf_counter()
    token = current_user_id.set(None)
    try:
        if len(event.raw_body or b"") > MAX_BODY_BYTES:
            response = error_response(413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        else:
            response = reshape_chalice_error(get_response(event))
        response = caching.apply(event.method, event.headers, response)
        rid = request_id(event)
        response.headers["X-Request-Id"] = rid
        log_request(event, rid, response.status_code, (time.perf_counter() - started) * 1000)
        return response
    finally:
        current_user_id.reset(token)
