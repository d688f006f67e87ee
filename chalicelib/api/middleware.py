"""HTTP middleware: body-size limit, one error shape for Chalice's own answers (with `Allow` on a 405), a body
that can always be encoded (api/text.py), caching headers (ETag, 304, Cache-Control: api/caching.py), one log
line per request. Web paths get their HTML answers from web/edge.py, which runs inside this one."""

from __future__ import annotations

import time

from chalice import Blueprint

from ..observability import current_user_id, log_request, request_id
from . import caching
from .errors import error_response, reshape_chalice_error
from .http import MAX_BODY_BYTES, is_api_path
from .routing import allowed_methods
from .text import encodable

bp = Blueprint(__name__)


@bp.middleware("http")
def house_errors(event, get_response):
    started = time.perf_counter()
    token = current_user_id.set(None)
    try:
        if len(event.raw_body or b"") > MAX_BODY_BYTES and is_api_path(event.path):
            response = error_response(413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        else:
            response = reshape_chalice_error(get_response(event))
        if response.status_code == 405:  # Chalice's own lists OPTIONS, which answers 405 itself
            response.headers = {k: v for k, v in response.headers.items() if k.lower() != "allow"}
            response.headers["Allow"] = ", ".join(allowed_methods(bp.current_app, event.path))
        if isinstance(response.body, str):
            response.body = encodable(response.body)  # stored text from before api/text.py: never a lost reply
        response = caching.apply(event.method, event.headers, response)
        rid = request_id(event)
        response.headers["X-Request-Id"] = rid
        log_request(event, rid, response.status_code, (time.perf_counter() - started) * 1000)
        return response
    finally:
        current_user_id.reset(token)
