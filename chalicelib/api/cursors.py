"""Opaque, tamper-proof page cursors: the DynamoDB position, signed with HMAC and bound to its query.

`secret` is the signing key, or the keys accepted while a rotation overlaps: a `SigningSecret` (what
`settings.cursor_secret` gives: it signs with the current key and verifies with any key it still accepts) or a
sequence whose first key signs and whose every key verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence

from ..domain.errors import ValidationFailed
from ..domain.keyring import SigningSecret

Secret = str | Sequence[str]


def _signing_key(secret: Secret) -> str:
    return secret if isinstance(secret, str) else secret[0]


def _accepted_keys(secret: Secret) -> tuple[str, ...]:
    if isinstance(secret, SigningSecret):
        return secret.accepted
    return (secret,) if isinstance(secret, str) else tuple(secret)


def _sign(secret: str, scope: str, payload: bytes) -> str:
    mac = hmac.new(secret.encode(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def encode(secret: Secret, scope: str, last_key: dict | None) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(_signing_key(secret), scope, payload)}"


def decode(secret: Secret, scope: str, cursor: str | None) -> dict | None:
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
    if not any(hmac.compare_digest(signature, _sign(key, scope, payload)) for key in _accepted_keys(secret)):
        raise invalid
    try:
        key = json.loads(payload)
    except ValueError:
        raise invalid from None
    if not isinstance(key, dict):
        raise invalid
    return key
