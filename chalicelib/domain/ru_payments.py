"""Issue 12: the Russian acquirer's protocol rules (a Tinkoff-style internet-acquiring API), pure.

Every request and every notification is signed with `Token`: take the ROOT-level fields of the JSON object
(nested objects and arrays such as `DATA` or `Receipt` are left out, and so is `Token` itself), add the
terminal's `Password`, sort the pairs by key, concatenate the VALUES only (booleans as `true`/`false`), and take
the SHA-256 hex digest of that string (UTF-8).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

METHODS = ("mir_card", "sbp")  # how a buyer in Russia pays through the acquirer
PAID_STATUSES = ("CONFIRMED",)  # one-stage payments: the money is taken
DECLINED_STATUSES = ("REJECTED", "DEADLINE_EXPIRED", "CANCELED")
PAYMENT_REF_PREFIX = "ru:"  # our payment_ref of an acquirer payment: "ru:<PaymentId>"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def token(fields: dict[str, Any], password: str) -> str:
    pairs = {k: _text(v) for k, v in fields.items() if k != "Token" and not isinstance(v, (dict, list))}
    pairs["Password"] = password
    return hashlib.sha256("".join(pairs[k] for k in sorted(pairs)).encode("utf-8", "surrogatepass")).hexdigest()


def signed(fields: dict[str, Any], terminal_key: str, password: str) -> dict[str, Any]:
    body = {**fields, "TerminalKey": terminal_key}
    return {**body, "Token": token(body, password)}


def verify(fields: dict[str, Any], terminal_key: str, password: str) -> bool:
    """The notification is from our terminal and its Token matches (constant-time comparison)."""
    given = fields.get("Token")
    if not isinstance(given, str) or not given.isascii() or fields.get("TerminalKey") != terminal_key:
        return False  # compare_digest refuses non-ASCII text: such a Token is wrong anyway
    return hmac.compare_digest(token(fields, password), given.lower())


def payment_ref(payment_id: str) -> str:
    return f"{PAYMENT_REF_PREFIX}{payment_id}"


def acquirer_payment_id(ref: str) -> str:
    return ref.removeprefix(PAYMENT_REF_PREFIX)
