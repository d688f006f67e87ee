"""HTTP middleware: body-size limit before any view runs, and one error shape for Chalice's own answers."""

from __future__ import annotations

from chalice import Blueprint

from .errors import error_response, reshape_chalice_error
from .http import MAX_BODY_BYTES

bp = Blueprint(__name__)


@bp.middleware("http")
def house_errors(event, get_response):
    if len(event.raw_body or b"") > MAX_BODY_BYTES:
        return error_response(413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    return reshape_chalice_error(get_response(event))
