"""Opaque, tamper-proof page cursors: the DynamoDB position, signed with HMAC and bound to its query."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ..domain.errors import ValidationFailed


def _sign(secret: str, scope: str, payload: bytes) -> str:
    mac = hmac.new(secret.encode(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def encode(secret: str, scope: str, last_key: dict | None) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, scope, payload)}"


def decode(secret: str, scope: str, cursor: str | None) -> dict | None:
    if cursor is None or cursor == "":
        return None
    invalid = ValidationFailed(
        "cursor is not valid for this query",
        code="invalid_cursor",
        details=[{"field": "cursor", "message": "use the next_cursor of the previous page unchanged"}],
    )
    if len(cursor) > 2048 or not cursor.isascii() or cursor.count(".") != 1:
        raise invalid
    body, signature = cursor.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise invalid from None
    if not hmac.compare_digest(signature, _sign(secret, scope, payload)):
        raise invalid
    try:
        key = json.loads(payload)
    except ValueError:
        raise invalid from None
    if not isinstance(key, dict):
        raise invalid
    return key
