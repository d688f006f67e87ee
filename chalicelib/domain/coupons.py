"""Issue 12: coupons, the compensation of a missed delivery promise (pure rules).

A coupon belongs to one buyer, is worth `amount` minor units of one `currency` (the currency the buyer was
charged in: roubles for the Russian market), expires COUPON_VALID_DAYS after it is issued and is spent once,
on one checkout. At checkout it is spread over the checkout's per-shop orders in proportion to what each is
charged (largest remainders), leaving at least MIN_TO_PAY on each; a coupon worth more than the goods can take is
refused (nothing is left over to lose). The platform funds the discount (`platform:promotions`): the seller is
settled on the full price.

A coupon comes back when the purchase it paid for is cancelled as a whole: spending it records the checkout's
orders that took a share of it (`open_orders`); each of them cancelled (by the buyer before shipment, or expired
unpaid) drops out of that set, and the cancellation of the last one makes the coupon usable again (`restored_at`,
`restored_from`: the checkout it came back from), in the cancellation's own transaction. While only some of the
orders are cancelled the coupon stays spent: the others still use it (their discount is kept). A coupon that has
expired by then stays spent. The money needs nothing more: a cancelled paid order already gives the platform its
share back (`coupon-discount-returned:<order_id>`, docs/ledger.md), an unpaid one never took it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import Conflict, NotFound, ValidationFailed

COUPON_VALID_DAYS = 90
MAX_CODE_LENGTH = 32
MIN_TO_PAY = 100  # minor units every order still charges after a coupon (1.00)


@dataclass(frozen=True)
class Coupon:
    code: str
    buyer_id: str
    amount: int
    currency: str
    issued_at: str
    expires_at: str
    reason: str  # "delivery_promise"
    order_id: str  # the order whose missed promise it compensates
    redeemed_at: str | None = None
    redeemed_checkout: str | None = None
    # the orders of `redeemed_checkout` that took a share of it and are not cancelled (empty: spent before this
    # was recorded, so it cannot come back); the last time it came back, and from which checkout
    open_orders: tuple[str, ...] = ()
    restored_at: str | None = None
    restored_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "buyer_id": self.buyer_id,
            "amount": self.amount,
            "currency": self.currency,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "reason": self.reason,
            "order_id": self.order_id,
            "redeemed_at": self.redeemed_at,
            "redeemed_checkout": self.redeemed_checkout,
            "open_orders": list(self.open_orders),
            "restored_at": self.restored_at,
            "restored_from": self.restored_from,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Coupon:
        return Coupon(**{**data, "open_orders": tuple(data.get("open_orders") or ())})

    def status(self, now: str) -> str:
        if self.redeemed_at:
            return "used"
        return "expired" if now >= self.expires_at else "active"


# What cancelling one order of the checkout a coupon was spent on does to the coupon (`on_order_cancelled`)
RELEASE = "release"  # the order drops out of `open_orders`: other orders still use the coupon
RESTORE = "restore"  # the last order: the coupon is usable again


def on_order_cancelled(coupon: Coupon | None, order_id: str, checkout_id: str, now: str) -> str | None:
    """RELEASE, RESTORE, or None when the cancellation changes nothing: the coupon is not spent on that
    checkout (any more), the order dropped out already (a replay), or it was the last one but the coupon has
    expired (it stays spent)."""
    if coupon is None or coupon.redeemed_checkout != checkout_id or order_id not in coupon.open_orders:
        return None
    if len(coupon.open_orders) > 1:
        return RELEASE
    return RESTORE if now < coupon.expires_at else None


def code_for(order_id: str) -> str:
    """The code of the coupon compensating `order_id`: derived from the order, so it is issued once."""
    return "DP-" + hashlib.sha256(order_id.encode()).hexdigest()[:10].upper()


def normalize_code(code: str) -> str:
    return code.strip().upper()


def issue(order_id: str, buyer_id: str, amount: int, currency: str, now: str) -> Coupon:
    expires = dt.datetime.fromisoformat(now.replace("Z", "+00:00")) + dt.timedelta(days=COUPON_VALID_DAYS)
    return Coupon(
        code=code_for(order_id),
        buyer_id=buyer_id,
        amount=amount,
        currency=currency,
        issued_at=now,
        expires_at=expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        reason="delivery_promise",
        order_id=order_id,
    )


def check_usable(coupon: Coupon | None, buyer_id: str, currency: str, now: str) -> Coupon:
    """The coupon the signed-in buyer may spend on a checkout charged in `currency`, or the reason why not."""
    if coupon is None or coupon.buyer_id != buyer_id:
        raise NotFound(
            "you have no coupon with this code",
            code="coupon_not_found",
            details=[{"field": "coupon_code", "message": "not one of your coupons (GET /v1/me/coupons)"}],
        )
    if coupon.redeemed_at:
        raise Conflict("this coupon has been used already", code="coupon_used")
    if now >= coupon.expires_at:
        raise Conflict(f"this coupon expired at {coupon.expires_at}", code="coupon_expired")
    if coupon.currency != currency:
        raise ValidationFailed(
            f"this coupon is in {coupon.currency}; this checkout charges {currency}",
            code="coupon_wrong_currency",
            details=[{"field": "coupon_code", "message": f"use it on a checkout charged in {coupon.currency}"}],
        )
    return coupon


def allocate(amount: int, charges: list[int]) -> list[int]:
    """`amount` spread over orders charged `charges`, in proportion to what each may take (its charge less
    MIN_TO_PAY: every order still charges something, so it is paid as any order is), largest remainders first
    (earlier orders on a tie). Refused when the coupon is worth more than the goods can take."""
    caps = [max(c - MIN_TO_PAY, 0) for c in charges]
    room = sum(caps)
    if amount > room:
        raise Conflict(
            f"this coupon is worth {amount}: the goods must come to at least {amount + MIN_TO_PAY} "
            "(each order still charges something); add to the cart to use it",
            code="coupon_exceeds_goods",
            details=[{"field": "coupon_code", "message": f"needs goods of at least {amount + MIN_TO_PAY}"}],
        )
    exact = [Decimal(amount) * c / room for c in caps]
    shares = [int(x) for x in exact]
    ranked = sorted(range(len(caps)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in ranked[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def base_share(share: int, charge: int, base_total: int) -> int:
    """The home-currency value of `share` of an order charged `charge` for goods worth `base_total`: the same
    proportion (half up), the rule refunds use (domain/markets.charge_refunded)."""
    if not charge:
        return 0
    value = (Decimal(share) * base_total / charge).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(int(value), base_total)
