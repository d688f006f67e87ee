"""The outbox relay and sweeper: events written inside the changes' own transactions reach the queue.

- `relay` publishes the outbox items the table's stream reports (on AWS: the `outbox_relay` function on the
  stream, chalicelib/events/outbox.py; locally: devtools/outbox_stream.py polls the same stream), then marks
  each published. An item it cannot publish (the queue is down) is reported as failed, so the stream delivers
  it again, and in any case it stays pending for the sweeper.
- `sweep` (every minute) reads each shard of the pending index, oldest first, and publishes what the relay has
  not (older than SWEEP_GRACE_SECONDS), and reports how long the oldest pending event has waited
  (`Bazaar/OutboxOldestPendingAgeSeconds`, alarmed at 5 minutes: infra/operations.json, devtools/template.py).

Publishing is at least once: an item published but not yet marked can be published again. Every consumer is
idempotent by `event_id` (notifications are conditional puts, card refreshes compare, job steps re-check).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from ..domain.errors import DomainError
from ..domain.events import OUTBOX_SHARDS, SWEEP_GRACE_SECONDS, OutboxBatch
from ..domain.orders import format_time, parse_time
from .ports import EventPublisher, Metrics, Outbox, Position

log = logging.getLogger(__name__)

OLDEST_PENDING_METRIC = "OutboxOldestPendingAgeSeconds"


def relay(outbox: Outbox, publisher: EventPublisher, batches: Iterable[OutboxBatch], *, now: str) -> list[str]:
    """Publishes each batch's events, in order, and marks it published; returns the ids of the batches that
    could not be published (and every one after the first of them: a stream is retried from a failure on)."""
    failed: list[str] = []
    for batch in batches:
        if failed:
            failed.append(batch.outbox_id)
            continue
        try:
            publisher.publish(list(batch.events))
        except DomainError:
            log.warning("outbox batch not published; retried", extra={"outbox_id": batch.outbox_id})
            failed.append(batch.outbox_id)
            continue
        _mark(outbox, batch, now)
    return failed


def _mark(outbox: Outbox, batch: OutboxBatch, now: str) -> None:
    try:
        outbox.mark_published(batch.outbox_id, now)
    except DomainError:  # published all the same; the sweeper will publish it once more (consumers deduplicate)
        log.warning("outbox batch published but not marked", extra={"outbox_id": batch.outbox_id})


def sweep(
    outbox: Outbox,
    publisher: EventPublisher,
    metrics: Metrics,
    *,
    now: str,
    stage: str,
    limit: int = 1000,
    page_size: int = 100,
) -> dict[str, float]:
    """Publishes pending outbox items older than the grace period, oldest first, shard by shard (one Query per
    page of each shard), at most `limit` items a run; then reports the age of the oldest one that was pending
    when the sweep started (0 when none had waited past the grace period)."""
    cutoff = format_time(parse_time(now) - dt.timedelta(seconds=SWEEP_GRACE_SECONDS))
    published = failed = queries = 0
    oldest: str | None = None
    for shard in range(OUTBOX_SHARDS):
        start: Position | None = None
        stuck = False
        while published + failed < limit and not stuck:
            page = outbox.pending(f"{shard:02d}", cutoff, min(page_size, limit - published - failed), start)
            queries += 1
            for batch in page.items:
                if oldest is None or batch.created_at < oldest:
                    oldest = batch.created_at
                if stuck:
                    failed += 1
                    continue
                try:
                    publisher.publish(list(batch.events))
                except DomainError:
                    stuck = True  # the queue is down: leave this shard to the next run
                    failed += 1
                    continue
                _mark(outbox, batch, now)
                published += 1
            start = page.last_key
            if not start:
                break
    age = (parse_time(now) - parse_time(oldest)).total_seconds() if oldest else 0.0
    try:
        metrics.gauge(OLDEST_PENDING_METRIC, age, "Seconds", {"Stage": stage})
    except DomainError:
        log.warning("outbox age metric not sent")
    return {"published": published, "failed": failed, "queries": queries, "oldest_pending_seconds": age}
