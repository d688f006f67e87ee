"""The transactional outbox on DynamoDB (docs/data-model.md, Outbox).

`outbox_put` is the one action every repository adds to a change's own TransactWriteItems, so the change and
its events commit together (or not at all). `DynamoOutbox` is what the relay and the sweeper use.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import ServiceUnavailable
from ..domain.events import OUTBOX_KEEP_DAYS, OutboxBatch, outbox_shard
from ..domain.orders import parse_time
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES
from .models import OutboxModel, shared_connection


def outbox_put(outbox_id: str, events: list[dict[str, Any]], now: str) -> dict[str, Any]:
    """A TransactWriteItems Put of one outbox item, pending (in the sweeper's index) until published."""
    return {
        "Put": {
            "TableName": OutboxModel.Meta.table_name,
            "Item": {
                "outbox_id": {"S": outbox_id},
                "events": {"S": json.dumps(events, sort_keys=True, separators=(",", ":"))},
                "created_at": {"S": now},
                "pending_shard": {"S": outbox_shard(outbox_id)},
            },
            "ConditionExpression": "attribute_not_exists(outbox_id)",
        }
    }


def batch_from_image(image: dict[str, Any]) -> OutboxBatch | None:
    """An outbox item in DynamoDB's attribute-value form (a stream record's NewImage, a Query item); None for
    an item that is not a pending outbox item."""
    try:
        if "pending_shard" not in image:
            return None
        events = json.loads(image["events"]["S"])
        return OutboxBatch(image["outbox_id"]["S"], tuple(events), image["created_at"]["S"])
    except (KeyError, TypeError, ValueError):
        return None


class DynamoOutbox:
    def __init__(self, region: str, host: str | None) -> None:
        self._connection = shared_connection(region, host)

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self._connection.client, operation)(**kwargs)  # type: ignore[no-any-return]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES:
                raise ServiceUnavailable("the outbox is busy", retry_after=1) from exc
            raise
        except BotoCoreError as exc:
            raise ServiceUnavailable("the outbox is unreachable", retry_after=1) from exc

    def add(self, batch: OutboxBatch) -> bool:
        """Writes one outbox item on its own (a job's next step); False if that id was written already."""
        try:
            self._call("put_item", **outbox_put(batch.outbox_id, list(batch.events), batch.created_at)["Put"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def pending(self, shard: str, created_before: str, limit: int, start: dict | None) -> Page[OutboxBatch]:
        """One Query of a pending-index partition, oldest first, of items created before `created_before`."""
        kwargs: dict[str, Any] = {
            "TableName": OutboxModel.Meta.table_name,
            "IndexName": "pending-index",
            "KeyConditionExpression": "pending_shard = :s AND created_at < :before",
            "ExpressionAttributeValues": {":s": {"S": shard}, ":before": {"S": created_before}},
            "Limit": limit,
            "ScanIndexForward": True,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        batches = [b for b in (batch_from_image(i) for i in raw.get("Items", [])) if b is not None]
        return Page(batches, raw.get("LastEvaluatedKey"))

    def mark_published(self, outbox_id: str, now: str) -> None:
        """Takes the item out of the pending index; it expires (TTL) OUTBOX_KEEP_DAYS later."""
        expires = parse_time(now) + dt.timedelta(days=OUTBOX_KEEP_DAYS)
        try:
            self._call(
                "update_item",
                TableName=OutboxModel.Meta.table_name,
                Key={"outbox_id": {"S": outbox_id}},
                UpdateExpression="REMOVE pending_shard SET published_at = :now, expires_at = :exp",
                ConditionExpression="attribute_exists(outbox_id)",
                ExpressionAttributeValues={":now": {"S": now}, ":exp": {"N": str(int(expires.timestamp()))}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise


class OutboxJobQueue:
    """Jobs (issue 10: manifest steps) as outbox items: the relay puts them on the order-events queue, whose
    consumer runs one step per event (events/order_events.handle_event); each step writes the next step's item
    in its own transaction (`job_write`), so a job cannot be lost between two steps.

    A job naming the manifest's `version` gets the id `<job>:<manifest_id>:<version>`, so the same step queued
    twice is one outbox item; a job without one (`enqueue`: restarting a stalled job by hand) gets a fresh id."""

    def __init__(self, outbox: DynamoOutbox, clock: Callable[[], str]) -> None:
        self._outbox = outbox
        self._clock = clock

    @staticmethod
    def _event(job: dict[str, Any], now: str) -> dict[str, Any]:
        kind, manifest_id, version = job["job"], job["manifest_id"], job.get("version")
        suffix = str(version) if version is not None else f"x{uuid.uuid4().hex}"
        return {**job, "event_id": f"{kind}:{manifest_id}:{suffix}", "type": kind, "at": now}

    def enqueue(self, job: dict[str, Any]) -> None:
        now = self._clock()
        event = self._event(job, now)
        self._outbox.add(OutboxBatch(event["event_id"], (event,), now))

    def job_write(self, job: dict[str, Any], now: str) -> Write:
        event = self._event(job, now)
        return Write(outbox_put(event["event_id"], [event], now))
