"""Domain events and the outbox that carries them. Pure Python.

Every change that others must hear about writes its events in its own DynamoDB transaction, as one outbox
item (`OutboxBatch`); the outbox relay publishes the item's events to the queue (the table's stream on AWS, a
poller locally) and the sweeper republishes anything left pending. Consumers are idempotent by `event_id`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from .orders import Order

OUTBOX_SHARDS = 16  # the pending-index partitions the outbox spreads over (the sweeper reads each)
OUTBOX_KEEP_DAYS = 7  # published outbox items expire (TTL) after this; pending ones never do
# The sweeper leaves the newest pending items to the stream relay, which publishes within seconds.
SWEEP_GRACE_SECONDS = 30

# The timeline action of an order change -> the event it announces (other actions: "order.<action>").
_ORDER_EVENT_OF_ACTION = {"placed": "order.created"}


@dataclass(frozen=True)
class OutboxBatch:
    """The events of one committed change, as stored in the outbox."""

    outbox_id: str
    events: tuple[dict[str, Any], ...]
    created_at: str

    @property
    def shard(self) -> str:
        return outbox_shard(self.outbox_id)


def outbox_shard(outbox_id: str) -> str:
    return f"{zlib.crc32(outbox_id.encode()) % OUTBOX_SHARDS:02d}"


def order_event_type(action: str) -> str:
    return _ORDER_EVENT_OF_ACTION.get(action, f"order.{action}")


def order_event(order: Order, kind: str) -> dict[str, Any]:
    """The event announcing `order` as just saved (its `version` is the stored one): id `<order_id>:<version>`."""
    event: dict[str, Any] = {
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
    if kind == "order.dispute_refunded" and order.refunds and order.refunds[-1].at == order.updated_at:
        facts["refund"] = order.refunds[-1].amount  # issue 13: a dispute's refund
        if order.commission is not None:
            facts["commission_returned"] = order.commission.get("returned", 0)
    if order.points_redeemed:  # issue 13: a cancelled or expired order gives them back (the consumer checks)
        facts["points_redeemed"] = order.points_redeemed
    if order.coupon:  # issue 12: a cancelled order's coupon share goes back to the platform (the consumer checks)
        facts["coupon"] = order.coupon["code"]
    return facts


def shop_resync_event(shop_id: str, version: int, at: str, *, start: Any = None, page: int = 0) -> dict[str, Any]:
    """A job: copy the shop (as of `version`) onto its live products, one page at a time from `start`.
    Each page that leaves more to do writes the next page's event (`page` + 1) to the outbox."""
    return {
        "event_id": f"shop-resync:{shop_id}:{version}:{page}",
        "type": "shop.resync",
        "shop_id": shop_id,
        "version": version,
        "start": start,
        "page": page,
        "at": at,
    }
