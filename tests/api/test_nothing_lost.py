"""Issue 9, "nothing lost, nothing stuck": every state-changing route under injected faults.

- The queue is down: every route that changes orders or shops still succeeds (its events wait in the outbox,
  written in the change's own transaction); the stream relay and the sweeper cannot publish, and the sweeper
  reports the age of the oldest waiting event to CloudWatch. Once the queue is back, every notification
  arrives exactly once, although the relay and the sweeper may both publish the same events.
- DynamoDB throttles a write: a clear 503 and nothing changed; the retry applies once.
- The payment provider fails refunds: the refund stays pending on the order and is retried by its job until
  the provider takes it, with one idempotency key, so exactly one refund exists at the provider.
- Stock: after all of it, every unit is where the orders say (no unit lost or counted twice).

Faults are injected by wrapping botocore's `_make_api_call` (tests/api/test_checkout_faults.Faults) and by the
card provider simulator's fault switch (devtools/card_provider.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from chalicelib.domain.orders import format_time, parse_time
from tests.api.test_checkout_faults import QUEUE_FAULTS, Faults, client_error
from tests.support import (
    ADDRESS,
    Storage,
    assert_api_error,
    buy,
    drain_order_events,
    relay_outbox,
    settle,
    stock_of,
)


@pytest.fixture
def faults(monkeypatch):
    return Faults(monkeypatch)


def later(stack, seconds: float) -> str:
    """Moves the container's clock `seconds` on from now; returns the new time."""
    moment = format_time(parse_time(stack.clock()) + dt.timedelta(seconds=seconds))
    stack.clock = lambda: moment
    return moment


def sweep(stack) -> dict:
    from chalicelib.events.outbox import sweep as run

    return run()


