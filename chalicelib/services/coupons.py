"""Issue 12: a buyer's coupons (issued by the delivery-promise job, services/delivery_promise.py), spending one at
checkout (services/checkout.py) and what a cancelled order gives back to the platform (domain/coupons.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain import coupons as rules
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, transfer
from ..domain.orders import Order
from .ports import BuyingRepository, CouponsRepository, Ledger, Page, Position, Write


def my_coupons(repo: CouponsRepository, actor: Actor, limit: int, start: Position | None) -> Page[rules.Coupon]:
    require_role(actor, Role.BUYER)
    return repo.of_buyer(actor.user_id, limit, start)


def apply(
    repo: CouponsRepository,
    actor: Actor,
    code: str,
    orders: list[Order],
    *,
    checkout_id: str,
    payment_method: str,
    now: str,
) -> tuple[list[Order], rules.Coupon, Write]:
    """The checkout's orders with the coupon's share taken off each one's charge, the coupon, and the write that
    spends it (conditioned on it being unused and unexpired: it rides in the checkout's transaction). One
    GetItem. Coupons pay orders of a foreign market charged through its acquirer (Mir card, SBP)."""
    from ..domain import ru_payments
    from ..domain.errors import ValidationFailed

    currency = str(orders[0].market["currency"]) if orders[0].market else orders[0].currency
    coupon = rules.check_usable(repo.get(actor.user_id, rules.normalize_code(code)), actor.user_id, currency, now)
    if payment_method not in ru_payments.METHODS:
        raise ValidationFailed(
            "a coupon is spent on an order paid by Mir card or SBP",
            code="coupon_payment_method",
            details=[{"field": "payment_method", "message": f"one of {', '.join(ru_payments.METHODS)}"}],
        )
    charges = [int(o.market["total"]) if o.market else o.total for o in orders]
    shares = rules.allocate(coupon.amount, charges)
    out = []
    for order, charge, share in zip(orders, charges, shares, strict=True):
        if not share or not order.market:
            out.append(order)
            continue
        market: dict[str, Any] = {**order.market, "total": charge - share, "goods_total": charge, "coupon": share}
        record = {
            "code": coupon.code,
            "amount": share,
            "currency": currency,
            "base_amount": rules.base_share(share, charge, order.total),
        }
        out.append(replace(order, market=market, coupon=record))
    return out, coupon, repo.redeem_write(coupon, checkout_id, now)


def return_discount(ledger: Ledger, order: Order, *, now: str) -> None:
    """A cancelled order that was paid: the platform takes back from the shop's pending balance the coupon's share
    it paid in (the buyer's own money goes back by the refund). Once: the posting id is the order's. The coupon
    itself stays spent (domain/coupons.py)."""
    if order.status != "cancelled" or not order.coupon_discount or not order.pending_credited:
        return
    ledger.post(
        transfer(
            f"coupon-discount-returned:{order.order_id}",
            "coupon.discount_returned",
            now,
            source=Account.shop(order.shop_id, "pending"),
            destination=Account.platform("promotions"),
            amount=order.coupon_discount,
            currency=order.currency,
            refs={"order_id": order.order_id, "seller_id": order.seller_id},
            memo=f"Coupon discount of cancelled order {order.order_id}",
        )
    )


def return_discount_of(repo: BuyingRepository, ledger: Ledger, order_id: str, *, now: str) -> None:
    """The order-events consumer's safety net (order.cancelled): a replay when the cancel gave it already."""
    order = repo.get_order(order_id)
    if order is not None:
        return_discount(ledger, order, now=now)
