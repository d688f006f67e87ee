"""Order events and the notifications they turn into.

Order events are written by the buying repository in the same transaction as the change they announce
(`save_order(..., event=...)`, an outbox item; domain/events.order_event is their shape) and reach the
order-events queue through the outbox relay (services/outbox.py). Nothing here publishes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..domain.events import order_event
from ..domain.identity import Actor
from .ports import JSON, BuyingRepository, Page, Position

__all__ = [
    "my_notifications",
    "notify",
    "notify_group",
    "order_event",
    "parse_event",
    "parse_event_fields",
    "parse_message",
]


def parse_message(raw: str) -> dict[str, Any]:
    """A queue message: any event (order events, jobs) with at least an id, a type and a time."""
    event = json.loads(raw)
    if not isinstance(event, dict):
        raise ValueError("not an event")
    for name in ("event_id", "type", "at"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"event without a valid {name}")
    return event


def parse_event(raw: str) -> dict[str, Any]:
    return parse_event_fields(parse_message(raw))


def parse_event_fields(event: dict[str, Any]) -> dict[str, Any]:
    """`event` if it is a well-formed order event (else ValueError)."""
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
    "order.expired": "Order {order_id} was not paid in time and is cancelled; its stock is back",
}
_BUYER_TEXT = {
    "order.shipped": "Your order {order_id} has shipped",
    "order.delivered": "Your order {order_id} was delivered",
    "order.refunded": "A refund was recorded on order {order_id}",
    "order.returned": (
        "The goods of order {order_id} are back with the seller; nothing was paid, so nothing is refunded"
    ),
    "order.expired": "Order {order_id} was not paid in time and is cancelled; its items are back on sale",
    "order.payment_after_cancellation": (
        "A payment reached us for order {order_id}, which was cancelled: it is refunded"
    ),
    "order.refund_issued": "Money for order {order_id} is on its way back to you",
    # issue 12
    "order.compensated": "Order {order_id} missed its delivery promise: your compensation has been issued",
    "order.tracked": "There is news of the parcel of order {order_id}",
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


_GROUP_TEXT = {
    "closed": "Your group buy of {title} closed at {amount} {currency} per unit: order {order_id}",
    "below_moq": "Your group buy of {title} failed: the total stayed below the minimum order. Nobody is charged.",
    "out_of_stock": "Your group buy of {title} failed: the stock could not cover the group. Nobody is charged.",
    "product_unavailable": "Your group buy of {title} failed: the product is no longer sold. Nobody is charged.",
    "shop_unavailable": (
        "Your group buy of {title} failed: the shop is suspended and not selling now. Nobody is charged."
    ),
}


def notify_group(repo: BuyingRepository, event: dict[str, Any]) -> int:
    """Issue 19: a group buy closed (each participant is told their order and the unit price) or failed (each is
    told why; nobody is charged). Idempotent: one notification per participant and event."""
    if event["type"] not in ("group.closed", "group.failed"):
        return 0
    outcome = "closed" if event["type"] == "group.closed" else (event.get("failure") or "below_moq")
    price = event.get("unit_price") or {"amount": 0, "currency": ""}
    written = 0
    for participant in event.get("participants") or []:
        body = {
            "notification_id": event["event_id"],
            "type": event["type"],
            "shop_id": event["shop_id"],
            "group_id": event["group_id"],
            "message": _GROUP_TEXT.get(outcome, _GROUP_TEXT["below_moq"]).format(
                title=event.get("title", ""),
                amount=f"{price['amount'] / 100:.2f}",
                currency=price["currency"],
                order_id=participant["order_id"],
            ),
            "at": event["at"],
        }
        if outcome == "closed":
            body["order_id"] = participant["order_id"]
        # a partner committed for several villagers: one notification for each of them
        villager = participant.get("villager_id")
        if villager:
            body["villager_id"] = villager
            body["notification_id"] = f"{event['event_id']}:{villager}"
        key = f"{event['at']}#{body['notification_id']}"
        written += repo.add_notification(participant["user_id"], key, body)
    return written


def my_notifications(repo: BuyingRepository, actor: Actor, limit: int, start: Position | None) -> Page[JSON]:
    return repo.notifications(actor.user_id, limit, start)


# Issue 13: every step of a quality-assurance dispute is notified to the party it concerns (both, when the
# clock or the operators moved it).
_SELLER_TEXT.update(
    {
        "order.dispute_opened": "A dispute was opened on order {order_id}: please answer within 3 days",
        "order.dispute_accepted": "The buyer accepted your answer to the dispute on order {order_id}",
        "order.dispute_escalated": "The dispute on order {order_id} went to Bazaar's operators",
        "order.dispute_decided": "Bazaar decided the dispute on order {order_id}",
    }
)
_BUYER_TEXT.update(
    {
        "order.dispute_responded": "The shop answered your dispute on order {order_id}",
        "order.dispute_escalated": "Your dispute on order {order_id} went to Bazaar's operators",
        "order.dispute_decided": "Bazaar decided your dispute on order {order_id}",
        "order.dispute_refunded": "Your dispute on order {order_id} is refunded",
    }
)