def oldest_pending_metric(stack) -> list[float]:
    cloudwatch = stack.metrics._cloudwatch
    now = dt.datetime.now(dt.UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="Bazaar",
        MetricName="OutboxOldestPendingAgeSeconds",
        Dimensions=[{"Name": "Stage", "Value": "local"}],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(hours=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    return [p["Maximum"] for p in points]


def notifications(api, token) -> list[dict]:
    items, cursor = [], None
    while True:
        reply = api.get("/v1/me/notifications?limit=100" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200, reply
        items += reply.json["items"]
        cursor = reply.json["next_cursor"]
        if not cursor:
            return items


class Marketplace:
    """Two sellers, a buyer and an operator, and orders in every state a route can move them from."""

    def __init__(self, api, factory, stack) -> None:
        self.api, self.stack, self.factory = api, stack, factory
        self.seller, self.other_seller = factory.user("seller"), factory.user("seller")
        self.buyer, self.operator = factory.user("buyer"), factory.operator
        self.shop = factory.shop(self.seller)
        self.other_shop = factory.shop(self.other_seller)
        self.scarf = factory.product(self.seller, self.shop, title="Atlas silk scarf", stock=100)
        self.cap = factory.product(self.other_seller, self.other_shop, title="Doppa cap", stock=100)
        settle(stack)

    def path(self, order: dict, action: str = "") -> str:
        return f"/v1/shops/{order['shop']['shop_id']}/orders/{order['order_id']}{action}"

    def token_of(self, order: dict) -> str:
        return self.seller if order["shop"]["shop_id"] == self.shop["shop_id"] else self.other_seller

    def stocks(self) -> tuple[int, int]:
        return stock_of(self.api, self.seller, self.scarf), stock_of(self.api, self.other_seller, self.cap)

    def webhook(self, order: dict) -> int:
        """The card provider takes the buyer's payment and tells us (a signed webhook, delivered now)."""
        provider = self.stack.card_provider
        status, _ = provider.handle(
            "POST",
            "/v1/payments",
            {"authorization": f"Bearer {self.stack.settings.payment_provider_key}"},
            json.dumps({"order_id": order["order_id"], "amount": order["total"]}).encode(),
        )
        assert status == 201
        return provider.flush(wait=True, api_key=self.stack.settings.payment_provider_key)

    def every_change(self) -> dict[str, int]:
        """Each state-changing order and shop route once (the queue may be down); returns the statuses."""
        api, statuses = self.api, {}
        cod, transfer, card, doomed = self._orders()
        statuses["webhook"] = self.webhook(card)
        statuses["mark-paid"] = api.post(self.path(transfer, "/mark-paid"), token=self.seller).status
        ship = {"carrier": "SF", "tracking_number": "SF1"}
        statuses["ship"] = api.post(self.path(cod, "/ship"), ship, token=self.token_of(cod)).status
        statuses["deliver"] = api.post(self.path(cod, "/deliver"), token=self.token_of(cod)).status
        statuses["mark-paid cod"] = api.post(self.path(cod, "/mark-paid"), token=self.token_of(cod)).status
        line = cod["lines"][0]
        asked = api.post(
            f"/v1/orders/{cod['order_id']}/returns",
            {"lines": [{"line_id": line["line_id"], "quantity": 1}]},
            token=self.buyer,
        )
        statuses["return"] = asked.status
        statuses["receive"] = api.post(
            f"/v1/shops/{cod['shop']['shop_id']}/returns/{asked.json['return_id']}/receive",
            token=self.token_of(cod),
        ).status
        statuses["cancel"] = api.post(f"/v1/orders/{doomed['order_id']}/cancel", token=self.buyer).status
        statuses["rename"] = api.patch(
            f"/v1/shops/{self.other_shop['shop_id']}", {"name": "Cap House"}, token=self.other_seller
        ).status
        statuses["suspend"] = api.post(f"/v1/admin/shops/{self.shop['shop_id']}/suspend", token=self.operator).status
        statuses["approve"] = api.post(f"/v1/admin/shops/{self.shop['shop_id']}/approve", token=self.operator).status
        self.orders = {"cod": cod, "transfer": transfer, "card": card, "doomed": doomed}
        return statuses

    def _orders(self) -> tuple[dict, dict, dict, dict]:
        api = self.api
        cod = buy(api, self.buyer, {self.scarf["product_id"]: 2})[0]
        transfer = buy(api, self.buyer, {self.scarf["product_id"]: 1}, payment="bank_transfer")[0]
        card = buy(api, self.buyer, {self.cap["product_id"]: 3}, payment="card")[0]
        doomed = buy(api, self.buyer, {self.scarf["product_id"]: 4}, payment="bank_transfer")[0]
        return cod, transfer, card, doomed


EXPECTED_SELLER = Counter(
    {
        ("order.created", "cod"): 1,
        ("order.created", "transfer"): 1,
        ("order.created", "card"): 1,
        ("order.created", "doomed"): 1,
        ("order.paid", "card"): 1,
        ("order.paid", "transfer"): 1,
        ("order.paid", "cod"): 1,
        ("order.return_requested", "cod"): 1,
        ("order.cancelled", "doomed"): 1,
    }
)
EXPECTED_BUYER = Counter(
    {
        ("order.shipped", "cod"): 1,
        ("order.delivered", "cod"): 1,
        ("order.refunded", "cod"): 1,
    }
)


def received(world: Marketplace) -> tuple[Counter, Counter]:
    names = {o["order_id"]: name for name, o in world.orders.items()}
    seller = Counter(
        (n["type"], names[n["order_id"]])
        for token in (world.seller, world.other_seller)
        for n in notifications(world.api, token)
        if n["order_id"] in names
    )
    buyer = Counter((n["type"], names[n["order_id"]]) for n in notifications(world.api, world.buyer))
    return seller, buyer


@pytest.mark.parametrize("fault", QUEUE_FAULTS, ids=str)
def test_with_the_queue_down_every_change_succeeds_and_every_notification_arrives_once_after(
    api, stack, factory, faults, fault
):
    world = Marketplace(api, factory, stack)
    with faults.failing("sqs", "SendMessageBatch", QUEUE_FAULTS[fault]) as rule:
        statuses = world.every_change()
        assert statuses == {
            "webhook": 1,  # the provider's webhook was taken (200)
            "mark-paid": 200,
            "ship": 200,
            "deliver": 200,
            "mark-paid cod": 200,
            "return": 201,
            "receive": 200,
            "cancel": 200,
            "rename": 200,
            "suspend": 200,
            "approve": 200,
        }
        assert drain_order_events(stack) == []  # the stream relay tried, and could not publish
        later(stack, 120)
        swept = sweep(stack)
        assert swept["published"] == 0 and swept["failed"] >= 1
        assert swept["oldest_pending_seconds"] >= 90
        assert rule["fired"] >= 2
    assert max(oldest_pending_metric(stack)) >= 90  # what the backlog alarm watches

    # The queue is back. The sweeper publishes everything still pending; then the stream relay, retried from
    # its first failed record, publishes the same events again: consumers must make one notification of each.
    later(stack, 120)
    again = sweep(stack)
    assert again["published"] >= 1 and again["failed"] == 0 and again["oldest_pending_seconds"] >= 90
    assert relay_outbox(stack) >= again["published"]
    settle(stack)
    seller, buyer = received(world)
    assert seller == EXPECTED_SELLER
    assert buyer == EXPECTED_BUYER
    assert sweep(stack)["published"] == 0  # nothing left pending
    assert oldest_pending_metric(stack)[-1:] != []

    # stock: 100 each; scarf: cod 2 (1 returned) + transfer 1 (+ the cancelled 4 back); cap: card 3
    assert world.stocks() == (100 - 2 + 1 - 1, 100 - 3)


def test_a_published_but_unmarked_event_is_published_again_and_still_notifies_once(api, stack, factory, faults):
    world = Marketplace(api, factory, stack)
    order = buy(api, world.buyer, {world.scarf["product_id"]: 1})[0]
    with faults.failing("dynamodb", "UpdateItem", client_error("ThrottlingException", "UpdateItem")):
        records = drain_order_events(stack)  # published; marking it published fails
    assert any(json.loads(r["body"]).get("order_id") == order["order_id"] for r in records)
    later(stack, 120)
    assert sweep(stack)["published"] >= 1  # so the sweeper publishes it again
    from chalicelib.events.order_events import handle_records

    assert handle_records(records)["batchItemFailures"] == []
    settle(stack)
    created = [n for n in notifications(api, world.seller) if n["order_id"] == order["order_id"]]
    assert [n["type"] for n in created] == ["order.created"]


WRITES_UNDER_THROTTLING = ["ship", "deliver", "mark-paid", "return", "receive", "cancel", "suspend"]


@pytest.mark.parametrize("route", WRITES_UNDER_THROTTLING)
def test_a_throttled_write_is_503_changes_nothing_and_applies_once_when_retried(api, stack, factory, faults, route):
    world = Marketplace(api, factory, stack)
    cod = buy(api, world.buyer, {world.scarf["product_id"]: 2})[0]
    ship = {"carrier": "SF", "tracking_number": "SF1"}
    steps = {"ship": [], "deliver": ["ship"], "mark-paid": [], "return": ["ship", "deliver"]}
    steps.update(receive=["ship", "deliver", "return"], cancel=[], suspend=[])
    return_id = None
    for step in steps[route]:
        if step == "return":
            line = cod["lines"][0]
            body = {"lines": [{"line_id": line["line_id"], "quantity": 1}]}
            return_id = api.post(f"/v1/orders/{cod['order_id']}/returns", body, token=world.buyer).json["return_id"]
        else:
            assert api.post(world.path(cod, f"/{step}"), ship if step == "ship" else None, token=world.seller).status
    calls = {
        "ship": lambda: api.post(world.path(cod, "/ship"), ship, token=world.seller),
        "deliver": lambda: api.post(world.path(cod, "/deliver"), token=world.seller),
        "mark-paid": lambda: api.post(world.path(cod, "/mark-paid"), token=world.seller),
        "return": lambda: api.post(
            f"/v1/orders/{cod['order_id']}/returns",
            {"lines": [{"line_id": cod["lines"][0]["line_id"], "quantity": 1}]},
            token=world.buyer,
        ),
        "receive": lambda: api.post(
            f"/v1/shops/{world.shop['shop_id']}/returns/{return_id}/receive", token=world.seller
        ),
        "cancel": lambda: api.post(f"/v1/orders/{cod['order_id']}/cancel", token=world.buyer),
        "suspend": lambda: api.post(f"/v1/admin/shops/{world.shop['shop_id']}/suspend", token=world.operator),
    }
    relay_outbox(stack)
    storage = Storage(stack)
    before = storage.snapshot()
    throttled = client_error("ProvisionedThroughputExceededException", "TransactWriteItems")
    with faults.failing("dynamodb", "TransactWriteItems", throttled) as rule:
        reply = calls[route]()
    assert rule["fired"] >= 1
    error = assert_api_error(reply, 503, "service_unavailable")
    assert error and int(reply.headers["retry-after"]) >= 1
    assert storage.snapshot() == before, f"{route}: something was written"
    assert calls[route]().status in (200, 201)
    scarf_stock = stock_of(api, world.seller, world.scarf)
    expected = {"cancel": 100, "receive": 99}.get(route, 98)
    assert scarf_stock == expected


# --- the payment provider ---------------------------------------------------------------------------------


def provider_refunds(stack, payment_id: str) -> list[str]:
    return stack.card_provider.payments[payment_id]["refunds"]


def test_a_failing_refund_is_retried_by_its_job_until_the_provider_takes_it_and_happens_once(api, stack, factory):
    from chalicelib.events.order_events import retry_due_refunds as retry_refunds

    world = Marketplace(api, factory, stack)
    order = buy(api, world.buyer, {world.cap["product_id"]: 2}, payment="card")[0]
    assert world.webhook(order) == 1
    paid = api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json
    assert paid["status"] == "paid"
    payment_id = next(p for p, v in stack.card_provider.payments.items() if v["order_id"] == order["order_id"])

    stack.card_provider.fail_refunds(100)  # the provider is down for refunds
    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=world.buyer)
    assert cancelled.status == 200, cancelled
    assert cancelled.json["refunds"][0]["status"] == "pending"
    settle(stack)  # the consumer tries at once, and fails (the adapter retried 3 times)
    assert provider_refunds(stack, payment_id) == []
    view = api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json
    assert view["refunds"][0]["status"] == "pending" and view["refunds"][0]["refund_id"] is None

    later(stack, 30)
    assert retry_refunds()["done"] == 0  # not due yet (the first retry waits a minute)
    later(stack, 60)
    assert retry_refunds()["done"] == 0  # due, tried, still failing: the next try waits longer
    assert provider_refunds(stack, payment_id) == []

    stack.card_provider.fail_refunds(0)  # the provider is back
    later(stack, 600)
    assert retry_refunds()["done"] == 1
    assert retry_refunds()["done"] == 0  # nothing is refunded twice
    settle(stack)
    (refund_id,) = provider_refunds(stack, payment_id)
    view = api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json
    assert view["refunds"][0] | {"at": None} == {
        "return_id": "cancellation",
        "amount": order["total"],
        "at": None,
        "status": "issued",
        "refund_id": refund_id,
    }
    assert view["timeline"][-1]["action"] == "refund_issued" and refund_id in view["timeline"][-1]["note"]
    assert [n["type"] for n in notifications(api, world.buyer) if n["order_id"] == order["order_id"]] == [
        "order.refund_issued"
    ]


def test_the_same_refund_asked_twice_is_one_refund_at_the_provider(api, stack, factory):
    """The key (`Refund.idempotency_key`) makes a retry after a lost answer safe."""
    world = Marketplace(api, factory, stack)
    order = buy(api, world.buyer, {world.cap["product_id"]: 1}, payment="card")[0]
    world.webhook(order)
    payment_id = next(p for p, v in stack.card_provider.payments.items() if v["order_id"] == order["order_id"])
    first = stack.payments.refund(payment_id, 4500, "CNY", "refund:test:1")
    second = stack.payments.refund(payment_id, 4500, "CNY", "refund:test:1")
    assert first == second and provider_refunds(stack, payment_id) == [first]


@pytest.mark.parametrize("how", ["cancelled by the buyer", "expired unpaid"])
def test_a_card_payment_for_a_cancelled_order_is_kept_on_record_and_refunded_in_full(api, stack, factory, how):
    from chalicelib.events.order_events import expire_due

    world = Marketplace(api, factory, stack)
    order = buy(api, world.buyer, {world.cap["product_id"]: 2}, payment="card")[0]
    assert order["payment_due_by"]
    if how == "expired unpaid":
        later(stack, 31 * 60)
        assert expire_due()["done"] == 1
    else:
        assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=world.buyer).status == 200
    stack.clock = lambda: format_time(dt.datetime.now(dt.UTC))  # the payment arrives now (signatures are real time)
    settle(stack)
    assert stock_of(api, world.other_seller, world.cap) == 100

    assert world.webhook(order) == 1  # the provider is answered 2xx: it stops retrying
    delivered = stack.card_provider.delivered[-1]
    assert delivered.statuses == [200]
    view = api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json
    assert view["status"] == "cancelled" and view["paid_at"] is None
    assert [e["action"] for e in view["timeline"]][-1] == "payment_after_cancellation"

    settle(stack)  # the consumer refunds it through the provider
    payment_id = next(p for p, v in stack.card_provider.payments.items() if v["order_id"] == order["order_id"])
    (refund_id,) = provider_refunds(stack, payment_id)
    assert stack.card_provider.payments[payment_id]["refunded"] == order["total"]["amount"]
    view = api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json
    assert view["timeline"][-1]["action"] == "refund_issued" and refund_id in view["timeline"][-1]["note"]
    assert view["refunded"] == order["total"]
    assert stock_of(api, world.other_seller, world.cap) == 100  # the stock came back once, and stays

    # the provider delivers the same webhook again: nothing changes, no second refund
    stack.card_provider.outbox.append(type(delivered)(delivered.merchant, delivered.body))
    assert stack.card_provider.flush(wait=True, api_key=stack.settings.payment_provider_key) >= 1
    settle(stack)
    assert provider_refunds(stack, payment_id) == [refund_id]
    assert api.get(f"/v1/orders/{order['order_id']}", token=world.buyer).json["version"] == view["version"]


def test_delivery_address_is_never_in_an_event(api, stack, factory):
    world = Marketplace(api, factory, stack)
    buy(api, world.buyer, {world.scarf["product_id"]: 1})
    for record in drain_order_events(stack):
        assert ADDRESS["phone"] not in record["body"] and ADDRESS["name"] not in record["body"]
