"""Issue 12: a buyer's coupons (issued by the delivery-promise job, services/delivery_promise.py), spending one at
checkout (services/checkout.py), what a cancelled order gives back to the platform, and the coupon coming back
to its buyer when every order it paid for is cancelled (domain/coupons.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain import coupons as rules
from ..domain.errors import Conflict
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
    sharing = [o.order_id for o in out if o.coupon]
    return out, coupon, repo.redeem_write(coupon, checkout_id, now, sharing)


def cancellation_writes(
    repo: CouponsRepository, order: Order, cancelled: Order, *, now: str
) -> tuple[Order, list[Write]]:
    """What cancelling `order` does to the coupon spent on it, as writes for the cancellation's transaction:
    the order drops out of the coupon's open orders, or (the last one, the coupon unexpired) the coupon is
    usable again, which `cancelled` then records (`coupon.restored_at`). One GetItem, only for an order that
    used a coupon. A write refused because another order of the checkout changed the coupon meanwhile raises
    Conflict coupon_busy: the caller computes the cancellation again."""
    if not order.coupon:
        return cancelled, []
    coupon = repo.get(order.buyer_id, str(order.coupon["code"]))
    step = rules.on_order_cancelled(coupon, order.order_id, order.checkout_id, now)
    if coupon is None or step is None:
        return cancelled, []
    write = _cancellation_write(repo, coupon, order.order_id, step, now)
    if step == rules.RELEASE:
        return cancelled, [write]
    return replace(cancelled, coupon={**(cancelled.coupon or {}), "restored_at": now}), [write]


def _cancellation_write(repo: CouponsRepository, coupon: rules.Coupon, order_id: str, step: str, now: str) -> Write:
    if step == rules.RELEASE:
        return repo.release_write(coupon, order_id)
    return repo.restore_write(coupon, order_id, now)


def restore_of(
    buying: BuyingRepository, repo: CouponsRepository, order_id: str, *, now: str, attempts: int = 3
) -> bool:
    """The order-events consumer (order.cancelled, order.expired of an order that used a coupon): if the
    cancellation stopped before doing its part for the coupon (or saved without it), the order drops out of
    the coupon's open orders now and the last one gives the coupon back; then, if the coupon came back from
    this order's checkout, its buyer is told (once: the notification's id is the coupon's and the checkout's).
    A replay changes nothing. True when it gave the coupon back itself."""
    order = buying.get_order(order_id)
    if order is None or order.status != "cancelled" or not order.coupon:
        return False
    code = str(order.coupon["code"])
    gave_back = False
    for _ in range(attempts):
        coupon = repo.get(order.buyer_id, code)
        step = rules.on_order_cancelled(coupon, order.order_id, order.checkout_id, now)
        if coupon is None or step is None:
            break
        if repo.apply_alone(_cancellation_write(repo, coupon, order.order_id, step, now)):
            gave_back = step == rules.RESTORE
            break
    else:
        raise Conflict("the coupon kept changing; the event is delivered again", code="coupon_busy")
    coupon = repo.get(order.buyer_id, code) if gave_back else coupon
    if coupon is not None and coupon.restored_from == order.checkout_id and coupon.restored_at:
        _notify_restored(buying, order, coupon)
    return gave_back


def _notify_restored(buying: BuyingRepository, order: Order, coupon: rules.Coupon) -> None:
    notification_id = f"coupon-restored:{coupon.code}:{order.checkout_id}"
    body = {
        "notification_id": notification_id,
        "type": "coupon.restored",
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "message": f"Your coupon {coupon.code} is usable again: the purchase it paid for was cancelled",
        "at": coupon.restored_at,
    }
    buying.add_notification(order.buyer_id, f"{coupon.restored_at}#{notification_id}", body)


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
