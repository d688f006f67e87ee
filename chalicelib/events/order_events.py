"""Non-HTTP entry points: the order-events queue consumer and the completion schedule."""

from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


def handle_records(records: list[dict]) -> dict:
    """SQS batch (ReportBatchItemFailures): a bad message is reported, the others are still processed."""
    from ..services import catalog, dashboards, notifications, rfq

    failures = []
    for record in records:
        try:
            trade_event = rfq.rfq_event_of(record["body"])  # issue 14: an RFQ awarded or withdrawn
            if trade_event is not None:
                c = container()
                rfq.close_other_quotes(c.trade, c.buying, trade_event["rfq_id"], now=c.clock())
                continue
            event = notifications.parse_event(record["body"])
            notifications.notify(container().buying, event, pickup_code=_pickup_code)
            dashboards.record_event(container().aggregates, event)
            if event["type"] in catalog.STOCK_EVENTS:
                catalog.refresh_cards(container().catalog, event.get("product_ids") or [])
        except Exception:  # whatever goes wrong with one message, the others still count
            log.warning("order event not processed", extra={"message_id": record.get("messageId")}, exc_info=True)
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


def _pickup_code(order_id: str, ready_at: str) -> str:
    from ..domain.network import pickup_code

    return pickup_code(container().settings.pickup_code_secret, order_id, ready_at)


@bp.lambda_function(name="order_events")
def order_events(event, context):
    return handle_records(event.get("Records", []))


@bp.schedule(Rate(1, unit=Rate.HOURS), name="complete_orders")
def complete_orders(event):
    from ..services import order_lifecycle

    c = container()
    return {"completed": order_lifecycle.complete_due(c.buying, c.ledger, c.finance, c.events, now=c.clock())}
