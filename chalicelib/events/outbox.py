"""Non-HTTP entry points of the outbox: the stream relay and the sweeper (services/outbox.py).

On AWS `outbox_relay` is triggered by the Outbox table's stream (infra/data-stack.json points this function's
event source at the table's StreamArn and turns on ReportBatchItemFailures). Locally, devtools/outbox_stream.py
reads the same stream from moto and hands the same records to `handle_stream_records`.
"""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

# Decorator arguments are read at package time: the real ARN is the Outbox table's StreamArn, which
# infra/data-stack.json substitutes in the packaged template (OutboxRelay ... Events ... Stream).
STREAM_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/bazaar-outbox/stream/set-by-infra-data-stack"


def handle_stream_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch of stream records (Lambda's format). New outbox items are published; on a failure, that record
    and every later one are reported (ReportBatchItemFailures: the stream retries from the first), and they stay
    pending for the sweeper whatever happens."""
    from ..adapters.outbox import batch_from_image
    from ..services import outbox

    c = container()
    batches, sequence_of = [], {}
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        batch = batch_from_image(record.get("dynamodb", {}).get("NewImage") or {})
        if batch is None:
            continue
        batches.append(batch)
        sequence_of[batch.outbox_id] = record["dynamodb"]["SequenceNumber"]
    failed = outbox.relay(c.outbox, c.events, batches, now=c.clock())
    return {"batchItemFailures": [{"itemIdentifier": sequence_of[outbox_id]} for outbox_id in failed]}


@bp.on_dynamodb_record(
    stream_arn=STREAM_PLACEHOLDER, batch_size=100, starting_position="TRIM_HORIZON", name="outbox_relay"
)
def outbox_relay(event):
    return handle_stream_records(event.to_dict().get("Records", []))


def sweep() -> dict[str, Any]:
    """One run of the sweeper (the schedule below; the local stack runs it the same way)."""
    from ..services import outbox

    c = container()
    return outbox.sweep(c.outbox, c.events, c.metrics, now=c.clock(), stage=c.settings.stage)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="sweep_outbox")
def sweep_outbox(event):
    return sweep()
