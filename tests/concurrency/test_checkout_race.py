"""Races through the real app against a moto server with atomic requests (issue 4, "Proof").

50 buyers check out the last 10 units at the same instant, over several trials: exactly 10 sell, every loser
gets a 409, stock ends at 0 and the orders table holds one order per success. A deliberately wrong
checkout (read the stock, write stock - 1 without a condition), run the same way against the same server,
must oversell in at least one trial: that is what shows this harness can see a race at all.
Then: concurrent cancels of one order restore stock once; concurrent replays of one Idempotency-Key create
one checkout.

Figures of every trial are printed (`pytest -s tests/concurrency` shows them).
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from tests.concurrency.harness import (
    locked_moto_stack,
    overlapped,
    run_together,
    thread_local_requests,
    thread_safe_api,
)
from tests.support import Factory, assert_api_error

BUYERS = 50
STOCK = 10
TRIALS = 3
ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}
BODY = {"delivery": ADDRESS, "payment_method": "cash_on_delivery"}


class World:
    """One locked moto server for the module: a seller, an operator and 50 buyers, reused by every trial."""

    def __init__(self, stack, api) -> None:
        import boto3

        self.stack, self.api = stack, api
        self.factory = Factory(api, stack)
        self.seller = self.factory.user("seller")
        self.buyers = [self.factory.user("buyer") for _ in range(BUYERS)]
        self.buyer_ids = [api.get("/v1/me", token=t).json["user_id"] for t in self.buyers]
        self.ddb = boto3.session.Session(region_name=stack.settings.region).client(
            "dynamodb", endpoint_url=stack.settings.endpoint_url
        )

    def fresh_product(self, stock: int = STOCK) -> tuple[dict, dict]:
        shop = self.factory.shop(self.seller)
        return shop, self.factory.product(self.seller, shop, stock=stock)

    def checkout(self, token: str, key: str):
        return self.api.post("/v1/checkout", BODY, token=token, headers={"Idempotency-Key": key})

    def stock(self, product_id: str) -> int:
        item = self.ddb.get_item(
            TableName=self.stack.settings.products_table,
            Key={"product_id": {"S": product_id}},
            ConsistentRead=True,
        )["Item"]
        return int(item["stock"]["N"])

    def orders_of_shop(self, shop_id: str) -> list[dict]:
        """Ground truth: every order row of the shop, read straight from the table."""
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.stack.settings.orders_table,
            FilterExpression="shop_id = :s",
            ExpressionAttributeValues={":s": {"S": shop_id}},
            ConsistentRead=True,
        )
        return [json.loads(item["body"]["S"]) for page in pages for item in page["Items"]]

    def event_messages(self) -> list[dict]:
        """The outbox relayed (what the stream trigger does), then every message on the queue."""
        self.stack.outbox_stream.relay_once()
        sqs = self.stack.events._sqs
        url = self.stack.settings.order_events_queue_url
        messages = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return messages
            for m in got:
                messages.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture(scope="module")
def world():
    from app import app

    with locked_moto_stack() as stack, thread_local_requests(app):
        yield World(stack, thread_safe_api(app))


def _figures(label: str, **figures) -> None:
    print(f"\n[{label}] " + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


# --- 50 buyers, 10 units ---------------------------------------------------------------------------


def test_fifty_buyers_race_for_ten_units_and_exactly_ten_sell(world):
    for trial in range(TRIALS):
        started = time.perf_counter()
        shop, product = world.fresh_product(STOCK)
        pid = product["product_id"]
        for token in world.buyers:
            assert world.api.delete("/v1/cart", token=token).status == 204
            reply = world.api.put(f"/v1/cart/items/{pid}", {"quantity": 1}, token=token)
            assert reply.status == 200 and reply.json["can_checkout"], reply

        outcomes = run_together(BUYERS, lambda i, t=trial: world.checkout(world.buyers[i], f"race-{t}-{i}"))

        replies = [o.value for o in outcomes]
        statuses = Counter(r.status for r in replies)
        stock = world.stock(pid)
        orders = world.orders_of_shop(shop["shop_id"])
        _figures(
            f"race trial {trial + 1}",
            successes=statuses[201],
            losers_409=statuses[409],
            other=sum(n for s, n in statuses.items() if s not in (201, 409)),
            final_stock=stock,
            orders=len(orders),
            overlapped=overlapped(outcomes),
            seconds=round(time.perf_counter() - started, 1),
        )
        assert overlapped(outcomes), "the checkouts did not run at the same time"
        assert statuses == {201: STOCK, 409: BUYERS - STOCK}, statuses
        assert stock == 0
        assert len(orders) == statuses[201]

        winners = {i for i, r in enumerate(replies) if r.status == 201}
        # each success is that buyer's own order of one unit, and the table holds exactly those orders
        assert sorted(o["buyer_id"] for o in orders) == sorted(world.buyer_ids[i] for i in winners)
        for i in winners:
            (placed,) = replies[i].json["orders"]
            assert [(line["product_id"], line["quantity"]) for line in placed["lines"]] == [(pid, 1)]
            assert placed["order_id"] in {o["order_id"] for o in orders}
        for i, reply in enumerate(replies):
            if i in winners:
                continue
            error = assert_api_error(reply, 409)
            assert error["code"] in {"lines_unavailable"}, error
            assert {d["field"] for d in error["details"]} == {f"lines.{pid}"}, error
        # winners' carts were emptied of what they bought; losers keep theirs
        for i in (min(winners), min(set(range(BUYERS)) - winners)):
            cart = world.api.get("/v1/cart", token=world.buyers[i]).json
            assert cart["line_count"] == (0 if i in winners else 1), (i, cart)


def test_control_a_read_modify_write_checkout_oversells(world):
    """The same race, a checkout that is wrong on purpose: read the stock, then write stock - 1, no condition."""
    table = world.stack.settings.products_table
    oversold_trials = 0
    for trial in range(TRIALS):
        _, product = world.fresh_product(STOCK)
        key = {"product_id": {"S": product["product_id"]}}

        def wrong_checkout(i: int, key=key) -> bool:
            item = world.ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            stock = int(item["stock"]["N"])
            if stock < 1:
                return False
            world.ddb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET stock = :left",
                ExpressionAttributeValues={":left": {"N": str(stock - 1)}},
            )
            return True

        outcomes = run_together(BUYERS, wrong_checkout)
        sold = sum(1 for o in outcomes if o.value)
        final = world.stock(product["product_id"])
        oversold_trials += sold > STOCK
        _figures(
            f"control trial {trial + 1}",
            sold=sold,
            stock=STOCK,
            oversold_by=max(0, sold - STOCK),
            final_stock=final,
            overlapped=overlapped(outcomes),
        )
    _figures("control", oversold_trials=f"{oversold_trials}/{TRIALS}")
    assert oversold_trials >= 1, "the harness never saw the wrong checkout oversell: it cannot see races"


# --- cancels and replays ---------------------------------------------------------------------------


def test_concurrent_cancels_of_one_order_restore_stock_once(world):
    token = world.buyers[0]
    shop, product = world.fresh_product(STOCK)
    pid = product["product_id"]
    assert world.api.delete("/v1/cart", token=token).status == 204
    world.api.put(f"/v1/cart/items/{pid}", {"quantity": 3}, token=token)
    placed = world.checkout(token, "cancel-race")
    assert placed.status == 201, placed
    order_id = placed.json["orders"][0]["order_id"]
    assert world.stock(pid) == STOCK - 3
    world.event_messages()  # drain

    outcomes = run_together(10, lambda i: world.api.post(f"/v1/orders/{order_id}/cancel", token=token))

    statuses = Counter(o.value.status for o in outcomes)
    (order,) = world.orders_of_shop(shop["shop_id"])
    cancelled_events = [e for e in world.event_messages() if e["type"] == "order.cancelled"]
    _figures(
        "concurrent cancels",
        threads=10,
        ok_200=statuses[200],
        refused=dict((s, n) for s, n in statuses.items() if s != 200),
        final_stock=world.stock(pid),
        cancelled_events=len(cancelled_events),
    )
    assert statuses[200] == 1, statuses
    # 409: already cancelled. Never 412: no caller sent If-Match (a lost version race is computed again)
    assert set(statuses) <= {200, 409}, statuses
    for o in outcomes:
        if o.value.status != 200:
            assert_api_error(o.value, o.value.status)
    assert world.stock(pid) == STOCK
    assert order["status"] == "cancelled"
    assert [e["action"] for e in order["timeline"]].count("cancelled") == 1
    assert len(cancelled_events) == 1


def test_concurrent_replays_of_one_idempotency_key_create_one_checkout(world):
    token, buyer_id = world.buyers[1], world.buyer_ids[1]
    shop_a, product_a = world.fresh_product(STOCK)
    shop_b, product_b = world.fresh_product(STOCK)
    assert world.api.delete("/v1/cart", token=token).status == 204
    world.api.put(f"/v1/cart/items/{product_a['product_id']}", {"quantity": 2}, token=token)
    world.api.put(f"/v1/cart/items/{product_b['product_id']}", {"quantity": 1}, token=token)
    world.event_messages()  # drain

    outcomes = run_together(10, lambda i: world.checkout(token, "same-key"))

    replies = [o.value for o in outcomes]
    statuses = Counter(r.status for r in replies)
    orders = world.orders_of_shop(shop_a["shop_id"]) + world.orders_of_shop(shop_b["shop_id"])
    checkout_ids = {r.json["checkout_id"] for r in replies if r.status in (200, 201)}
    created = [e for e in world.event_messages() if e["type"] == "order.created"]
    _figures(
        "concurrent replays",
        threads=10,
        created_201=statuses[201],
        replayed_200=statuses[200],
        other=sum(n for s, n in statuses.items() if s not in (200, 201)),
        checkout_ids=len(checkout_ids),
        orders=len(orders),
        stock_a=world.stock(product_a["product_id"]),
        stock_b=world.stock(product_b["product_id"]),
        created_events=len(created),
    )
    assert statuses == {201: 1, 200: 9}, statuses
    assert len(checkout_ids) == 1
    assert all(r.headers.get("idempotent-replayed") == "true" for r in replies if r.status == 200)
    assert {json.dumps(r.json["orders"], sort_keys=True) for r in replies} == {
        json.dumps(replies[0].json["orders"], sort_keys=True)
    }
    assert len(orders) == 2 and {o["checkout_id"] for o in orders} == checkout_ids
    assert {o["buyer_id"] for o in orders} == {buyer_id}
    assert world.stock(product_a["product_id"]) == STOCK - 2
    assert world.stock(product_b["product_id"]) == STOCK - 1
    # the events were written once, with the orders (the outbox); a replay writes nothing
    assert sorted(e["order_id"] for e in created) == sorted(o["order_id"] for o in orders)
    assert world.api.get("/v1/cart", token=token).json["line_count"] == 0
