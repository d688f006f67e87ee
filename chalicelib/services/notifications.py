"""Order events: what each order change announces, and the notifications the events turn into."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ..domain.errors import DomainError
from ..domain.identity import Actor
from ..domain.orders import Order
from .ports import JSON, BuyingRepository, EventPublisher, Page, Position

log = logging.getLogger(__name__)


def order_event(order: Order, kind: str) -> dict[str, Any]:
    event = {
        "event_id": f"{order.order_id}:{order.version}",
        "type": kind,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "seller_id": order.seller_id,
        "buyer_id": order.buyer_id,
        "status": order.status,
        "total": {"amount": order.total, "currency": order.currency},
        "product_ids": sorted({line.product_id for line in order.lines if line.product_id}),
        "at": order.updated_at,
        **dashboard_facts(order, kind),
    }
    if order.pickup:  # collected at a village centre (issue 10); never the pickup code: notify() derives it
        event["pickup"] = {
            "centre": order.pickup["village_name"],
            "hours": order.pickup["hours"],
            "county": order.pickup["county_name"],
            "ready_at": order.pickup.get("ready_at"),
        }
    return event


def dashboard_facts(order: Order, kind: str) -> dict[str, Any]:
    """What the dashboards' counters need from an event (domain/dashboards.updates_for_event): the order's
    dimensions, its lines, the refund recorded by this change, the commission kept at completion."""
    facts: dict[str, Any] = {
        "storefront": order.storefront,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "paid": bool(order.paid_at),
    }
    for dimension in ("county", "market"):  # issue 10 (pickup orders) and issue 12 (cross-border markets)
        value = getattr(order, dimension, None)
        if isinstance(value, str) and value:
            facts[dimension] = value
    if kind == "order.created":
        facts["lines"] = [
            {"product_id": line.product_id, "title": line.title, "quantity": line.quantity, "amount": line.total}
            for line in order.lines
        ]
    if kind in ("order.refunded", "order.cancelled") and order.refunds and order.refunds[-1].at == order.updated_at:
        facts["refund"] = order.refunds[-1].amount
        if order.commission is not None:  # refunded after completion: the commission on it went back
            facts["commission_returned"] = order.commission.get("returned", 0)
    if kind == "order.completed" and order.commission is not None:
        facts["commission"] = order.commission["amount"]
        facts["settled"] = order.commission["base"]
    return facts


def announce(publisher: EventPublisher, order: Order, kind: str) -> None:
    """The order change is committed; a queue outage must not turn it into an error for the caller."""
    try:
        publisher.publish([order_event(order, kind)])
    except DomainError:
        log.warning("order event not queued", extra={"order_id": order.order_id, "event": kind})


def parse_event(raw: str) -> dict[str, Any]:
    event = json.loads(raw)
    if not isinstance(event, dict):
        raise ValueError("not an order event")
    for name in ("event_id", "type", "order_id", "shop_id", "at"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"order event without a valid {name}")
    for name in ("seller_id", "buyer_id"):
        if event.get(name) is not None and not isinstance(event[name], str):
            raise ValueError(f"order event with an invalid {name}")
    pickup = event.get("pickup")
    if pickup is not None and (
        not isinstance(pickup, dict) or not all(isinstance(v, str) or v is None for v in pickup.values())
    ):
        raise ValueError("order event with an invalid pickup")
    return event


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
    # collected at a village service centre (issue 10)
    "order.at_county": "Your order {order_id} reached the {county} county centre",
    "order.to_village": "Your order {order_id} is on its way to {centre}",
    "order.ready_for_pickup": "Your order {order_id} is ready at {centre}, open {hours}. Your pickup code: {code}",
    "order.missing": "Your order {order_id} did not arrive at {centre}; the county centre is looking for it",
}
_PICKUP_BUYER_TEXT = {"order.delivered": "You collected your order {order_id} at {centre}"}


def notify(
    repo: BuyingRepository, event: dict[str, Any], *, pickup_code: Callable[[str, str], str] | None = None
) -> int:
    """Turns one order event into notifications; idempotent per event (delivery is at least once).

    `pickup_code(order_id, ready_at)` derives the buyer's pickup code (domain/network.pickup_code): only the
    buyer's notification of `order.ready_for_pickup` carries it, and no event ever does."""
    written = 0
    pickup = event.get("pickup") or {}
    for user_id, texts in ((event.get("seller_id"), _SELLER_TEXT), (event.get("buyer_id"), _BUYER_TEXT)):
        if not user_id or event["type"] not in texts:
            continue
        text = texts[event["type"]]
        if texts is _BUYER_TEXT and pickup:
            text = _PICKUP_BUYER_TEXT.get(event["type"], text)
        code = ""
        if "{code}" in text:
            if pickup_code is None or not pickup.get("ready_at"):
                raise ValueError("a ready-for-pickup event needs its ready time and the code key")
            code = pickup_code(event["order_id"], pickup["ready_at"])
        body = {
            "notification_id": event["event_id"],
            "type": event["type"],
            "order_id": event["order_id"],
            "shop_id": event["shop_id"],
            "message": text.format(
                order_id=event["order_id"],
                centre=pickup.get("centre", ""),
                hours=pickup.get("hours", ""),
                county=pickup.get("county", ""),
                code=code,
            ),
            "at": event["at"],
        }
        written += repo.add_notification(user_id, f"{event['at']}#{event['event_id']}", body)
    return written


def my_notifications(repo: BuyingRepository, actor: Actor, limit: int, start: Position | None) -> Page[JSON]:
    return repo.notifications(actor.user_id, limit, start)
