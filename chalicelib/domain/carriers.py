"""Issue 12: carriers post tracking events of the parcels handed to them (pure rules).

A carrier is not a marketplace user: an operator registers it (`POST /v1/admin/carriers`) and gives it its
signing secret, derived from the platform's `carrier_signing` key and the carrier id (never stored, like a
pickup code). It signs each request: `X-Carrier-Id`, `X-Carrier-Timestamp` (Unix seconds) and
`X-Carrier-Signature` = hex HMAC-SHA256(secret, "<timestamp>.<raw body>"). A timestamp more than
SIGNATURE_WINDOW_SECONDS from our clock is refused (a captured request cannot be replayed later).

An operator suspends a carrier whose contract ended or whose secret leaked: its signed requests are then refused
exactly as a bad signature is, and sellers cannot hand parcels to it, until an operator reactivates it. Rotating
its secret bumps the carrier's `key_version`, mixed into the derivation: the old secret is refused at once.
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


ACTIVE = "active"
SUSPENDED = "suspended"


@dataclass(frozen=True)
class Carrier:
    carrier_id: str
    name: str
    created_at: str
    created_by: str
    status: str = ACTIVE
    suspended_at: str | None = None
    suspended_by: str | None = None
    reason: str | None = None
    key_version: int = 1  # mixed into the derived secret: rotating it refuses the old secret at once
    secret_rotated_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def refused_carrier() -> Unauthenticated:
    """What a request signed by an unregistered or suspended carrier, or with a secret it no longer has, gets: the
    bad signature's very error, so a leaked secret learns nothing more."""
    return Unauthenticated("the request's signature does not match", code="bad_signature")


def signing_secret(master: str, carrier_id: str, key_version: int = 1) -> str:
    label = f"carrier:{carrier_id}" if key_version == 1 else f"carrier:{carrier_id}:v{key_version}"
    return hmac.new(master.encode(), label.encode(), hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_headers(carrier_id: str, timestamp: str, now_seconds: float) -> None:
    """What is refused before the carrier's record is read: a malformed id or timestamp (401 bad_signature), a
    timestamp more than SIGNATURE_WINDOW_SECONDS from ours (401 stale_signature)."""
    if not carrier_id or len(carrier_id) > 40 or not carrier_id.replace("_", "").replace("-", "").isalnum():
        raise Unauthenticated("unknown carrier", code="bad_signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Unauthenticated("X-Carrier-Timestamp must be Unix seconds", code="bad_signature")
    if abs(now_seconds - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise Unauthenticated("the request's timestamp is too old or in the future", code="stale_signature")


def verify(master: str, carrier: Carrier | None, timestamp: str, given: str, body: bytes) -> Carrier:
    """The carrier (its record just read) whose current secret signs `body` at `timestamp` as `given` says;
    Unauthenticated (the same error) for an unregistered or suspended carrier or any other signature."""
    if carrier is None or not carrier.active:
        raise refused_carrier()
    expected = signature(signing_secret(master, carrier.carrier_id, carrier.key_version), timestamp, body)
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise refused_carrier()
    return carrier
