"""Identifiers and time. Ids sort by creation time; time is UTC ISO-8601."""

from __future__ import annotations

import datetime as dt
import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """`<prefix>_` + 10 chars of milliseconds + 12 random chars (a ULID-like, time-sortable id)."""
    return f"{prefix}_{_base32(int(time.time() * 1000), 10)}{_base32(secrets.randbits(60), 12)}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
