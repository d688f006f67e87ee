"""Opaque page cursors (api/cursors.py): round trip, and every forgery is a ValidationFailed (400)."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.api import cursors
from chalicelib.domain.errors import ValidationFailed

SECRET = "test-secret"
SCOPE = "browse:handicrafts:[]"
KEY = {"facet": {"S": "handicrafts"}, "newest_key": {"S": "2026-01-01T00:00:00.000Z#prd_1"}}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_round_trip():
    cursor = cursors.encode(SECRET, SCOPE, KEY)
    assert isinstance(cursor, str) and "facet" not in cursor
    assert cursors.decode(SECRET, SCOPE, cursor) == KEY


def test_no_more_pages_is_none():
    assert cursors.encode(SECRET, SCOPE, None) is None
    assert cursors.encode(SECRET, SCOPE, {}) is None
    assert cursors.decode(SECRET, SCOPE, None) is None
    assert cursors.decode(SECRET, SCOPE, "") is None


def test_cursor_is_url_safe_and_deterministic():
    cursor = cursors.encode(SECRET, SCOPE, KEY)
    assert cursor == cursors.encode(SECRET, SCOPE, dict(reversed(list(KEY.items()))))
    assert all(c.isalnum() or c in "-_." for c in cursor)


def _invalid(cursor, scope=SCOPE, secret=SECRET):
    with pytest.raises(ValidationFailed) as exc:
        cursors.decode(secret, scope, cursor)
    assert exc.value.code == "invalid_cursor"
    assert exc.value.details[0]["field"] == "cursor"


def test_tampered_payload_is_rejected():
    cursor = cursors.encode(SECRET, SCOPE, KEY)
    body, sig = cursor.split(".")
    forged = {**KEY, "newest_key": {"S": "9999#prd_x"}}
    _invalid(f"{b64(json.dumps(forged, separators=(',', ':'), sort_keys=True).encode())}.{sig}")
    # flip one character of the body and of the signature
    _invalid(("A" if body[0] != "A" else "B") + body[1:] + "." + sig)
    _invalid(body + "." + ("A" if sig[0] != "A" else "B") + sig[1:])
    _invalid(body + ".")
    _invalid(body)


def test_wrong_scope_or_secret_is_rejected():
    cursor = cursors.encode(SECRET, SCOPE, KEY)
    _invalid(cursor, scope="browse:b2b:[]")
    _invalid(cursor, scope="shop-products:shp_1:False")
    _invalid(cursor, secret="another-secret")


@pytest.mark.parametrize(
    "garbage",
    ["x", "....", "a.b.c", "not a cursor", "%%%.%%%", "é.é", "=.=", "a" * 3000, "\x00.\x00", " . "],
)
def test_garbage_is_rejected(garbage):
    _invalid(garbage)


def test_signed_non_object_payload_is_rejected():
    for payload in (b"[1,2]", b"42", b'"text"', b"not json", b"\xff\xfe"):
        cursor = f"{b64(payload)}.{cursors._sign(SECRET, SCOPE, payload)}"
        _invalid(cursor)


def test_a_cursor_with_non_ascii_characters_is_rejected_not_a_crash():
    import pytest

    from chalicelib.api import cursors
    from chalicelib.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        cursors.decode("secret", "scope", ".\u00fd\u0093\\")
