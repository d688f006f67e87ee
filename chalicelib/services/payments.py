"""Card payments: the provider's signed webhook and the payment events it delivers."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import replace
from typing import Any

from ..domain.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    Unauthenticated,
    Unprocessable,
)
from ..domain.orders import Order
from . import settlement
from .ports import BuyingRepository, Ledger, TradeRepository

WEBHOOK_TOLERANCE_SECONDS = 300


MAX_SIGNATURE_HEADER = 512
_HEX = frozenset("0123456789abcdef")


def _signature_parts(signature_header: str) -> tuple[str, str]:
    """(t, v1) of a well-formed header: ASCII only, `t` 1 to 12 ASCII digits, `v1` 64 lowercase hex digits.
    Anything else - a non-ASCII digit such as `t=²`, a number too long to be a time, a missing part - is
    malformed (401), never an error of ours."""
    if len(signature_header) > MAX_SIGNATURE_HEADER or not signature_header.isascii():
        raise Unauthenticated("malformed webhook signature", code="bad_signature")
    parts = dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not (1 <= len(stamp) <= 12 and stamp.isdigit()) or len(given) != 64 or not set(given) <= _HEX:
        raise Unauthenticated("malformed webhook signature", code="bad_signature")
    return stamp, given


def verify_webhook(secret: str, signature_header: str | None, raw_body: bytes, *, now: float | None = None) -> None:
    """`X-Bazaar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`."""
    if not signature_header:
        raise Unauthenticated("missing webhook signature", code="bad_signature")
    stamp, given = _signature_parts(signature_header)
    if abs((now or time.time()) - int(stamp)) > WEBHOOK_TOLERANCE_SECONDS:
        raise Unauthenticated("webhook signature is too old", code="bad_signature")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise Unauthenticated("webhook signature does not match", code="bad_signature")


def sign_webhook(secret: str, raw_body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payment_event(
    repo: BuyingRepository,
    ledger: Ledger,
    event: dict[str, Any],
    *,
    now: str,
    trade: TradeRepository | None = None,
) -> dict[str, Any]:
    """Applies a verified provider event. A replayed event id changes nothing. The money is posted into the
    shop's pending balance with the order's change (issue 17). A payment of an order on net terms pays its
    invoice (issue 14: services/terms.py).

    A payment for an order that was cancelled (by the buyer, or expired unpaid) meanwhile is kept on record and
    all of it goes back through the provider (services/refunds.py: promptly by the order-events consumer, else
    by the refund schedule; the refund id lands on the order's timeline). The provider is answered 200
    ("refunding") either way, so it stops retrying: the money is now ours to give back, and we will. That money
    never was the seller's: it posts nothing to the shop's balances.
    """
    if event["type"] != "payment.succeeded":
        return {"status": "ignored"}
    order = repo.get_order(event["order_id"])
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    if order.payment_method == "net_terms" and trade is not None:
        if event["amount"] != {"amount": order.total, "currency": order.currency}:
            raise Unprocessable("the paid amount does not match the invoice", code="amount_mismatch")
        from . import terms

        return {"status": terms.paid_by_provider(trade, repo, ledger, order, event["event_id"], now=now)}
    if order.payment_method != "card":
        raise Conflict("this order is not paid by card", code="not_a_card_order")
    payment_ref = event.get("payment_id") or event["event_id"]
    claim = f"payment-event#{event['event_id']}"
    for _ in range(3):
        if order.status == "cancelled":
            paid_in_money = order.total - order.points_discount  # issue 13: points are not paid by card
            if event["amount"] != {"amount": paid_in_money, "currency": order.currency} and not (
                order.deposit_amount and event["amount"] == {"amount": order.deposit_amount, "currency": order.currency}
            ):
                raise Unprocessable("the paid amount does not match the order", code="amount_mismatch")
            try:
                amount = event["amount"]["amount"]
                changed, kind = order.late_payment(payment_ref, amount, now), "order.payment_after_cancellation"
            except Conflict:
                return {"status": "duplicate"}
        elif order.paid_at:
            return {"status": "duplicate"}
        else:
            # A pre-sale with a deposit is paid twice on the same order (issue 15): the deposit, then the balance.
            if event["amount"] != {"amount": order.amount_due, "currency": order.currency}:
                if _already_paid_installment(order, event["amount"]):
                    return {"status": "duplicate"}
                raise Unprocessable("the paid amount does not match what the order is due", code="amount_mismatch")
            changed, kind = order.mark_paid("payments", now, payment_ref=payment_ref), "order.paid"
            if (event.get("card") or {}).get("bin"):  # issue 13: the partner bank's card earns a bonus at completion
                changed = replace(changed, card_bin=str(event["card"]["bin"]))
        try:
            if kind == "order.paid":
                settlement.record_payment(repo, ledger, order, changed, now=now, claim_key=claim)
            else:
                repo.save_order(changed, order.version, event=kind, claim_key=claim)
        except Conflict as exc:
            if exc.code in ("duplicate_event", "already_paid"):
                return {"status": "duplicate"}
            raise
        except PreconditionFailed:  # changed meanwhile (say, cancelled or expired this instant): look again
            fresh = repo.get_order(order.order_id)
            if fresh is None:
                raise
            order = fresh
            continue
        return {"status": "refunding" if kind == "order.payment_after_cancellation" else "applied"}
    raise ServiceUnavailable("the order is busy; retry the event", retry_after=2)


def _already_paid_installment(order: Order, amount: dict[str, Any]) -> bool:
    """A deposit's event delivered again after the deposit was recorded. Asked only when the amount is not the one
    due: a deposit equal to the balance (50%) is told apart by its event id, claimed with the payment."""
    return bool(order.deposit_paid_at) and amount == {"amount": order.deposit_amount, "currency": order.currency}
