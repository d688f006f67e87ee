"""Non-HTTP entry points: the order-events queue consumer and the order schedules.

The queue carries every outbox event (services/outbox.py): order events, which become notifications, refresh
storefront cards and prompt provider refunds, and job steps (a shop's product job, `shop.resync`; issue 10: a
manifest's build, dispatch and receipt, `manifest.*`).
"""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

# Order events after which the order may owe a card refund (services/refunds.py issues it right away).
REFUND_EVENTS = frozenset(
    {
        "order.cancelled",
        "order.refunded",
        "order.payment_after_cancellation",
        "order.dispute_refunded",
        "order.compensated",  # issue 12: a percent-refund compensation
    }
)
# Issue 13: events after which the points an order redeemed go back (once: the posting's id is the order's).
POINTS_BACK_EVENTS = frozenset({"order.cancelled", "order.expired"})
# Issue 12: events after which the coupon an order used drops it, and comes back once no order of it is left.
COUPON_BACK_EVENTS = frozenset({"order.cancelled", "order.expired"})
# A received return's events: the points spent on the returned goods go back (once per return, its posting id).
RETURN_RECEIVED_EVENTS = frozenset({"order.refunded", "order.returned"})


def handle_event(event: dict[str, Any]) -> None:
    """One event, whatever its type; raises when it must be delivered again (idempotent by event id)."""
    from ..services import (
        catalog,
        coupons,
        dashboards,
        manifests,
        notifications,
        points,
        referrals,
        refunds,
        shops,
    )

    c = container()
    kind = event["type"]
    if kind == "shop.resync":
        shops.resync_step(c.catalog, c.outbox, event, now=c.clock())
        return
    if kind in manifests.STEPS:  # issue 10: one step of a manifest's job; the step queues the next one
        manifests.run_step(manifests.Ports(buying=c.buying, network=c.network, jobs=c.jobs), event, now=c.clock())
    if kind.startswith("group."):  # issue 19: a group buy closed or failed: its participants are told
        notifications.notify_group(c.buying, event)
        return
    if not kind.startswith("order."):
        log.warning("unknown event ignored", extra={"event_id": event["event_id"], "type": kind})
        return
    event = notifications.parse_event_fields(event)
    notifications.notify(c.buying, event, pickup_code=_pickup_code)
    dashboards.record_event(c.aggregates, event)
    if kind in catalog.STOCK_EVENTS:
        catalog.refresh_cards(c.catalog, event.get("product_ids") or [])
    if kind in REFUND_EVENTS:
        refunds.issue_for(c.buying, c.payments, event["order_id"], now=c.clock(), trust=c.trust)
    if kind == "order.completed":  # issue 13: earned by the job already, unless it stopped in between
        points.earn_for_order_id(c.trust, c.buying, c.ledger, event["order_id"], now=c.clock())
    if kind in POINTS_BACK_EVENTS and event.get("points_redeemed"):
        points.return_redemption_of(c.trust, c.buying, c.ledger, event["order_id"], now=c.clock())
    if kind in RETURN_RECEIVED_EVENTS and event.get("points_returned"):  # in case the request stopped before
        points.return_for_goods_of(c.trust, c.ledger, event, now=c.clock())
    if kind == "order.cancelled" and event.get("coupon"):  # issue 12: in case the cancel stopped before it
        coupons.return_discount_of(c.buying, c.ledger, event["order_id"], now=c.clock())
    if kind in COUPON_BACK_EVENTS and event.get("coupon"):  # the coupon back if it was the checkout's last order
        coupons.restore_of(c.buying, c.coupons, event["order_id"], now=c.clock())
    referrals.on_order_event(c.buying, c.trust, c.ledger, event)  # issue 19: through the points programme


def handle_records(records: list[dict]) -> dict:
    """SQS batch (ReportBatchItemFailures): a bad message is reported, the others are still processed."""
    from ..services import notifications, rfq

    failures = []
    for record in records:
        try:
            trade_event = rfq.rfq_event_of(record["body"])  # issue 14: an RFQ awarded or withdrawn
            if trade_event is not None:
                c = container()
                rfq.close_other_quotes(c.trade, c.buying, trade_event["rfq_id"], now=c.clock())
                continue
            handle_event(notifications.parse_message(record["body"]))
        except Exception:  # whatever goes wrong with one message, the others still count
            log.warning("event not processed", extra={"message_id": record.get("messageId")}, exc_info=True)
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


def _pickup_code(order_id: str, ready_at: str) -> str:
    from ..domain.network import pickup_code

    return pickup_code(container().settings.pickup_code_secret, order_id, ready_at)


@bp.lambda_function(name="order_events")
def order_events(event, context):
    return handle_records(event.get("Records", []))


# --- schedules: each a plain function (the local stack and the tests run them too) and its trigger ----------


def complete_due() -> dict[str, int]:
    """The completion sweep; `completed` (= `done`) is how many orders it completed."""
    from ..services import order_lifecycle

    c = container()
    result = order_lifecycle.complete_due(
        c.buying, c.ledger, c.finance, now=c.clock(), trust=c.trust, network=c.network
    )
    return {"completed": result["done"], **result}


def expire_due() -> dict[str, int]:
    from ..services import order_lifecycle

    c = container()
    return order_lifecycle.expire_due(c.buying, now=c.clock(), trust=c.trust, ledger=c.ledger, coupon_store=c.coupons)


def retry_due_refunds() -> dict[str, int]:
    from ..services import refunds

    c = container()
    return refunds.retry_due(c.buying, c.payments, now=c.clock(), trust=c.trust)


def trust_due() -> dict[str, int]:
    """Issue 13: disputes nobody answered in time escalate, points earned 12 months ago expire (each over its
    sharded due index, page by page)."""
    from ..services import disputes, points

    c = container()
    escalated = disputes.escalate_due(c.buying, c.trust, now=c.clock())
    expired = points.expire_due(c.trust, c.buying, c.ledger, now=c.clock())
    return {
        "disputes_escalated": escalated["done"],
        "points_expired": expired["points"],
        "failed": escalated["failed"] + expired["failed"],
        "queries": escalated["queries"] + expired["queries"],
    }


def compensate_promises() -> dict[str, int]:
    """Issue 12: delivery promises that passed without a delivery are compensated (once each)."""
    from ..services import delivery_promise

    c = container()
    return delivery_promise.compensate_due(c.buying, c.ledger, c.trust, now=c.clock(), coupons=c.coupons)


@bp.schedule(Rate(1, unit=Rate.HOURS), name="complete_orders")
def complete_orders(event):
    """The hourly sweep: completion (points earned), and issue 13's dispute escalations and points expiry."""
    completed = complete_due()
    trust = trust_due()
    return {
        **completed,
        "disputes_escalated": trust["disputes_escalated"],
        "points_expired": trust["points_expired"],
    }


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="expire_orders")
def expire_orders(event):
    # issue 12: the same 5-minute schedule compensates missed delivery promises (their own sharded job)
    return {**expire_due(), "promises": compensate_promises()}


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="retry_refunds")
def retry_refunds(event):
    return retry_due_refunds()
