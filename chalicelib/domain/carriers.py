"""Issue 12: carriers post tracking events of the parcels handed to them (pure rules).

A carrier is not a marketplace user: an operator registers it (`POST /v1/admin/carriers`) and gives it its
signing secret, derived from the platform's `carrier_signing` key and the carrier id (never stored, like a
pickup code). It signs each request: `X-Carrier-Id`, `X-Carrier-Timestamp` (Unix seconds) and
`X-Carrier-Signature` = hex HMAC-SHA256(secret, "<timestamp>.<raw body>"). A timestamp more than
SIGNATURE_WINDOW_SECONDS from our clock is refused (a captured request cannot be replayed later).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .errors import Unauthenticated

SIGNATURE_WINDOW_SECONDS = 300
CARRIER_HEADER = "x-carrier-id"
TIMESTAMP_HEADER = "x-carrier-timestamp"
SIGNATURE_HEADER = "x-carrier-signature"


@dataclass(frozen=True)
class Carrier:
    carrier_id: str
    name: str
    created_at: str
    created_by: str


def signing_secret(master: str, carrier_id: str) -> str:
    return hmac.new(master.encode(), f"carrier:{carrier_id}".encode(), hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(master: str, carrier_id: str, timestamp: str, given: str, body: bytes, now_seconds: float) -> None:
    """Raises Unauthenticated unless `given` signs `body` at `timestamp` with the carrier's secret, in time."""
    if not carrier_id or len(carrier_id) > 40 or not carrier_id.replace("_", "").replace("-", "").isalnum():
        raise Unauthenticated("unknown carrier", code="bad_signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Unauthenticated("X-Carrier-Timestamp must be Unix seconds", code="bad_signature")
    if abs(now_seconds - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise Unauthenticated("the request's timestamp is too old or in the future", code="stale_signature")
    expected = signature(signing_secret(master, carrier_id), timestamp, body)
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise Unauthenticated("the request's signature does not match", code="bad_signature")
