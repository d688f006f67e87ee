"""Structured JSON logs (Powertools Logger), one line per request.

Logged: request id, stage, method, route template, status, duration, user id, shop id. Never logged:
passwords, tokens, emails, addresses or request bodies.
"""

from __future__ import annotations

import contextvars
import sys
import uuid
from typing import Any

_logger = None
current_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_user_id", default=None)


class _Stdout:
    """Writes to whatever sys.stdout is at the time (Lambda, chalice local, or a test's capture)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def logger():
    """Created on first use, so importing the app stays cheap."""
    global _logger
    if _logger is None:
        from aws_lambda_powertools import Logger

        # Not "bazaar": Chalice already owns a plain-text logger by the app's name.
        _logger = Logger(service="bazaar-api", stream=_Stdout(), use_rfc3339=True)
    return _logger


def _stage() -> str:
    from .config import SettingsError, get_settings

    try:
        return get_settings().stage
    except SettingsError:
        return "unconfigured"


def request_id(request) -> str:
    """API Gateway's request id; a fresh one where the local gateway gives none."""
    context: dict[str, Any] = getattr(request, "context", None) or {}
    return context.get("requestId") or uuid.uuid4().hex


def log_request(request, request_id: str, status: int, duration_ms: float) -> None:
    context: dict[str, Any] = getattr(request, "context", None) or {}
    params = getattr(request, "uri_params", None) or {}
    logger().info(
        "request",
        request_id=request_id,
        stage=_stage(),
        method=getattr(request, "method", None),
        route=context.get("resourcePath"),
        status=status,
        duration_ms=round(duration_ms, 1),
        user_id=current_user_id.get(),
        shop_id=params.get("shop_id"),
    )
