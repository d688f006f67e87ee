"""DynamoDB calls of the scheduled jobs and the outbox (issue 9), at a small and a large backlog.

- completion and expiry: N due orders (50 and 5,000 by default), spread by the sharded schedule-index over 16
  partitions per job; a run reads each shard page by page (one Query per 100 due orders, one per shard at least) and
  writes one transaction per order (the order, its stock when it expires, the outbox item). What must not
  grow with N: the calls per order beyond the 16 shard probes;
- the outbox sweeper with N pending items: 16 Queries (one per shard) + one per 100 items, and per item one
  UpdateItem (marked published) and one SendMessageBatch (SQS: the item's events, 10 a call);
- the stream relay: per stream batch, one UpdateItem per outbox item and no read;
- a moderation's product job: per page of 100 products, one GetItem (the shop), one Query, one transaction per
  product and one PutItem (the next page's event).

The orders are seeded straight into moto (as the repository stores them) and the jobs run in process; only
counts mean anything here (moto's Query reads its whole table). Two things keep 5,000 orders within minutes and
a few hundred MB, neither changing a request or a count: moto's transactions run under
devtools/moto_patches.py (a snapshot per table, not per action, and none kept after its transaction), and the
order-events queue is emptied as soon as a message lands (on AWS the order-events consumer takes them; nobody
reads them here, and moto counts every message a queue holds on each send, N sends costing N^2).

    python -m bench.jobs_bench [--sizes 50,5000]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import environment, runner

environment.prepare()

from bench.counting import CallRecorder  # noqa: E402

SIZES = (50, 5_000)  # due orders
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Row:
    job: str
    backlog: int
    done: int
    calls: int
    queries: int
    transactions: int
    other_dynamodb: int
    written: int
    sqs: int

    @property
    def per_item(self) -> float:
        return self.calls / self.done if self.done else 0.0

    @property
    def writes_per_item(self) -> float:
        """DynamoDB calls per item other than the Queries (which are 16 shard probes + one per further page)."""
        return (self.calls - self.queries) / self.done if self.done else 0.0


def _order(i: int, *, status: str, payment: str, product_id: str, at: dt.datetime):
    from chalicelib.domain.orders import Order, OrderLine, TimelineEntry

    order_id = f"ord_bench{i:06d}"
    created = _iso(at)
    base = Order(
        order_id=order_id,
        checkout_id=f"chk_bench{i:06d}",
        buyer_id=f"usr_buyer{i % 97}",
        seller_id="usr_seller",
        shop_id="shp_bench",
        shop_name="Bench shop",
        storefront="handicrafts",
        status="pending_payment",
        lines=(OrderLine(f"{order_id}-1", product_id, "Rug", 1, 15900, "CNY", {}),),
        currency="CNY",
        delivery={"name": "Bench"},
        payment_method=payment,
        created_at=created,
        updated_at=created,
        timeline=(TimelineEntry(created, "buyer", "placed", "pending_payment", seq=1),),
        timeline_total=1,
        holds=True,
    )
    if status == "pending_payment":
        from dataclasses import replace

        return replace(base, expires_at=_iso(at + dt.timedelta(minutes=30)))
    paid = base.mark_paid("seller", created)
    shipped = paid.ship("SF", "SF1", created)
    return shipped.deliver(created)


def _seed_orders(orders) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.adapters.models import OrderModel
    from chalicelib.adapters.orders import _order_item

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][OrderModel.Meta.region].get_table(OrderModel.Meta.table_name)
    for order in orders:
        table.put_item(_order_item(order).serialize(), overwrite=True)


def _counted(job: str, backlog: int, run) -> Row:
    with CallRecorder() as rec:
        result = run()
    dynamodb = rec.dynamodb()
    ops = dynamodb.operations
    return Row(
        job=job,
        backlog=backlog,
        done=int(result.get("done", result.get("published", 0))),
        calls=dynamodb.calls,
        queries=ops.get("Query", 0),
        transactions=ops.get("TransactWriteItems", 0),
        other_dynamodb=dynamodb.calls - ops.get("Query", 0) - ops.get("TransactWriteItems", 0),
        written=dynamodb.items_written,
        sqs=sum(n for (service, _), n in rec.other_services().items() if service == "sqs"),
    )


def measure(size: int) -> list[Row]:
    from devtools.moto_patches import fast_moto_transactions
    from tests.support import moto_aws_stack

    rows = []
    # moto deep-copies a whole table per transaction without the patch: 5,000 orders would need ~20 GB
    with (
        contextlib.redirect_stdout(io.StringIO()),
        moto_aws_stack() as c,
        fast_moto_transactions(),
        _queues_consumed_at_once(),
    ):
        from chalicelib.services import order_lifecycle, outbox

        product_id = _seed_product(c)
        delivered_at = NOW - dt.timedelta(days=8)  # the 7-day return window closed yesterday
        _seed_orders(
            _order(i, status="delivered", payment="cash_on_delivery", product_id=product_id, at=delivered_at)
            for i in range(size)
        )
        now = _iso(NOW)
        rows.append(
            _counted(
                "completion",
                size,
                lambda: order_lifecycle.complete_due(c.buying, c.ledger, c.finance, now=now, limit=10 * size),
            )
        )
        # the completions' N events, as the Outbox table's stream hands them to the relay
        records = [r for shard in c.outbox_stream.records().values() for r in shard if r["eventName"] == "INSERT"]
        rows.append(_counted("stream relay", size, lambda: _relay(records)))
        placed_at = NOW - dt.timedelta(hours=1)
        _seed_orders(
            _order(size + i, status="pending_payment", payment="card", product_id=product_id, at=placed_at)
            for i in range(size)
        )
        rows.append(_counted("expiry", size, lambda: order_lifecycle.expire_due(c.buying, now=now, limit=10 * size)))
        # the expiries' N events wait in the outbox (no relay ran for them): the sweeper publishes them
        later = _iso(NOW + dt.timedelta(minutes=5))
        rows.append(
            _counted(
                "outbox sweeper",
                size,
                lambda: outbox.sweep(c.outbox, c.events, c.metrics, now=later, stage="bench", limit=10 * size),
            )
        )
    return rows


@contextlib.contextmanager
def _queues_consumed_at_once():
    """moto's SQS queues forget each message once it is accepted, as if its consumer took it at once: the
    SendMessageBatch calls and their answers are unchanged, but a send no longer walks every message the queue
    holds (moto's queue attributes count them), which made publishing N events cost N^2."""
    from moto.sqs.models import Queue

    accept = Queue.add_message

    def add_message(self, message) -> None:
        accept(self, message)
        with self._messages_lock:
            self._messages.clear()

    Queue.add_message = add_message
    try:
        yield
    finally:
        Queue.add_message = accept


def _relay(records: list[dict]) -> dict:
    from chalicelib.events.outbox import handle_stream_records

    failed = 0
    for start in range(0, len(records), 100):  # the stream trigger's batches
        failed += len(handle_stream_records(records[start : start + 100])["batchItemFailures"])
    assert not failed
    return {"done": len(records)}


def _seed_product(c) -> str:
    from dataclasses import replace

    from bench.catalog_seed import SeededCatalog, _write_to_moto_backend, catalog_items
    from chalicelib.domain.catalog import Product, Shop
    from chalicelib.services.shops import shop_snapshot

    shop = Shop(
        "shp_bench",
        "usr_seller",
        "Bench shop",
        "bench-shop",
        "handicrafts",
        "",
        {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
        "active",
        _iso(NOW),
        _iso(NOW),
        1,
    )
    product = Product(
        product_id="prd_bench",
        shop_id=shop.shop_id,
        storefront="handicrafts",
        title="Rug",
        description="",
        category="textiles",
        price_amount=15900,
        currency="CNY",
        stock=10,
        status="active",
        attributes={"maker": "Aygul Tursun", "made_to_order": False},
        shop=shop_snapshot(shop),
        created_at=_iso(NOW),
        updated_at=_iso(NOW),
    )
    _write_to_moto_backend(catalog_items(SeededCatalog(1, shops=[shop], products=[replace(product)], seller_shop=shop)))
    return product.product_id


def render(rows_by_size: dict[int, list[Row]]) -> tuple[str, bool]:
    sizes = sorted(rows_by_size)
    lines = [
        "## Scheduled jobs and the outbox (issue 9): DynamoDB calls at a small and a large backlog",
        "",
        "Due orders seeded into moto as the repository stores them; each job run once over the whole backlog "
        "(`python -m bench.jobs_bench`). Queries: schedule-index (or pending-index) pages, 16 shards each at "
        "least one; transactions: one per order (the order, its restock or its posting, its event in the outbox; "
        "a completion's posting reads its claim and balances first: one BatchGetItem).",
        "",
        "| job | backlog | done | DynamoDB calls | Queries | TransactWriteItems | other DynamoDB | items written "
        "| SQS calls | calls per item | calls per item, Queries aside |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in sizes:
        for r in rows_by_size[size]:
            lines.append(
                f"| {r.job} | {r.backlog:,} | {r.done:,} | {r.calls:,} | {r.queries} | {r.transactions:,} "
                f"| {r.other_dynamodb:,} | {r.written:,} | {r.sqs} | {r.per_item:.3f} | {r.writes_per_item:.3f} |"
            )
    from bench.budgets import JOB_BUDGETS

    ok = True
    verdicts = []
    for job in [r.job for r in rows_by_size[sizes[0]]]:
        budget = JOB_BUDGETS[job]
        small = next(r for r in rows_by_size[sizes[0]] if r.job == job)
        large = next(r for r in rows_by_size[sizes[-1]] if r.job == job)
        per_item = {round(r.writes_per_item, 6) for r in (small, large)}
        flat = len(per_item) == 1 and all(r.done == r.backlog for r in (small, large))
        within = all(
            r.writes_per_item <= budget.per_item and r.queries <= budget.queries(r.done) for r in (small, large)
        )
        ok &= flat and within
        verdicts.append(
            f"- {job}: {' = '.join(f'{w:.2f}' for w in sorted(per_item))} DynamoDB calls per item (Queries aside) "
            f"at {small.backlog:,} and {large.backlog:,}, {small.queries} and {large.queries} Queries; budget "
            f"{budget.per_item} per item + {budget.queries(small.done)} / {budget.queries(large.done)} Queries "
            f"({budget.why}): {'**the same cost per item, within budget**' if flat and within else '**NO**'}"
        )
    lines += ["", *verdicts, ""]
    return "\n".join(lines), ok


def report(results_file: Path | None = None, sizes: Sequence[int] = SIZES) -> bool:
    rows = {size: measure(size) for size in sizes}
    text, ok = render(rows)
    runner.publish(text, results_file)
    return ok


def main(argv: list[str] | None = None) -> int:
    return runner.main(argv, __doc__, report, SIZES)


if __name__ == "__main__":
    sys.exit(main())
