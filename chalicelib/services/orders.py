"""Orders after checkout: reading, the lifecycle (pay, ship, deliver, cancel, complete), payments, returns."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from ..domain.errors import Conflict, DomainError, NotFound, Unauthenticated, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import Order, Refund, Return, TimelineEntry
from .ports import BuyingRepository, CatalogRepository, EventPublisher, Page
from .shops import owned_shop

log = logging.getLogger(__name__)
WEBHOOK_TOLERANCE_SECONDS = 300


# --- shapes ---------------------------------------------------------------------------------------


def _money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def order_public(order: Order, *, viewer: str) -> dict:
    """The order as its buyer or its seller sees it (only they ever see delivery details)."""
    body = {
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "shop": {"shop_id": order.shop_id, "name": order.shop_name},
        "storefront": order.storefront,
        "status": order.status,
        "lines": [
            {
                "line_id": line.line_id,
                "product_id": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_amount, line.currency),
                "line_total": _money(line.total, line.currency),
                "returned_quantity": order.returned.get(line.line_id, 0),
                "attributes": line.attributes,
            }
            for line in order.lines
        ],
        "total": _money(order.total, order.currency),
        "refunded": _money(order.refunded, order.currency),
        "refunds": [
            {"return_id": r.return_id, "amount": _money(r.amount, order.currency), "at": r.at} for r in order.refunds
        ],
        "payment_method": order.payment_method,
        "paid_at": order.paid_at,
        "shipment": order.shipment,
        "delivered_at": order.delivered_at,
        "return_window_closes": order.return_window_closes(),
        "delivery": order.delivery,
        "timeline": [
            {"at": e.at, "actor": e.actor, "action": e.action, "status": e.status, "note": e.note}
            for e in order.timeline
        ],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }
    if viewer == "seller":
        body["buyer_id"] = order.buyer_id
    return body


def return_public(ret: Return) -> dict:
    return {
        "return_id": ret.return_id,
        "order_id": ret.order_id,
        "shop_id": ret.shop_id,
        "status": ret.status,
        "reason": ret.reason,
        "lines": [
            {
                "line_id": line["line_id"],
                "product_id": line["product_id"],
                "quantity": line["quantity"],
                "refund": _money(line["amount"], ret.currency),
            }
            for line in ret.lines
        ],
        "refund": _money(ret.amount, ret.currency),
        "created_at": ret.created_at,
        "updated_at": ret.updated_at,
    }


def order_event(order: Order, kind: str) -> dict:
    return {
        "event_id": f"{order.order_id}:{order.version}",
        "type": kind,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "seller_id": order.seller_id,
        "buyer_id": order.buyer_id,
        "status": order.status,
        "total": _money(order.total, order.currency),
        "product_ids": sorted({line.product_id for line in order.lines}),
        "at": order.updated_at,
    }


def _announce(publisher: EventPublisher, order: Order, kind: str) -> None:
    """The order change is committed; a queue outage must not turn it into an error for the caller."""
    try:
        publisher.publish([order_event(order, kind)])
    except DomainError:
        log.warning("order event not queued", extra={"order_id": order.order_id, "event": kind})


# --- buyer ----------------------------------------------------------------------------------------


def _buyer_order(repo: BuyingRepository, actor: Actor, order_id: str) -> Order:
    require_role(actor, Role.BUYER)
    order = repo.get_order(order_id)
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def buyer_orders(repo: BuyingRepository, actor: Actor, limit: int, start: dict | None) -> Page:
    require_role(actor, Role.BUYER)
    return repo.buyer_orders(actor.user_id, limit, start)


def buyer_order(repo: BuyingRepository, actor: Actor, order_id: str) -> Order:
    return _buyer_order(repo, actor, order_id)


def cancel(repo: BuyingRepository, publisher: EventPublisher, actor: Actor, order_id: str, *, now: str) -> Order:
    """Before shipment only. The version condition makes concurrent cancels restore stock exactly once."""
    order = _buyer_order(repo, actor, order_id)
    cancelled = order.cancel("buyer", now)
    if order.paid_at:
        cancelled = replace(cancelled, refunds=(*cancelled.refunds, Refund("cancellation", order.total, now)))
    restock = Counter()
    for line in order.lines:
        restock[line.product_id] += line.quantity
    saved = repo.save_order(cancelled, order.version, restock=dict(restock))
    _announce(publisher, saved, "order.cancelled")
    return saved


# --- seller ---------------------------------------------------------------------------------------


def _seller_order(
    catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, order_id: str
) -> Order:
    """One read when the order's seller snapshot names `actor` (shops never change owner); anything else also
    reads the shop, for the usual 403/404."""
    require_role(actor, Role.SELLER)
    order = repo.get_order(order_id)
    if order is not None and order.shop_id == shop_id and order.seller_id == actor.user_id:
        return order
    owned_shop(catalog, actor, shop_id)
    if order is None or order.shop_id != shop_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def shop_orders(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    status: str | None,
    limit: int,
    start: dict | None,
) -> Page:
    """One Query when the page's orders prove ownership (seller snapshot); an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    page = repo.shop_orders(shop_id, status, limit, start)
    if not page.items or not all(o.seller_id == actor.user_id for o in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def shop_order(catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, order_id: str):
    return _seller_order(catalog, repo, actor, shop_id, order_id)


def _seller_change(
    catalog, repo, publisher, actor, shop_id, order_id, change: Callable[[Order], Order], kind: str
) -> Order:
    order = _seller_order(catalog, repo, actor, shop_id, order_id)
    saved = repo.save_order(change(order), order.version)
    _announce(publisher, saved, kind)
    return saved


def ship(catalog, repo, publisher, actor, shop_id, order_id, carrier: str, tracking: str, *, now: str) -> Order:
    return _seller_change(
        catalog, repo, publisher, actor, shop_id, order_id, lambda o: o.ship(carrier, tracking, now), "order.shipped"
    )


def deliver(catalog, repo, publisher, actor, shop_id, order_id, *, now: str) -> Order:
    return _seller_change(
        catalog, repo, publisher, actor, shop_id, order_id, lambda o: o.deliver(now), "order.delivered"
    )


def mark_paid(catalog, repo, publisher, actor, shop_id, order_id, *, now: str) -> Order:
    def pay(order: Order) -> Order:
        if order.payment_method == "card":
            raise Conflict("card payments are confirmed by the payment provider", code="card_payment")
        return order.mark_paid("seller", now)

    return _seller_change(catalog, repo, publisher, actor, shop_id, order_id, pay, "order.paid")


def complete_due(repo: BuyingRepository, publisher: EventPublisher, *, now: str, limit: int = 100) -> int:
    """Completes delivered, paid orders whose return window has closed (run on a schedule)."""
    done = 0
    for order in repo.due_orders(now, limit):
        if not order.paid_at:
            continue
        try:
            saved = repo.save_order(order.complete(now), order.version)
        except DomainError:
            continue
        _announce(publisher, saved, "order.completed")
        done += 1
    return done


# --- payments -------------------------------------------------------------------------------------


def verify_webhook(secret: str, signature_header: str | None, raw_body: bytes, *, now: float | None = None) -> None:
    """`X-Bazaar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`."""
    if not signature_header:
        raise Unauthenticated("missing webhook signature", code="bad_signature")
    parts = dict(p.split("=", 1) for p in signature_header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        raise Unauthenticated("malformed webhook signature", code="bad_signature")
    if abs((now or time.time()) - int(stamp)) > WEBHOOK_TOLERANCE_SECONDS:
        raise Unauthenticated("webhook signature is too old", code="bad_signature")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise Unauthenticated("webhook signature does not match", code="bad_signature")


def sign_webhook(secret: str, raw_body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payment_event(repo: BuyingRepository, publisher: EventPublisher, event: dict, *, now: str) -> dict:
    """Applies a verified provider event. A replayed event id changes nothing."""
    if event["type"] != "payment.succeeded":
        return {"status": "ignored"}
    order = repo.get_order(event["order_id"])
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    if order.payment_method != "card":
        raise Conflict("this order is not paid by card", code="not_a_card_order")
    if event["amount"] != {"amount": order.total, "currency": order.currency}:
        raise Unprocessable("the paid amount does not match the order", code="amount_mismatch")
    if order.paid_at:
        return {"status": "duplicate"}
    try:
        saved = repo.save_order(
            order.mark_paid("payments", now), order.version, claim_key=f"payment-event#{event['event_id']}"
        )
    except Conflict as exc:
        if exc.code == "duplicate_event":
            return {"status": "duplicate"}
        raise
    _announce(publisher, saved, "order.paid")
    return {"status": "applied"}


# --- returns --------------------------------------------------------------------------------------


def request_return(
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    order_id: str,
    lines: list[dict],
    reason: str | None,
    *,
    now: str,
    return_id: str,
) -> Return:
    order = _buyer_order(repo, actor, order_id)
    if not lines:
        raise ValidationFailed("name at least one line", details=[{"field": "lines", "message": "is empty"}])
    returned_lines = order.check_return(lines, now)
    returned = dict(order.returned)
    for line in returned_lines:
        returned[line["line_id"]] = returned.get(line["line_id"], 0) + line["quantity"]
    ret = Return(
        return_id=return_id,
        order_id=order.order_id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        lines=tuple(returned_lines),
        reason=reason,
        status="requested",
        currency=order.currency,
        created_at=now,
        updated_at=now,
    )
    entry = TimelineEntry(at=now, actor="buyer", action="return_requested", status=order.status, note=return_id)
    updated = replace(order, returned=returned, updated_at=now, timeline=(*order.timeline, entry))
    saved = repo.create_return(ret, updated, order.version)
    _announce(publisher, saved, "order.return_requested")
    return ret


def shop_returns(catalog, repo: BuyingRepository, actor: Actor, shop_id: str, limit: int, start) -> Page:
    """One Query when the page's returns prove ownership (seller snapshot); an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    page = repo.shop_returns(shop_id, limit, start)
    if not page.items or not all(r.seller_id == actor.user_id for r in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def receive_return(catalog, repo, publisher, actor: Actor, shop_id: str, return_id: str, *, now: str) -> Return:
    """The goods are back: the refund is recorded on the order and the stock restored, once."""
    require_role(actor, Role.SELLER)
    ret = repo.get_return(return_id)
    if ret is None or ret.shop_id != shop_id or ret.seller_id != actor.user_id:
        owned_shop(catalog, actor, shop_id)
        if ret is None or ret.shop_id != shop_id:
            raise NotFound("return not found", code="return_not_found")
    if ret.status != "requested":
        raise Conflict(f"a {ret.status} return cannot be received", code="illegal_return_transition")
    order = repo.get_order(ret.order_id)
    received = replace(ret, status="received", updated_at=now)
    entry = TimelineEntry(at=now, actor="seller", action="refunded", status=order.status, note=return_id)
    refunded = replace(
        order,
        refunds=(*order.refunds, Refund(return_id, ret.amount, now)),
        updated_at=now,
        timeline=(*order.timeline, entry),
    )
    restock = Counter()
    for line in ret.lines:
        restock[line["product_id"]] += line["quantity"]
    saved = repo.receive_return(received, ret.version, refunded, order.version, dict(restock))
    _announce(publisher, saved, "order.refunded")
    return replace(received, version=ret.version + 1)


# --- notifications --------------------------------------------------------------------------------

_SELLER_TEXT = {
    "order.created": "New order {order_id}",
    "order.paid": "Order {order_id} was paid",
    "order.cancelled": "Order {order_id} was cancelled by the buyer",
    "order.return_requested": "A return was requested on order {order_id}",
    "order.completed": "Order {order_id} is completed",
}
_BUYER_TEXT = {
    "order.shipped": "Your order {order_id} has shipped",
    "order.delivered": "Your order {order_id} was delivered",
    "order.refunded": "A refund was recorded on order {order_id}",
}


def notify(repo: BuyingRepository, event: dict) -> int:
    """Turns one order event into notifications; idempotent per event (delivery is at least once)."""
    written = 0
    for user_id, texts in ((event.get("seller_id"), _SELLER_TEXT), (event.get("buyer_id"), _BUYER_TEXT)):
        if not user_id or event["type"] not in texts:
            continue
        body = {
            "notification_id": event["event_id"],
            "type": event["type"],
            "order_id": event["order_id"],
            "shop_id": event["shop_id"],
            "message": texts[event["type"]].format(order_id=event["order_id"]),
            "at": event["at"],
        }
        written += repo.add_notification(user_id, f"{event['at']}#{event['event_id']}", body)
    return written


def my_notifications(repo: BuyingRepository, actor: Actor, limit: int, start: dict | None) -> Page:
    return repo.notifications(actor.user_id, limit, start)


def parse_event(raw: str) -> dict:
    event = json.loads(raw)
    if not isinstance(event, dict):
        raise ValueError("not an order event")
    for name in ("event_id", "type", "order_id", "shop_id", "at"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"order event without a valid {name}")
    for name in ("seller_id", "buyer_id"):
        if event.get(name) is not None and not isinstance(event[name], str):
            raise ValueError(f"order event with an invalid {name}")
    return event
