"""Issue 9, "bounded items and clean-up": returns are their own items and an order keeps only the newest of its
history (the rest is one item per entry, paged by GET .../timeline); only money received is refunded; a
conflict nobody asked to detect is 409 (or applied anyway), 412 only for a stale If-Match; lapsed idempotency
claims, idle carts and old notifications are treated as gone whether or not TTL has deleted them yet.

One moto world per module (tests/api/buying/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from chalicelib.domain.orders import REFUNDS_ON_ORDER, TIMELINE_ON_ORDER, format_time, parse_time
from tests.support import assert_api_error, buy, checkout, drain_order_events, settle, stock_of


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


def move(stack, **delta) -> str:
    moment = format_time(parse_time(stack.clock()) + dt.timedelta(**delta))
    stack.clock = lambda: moment
    return moment


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "CNY"}


class Delivered:
    """A delivered order of `units` units of one product."""

    def __init__(self, api, factory, units: int, *, payment="bank_transfer", paid=True, stock=None) -> None:
        self.api = api
        self.seller, self.buyer = factory.user("seller"), factory.user("buyer")
        self.shop = factory.shop(self.seller, "handicrafts")
        self.product = factory.product(self.seller, self.shop, stock=stock or units)
        (self.order,) = buy(api, self.buyer, {self.product["product_id"]: units}, payment=payment)
        self.base = f"/v1/shops/{self.shop['shop_id']}/orders/{self.order['order_id']}"
        if paid:
            assert api.post(f"{self.base}/mark-paid", token=self.seller).status == 200
        assert api.post(f"{self.base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=self.seller).status
        assert api.post(f"{self.base}/deliver", token=self.seller).status == 200

    @property
    def line_id(self) -> str:
        return self.order["lines"][0]["line_id"]

    def ask(self, quantity: int = 1, headers: dict | None = None):
        body = {"lines": [{"line_id": self.line_id, "quantity": quantity}]}
        return self.api.post(f"/v1/orders/{self.order['order_id']}/returns", body, token=self.buyer, headers=headers)

    def receive(self, return_id: str, headers: dict | None = None):
        path = f"/v1/shops/{self.shop['shop_id']}/returns/{return_id}/receive"
        return self.api.post(path, token=self.seller, headers=headers)

    def view(self) -> dict:
        reply = self.api.get(f"/v1/orders/{self.order['order_id']}", token=self.buyer)
        assert reply.status == 200, reply
        return reply.json

    def timeline(self, token=None, path=None, limit=50) -> list[dict]:
        path = path or f"/v1/orders/{self.order['order_id']}/timeline"
        entries, cursor = [], None
        while True:
            reply = self.api.get(f"{path}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), token=token)
            assert reply.status == 200, reply
            entries += reply.json["items"]
            cursor = reply.json["next_cursor"]
            if not cursor:
                return entries


# --- returns as their own items; a bounded order ------------------------------------------------------------


def test_200_one_unit_returns_on_a_200_unit_order_all_go_through_and_the_order_stays_bounded(api, stack, factory):
    sale = Delivered(api, factory, 200, stock=1000)
    returns = []
    for _ in range(200):
        reply = sale.ask(1)
        assert reply.status == 201, reply
        returns.append(reply.json["return_id"])
    assert_api_error(sale.ask(1), 409, "return_exceeds_purchase")
    for return_id in returns:
        reply = sale.receive(return_id)
        assert reply.status == 200, reply
        assert reply.json["outcome"] == "refunded" and reply.json["refunded"] == money(15900)

    order = sale.view()
    assert order["lines"][0]["returned_quantity"] == 200
    assert order["refunded"] == money(200 * 15900)
    assert len(order["timeline"]) == TIMELINE_ON_ORDER and len(order["refunds"]) == REFUNDS_ON_ORDER
    assert order["timeline_total"] == 4 + 200 + 200  # placed, paid, shipped, delivered; asked; refunded
    assert stock_of(api, sale.seller, sale.product) == 1000

    stored = stack.buying._client.get_item(
        TableName=stack.settings.orders_table, Key={"order_id": {"S": sale.order["order_id"]}}
    )["Item"]
    assert len(json.dumps(stored)) < 20_000  # bounded however many returns: far below DynamoDB's 400 KB

    # The whole history pages from the order (newest) into its own items (older), with nothing lost or repeated.
    for token, path in (
        (sale.buyer, None),
        (sale.seller, f"{sale.base}/timeline"),
    ):
        history = sale.timeline(token, path)
        assert [e["seq"] for e in history] == list(range(404, 0, -1))
        assert history[-1]["action"] == "placed" and history[0] == order["timeline"][-1]
    assert sum(1 for e in sale.timeline(sale.buyer) if e["action"] == "refunded") == 200
    listed = api.get(f"/v1/shops/{sale.shop['shop_id']}/returns?limit=100", token=sale.seller).json
    assert len(listed["items"]) == 100 and listed["next_cursor"]


def test_another_buyer_cannot_page_an_orders_history(api, factory):
    sale = Delivered(api, factory, 30, stock=200)
    for _ in range(25):
        assert sale.ask(1).status == 201
    mine = api.get(f"/v1/orders/{sale.order['order_id']}/timeline?limit=20", token=sale.buyer).json
    assert mine["next_cursor"]
    stranger = factory.user("buyer")
    assert_api_error(api.get(f"/v1/orders/{sale.order['order_id']}/timeline", token=stranger), 404)
    cursor = f"&cursor={mine['next_cursor']}"
    assert_api_error(
        api.get(f"/v1/orders/{sale.order['order_id']}/timeline?limit=20{cursor}", token=stranger), 400
    )  # a cursor is bound to its caller


# --- only money received is refunded -----------------------------------------------------------------------


def test_a_cash_on_delivery_order_returned_unpaid_gets_its_goods_back_and_nothing_refunded(api, stack, factory):
    sale = Delivered(api, factory, 3, payment="cash_on_delivery", paid=False)
    ret = sale.ask(2).json
    assert ret["outcome"] == "awaiting_goods" and ret["refunded"] is None
    assert ret["refund"] == money(0) and ret["goods_value"] == money(2 * 15900)  # nothing was paid to give back
    received = sale.receive(ret["return_id"])
    assert received.status == 200, received
    assert received.json["outcome"] == "nothing_to_refund"
    assert received.json["refunded"] == money(0) and received.json["refund"] == money(0)
    assert received.json["goods_value"] == money(2 * 15900)
    order = sale.view()
    assert order["refunded"] == money(0) and order["refunds"] == []
    last = order["timeline"][-1]
    assert (last["action"], last["note"]) == (
        "returned_nothing_to_refund",
        f"{ret['return_id']}: goods back, nothing to refund",
    )
    assert stock_of(api, sale.seller, sale.product) == 2  # the goods are back on sale
    settle(stack)
    messages = api.get("/v1/me/notifications", token=sale.buyer).json["items"]
    assert [n["type"] for n in messages if n["order_id"] == sale.order["order_id"]][0] == "order.returned"


def test_a_refund_never_exceeds_what_was_received(api, factory):
    """Paid cash on delivery: each return refunds its lines' value, and the total stops at what was paid."""
    sale = Delivered(api, factory, 2, payment="cash_on_delivery", paid=False)
    assert api.post(f"{sale.base}/mark-paid", token=sale.seller).status == 200
    first, second = sale.ask(1).json, sale.ask(1).json
    assert sale.receive(first["return_id"]).json["refunded"] == money(15900)
    assert sale.receive(second["return_id"]).json["refunded"] == money(15900)
    assert sale.view()["refunded"] == money(2 * 15900) == sale.order["total"]


# --- 409, not 412, unless the caller sent If-Match ------------------------------------------------------------


@pytest.fixture
def meanwhile(stack):
    """Runs a callback right after a service read the order (once): a concurrent change, made deterministic."""
    repo, original, hooks = stack.buying, stack.buying.get_order, []

    def get_order(order_id):
        order = original(order_id)
        if hooks:
            hooks.pop(0)()
        return order

    repo.get_order = get_order
    yield hooks.append
    repo.get_order = original


def test_a_second_cancel_racing_the_first_is_409_not_412(api, stack, factory, meanwhile):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=10)
    (order,) = buy(api, buyer, {product["product_id"]: 2})
    path = f"/v1/orders/{order['order_id']}/cancel"
    meanwhile(lambda: api.post(path, token=buyer))  # the other tab cancels first
    assert_api_error(api.post(path, token=buyer), 409, "illegal_order_transition")
    assert stock_of(api, seller, product) == 10  # restored once


def test_two_returns_racing_both_go_through_without_if_match(api, factory, meanwhile):
    sale = Delivered(api, factory, 4)
    meanwhile(lambda: sale.ask(1))
    second = sale.ask(1)
    assert second.status == 201, second  # computed again on the order as it now is
    assert sale.view()["lines"][0]["returned_quantity"] == 2


def test_a_receipt_racing_another_receipt_is_409(api, factory, meanwhile):
    sale = Delivered(api, factory, 2)
    ret = sale.ask(1).json
    meanwhile(lambda: sale.receive(ret["return_id"]))
    assert_api_error(sale.receive(ret["return_id"]), 409, "illegal_return_transition")
    assert sale.view()["refunded"] == money(15900)


def test_a_stale_if_match_is_412_and_changes_nothing(api, factory):
    sale = Delivered(api, factory, 3)
    version = sale.view()["version"]
    assert api.get(f"/v1/orders/{sale.order['order_id']}", token=sale.buyer).headers["etag"] == f'"{version}"'
    assert sale.ask(1, headers={"If-Match": f'"{version}"'}).status == 201  # current: applied
    assert_api_error(sale.ask(1, headers={"If-Match": f'"{version}"'}), 412, "stale_order")
    assert sale.view()["lines"][0]["returned_quantity"] == 1
    ret = sale.ask(1).json
    assert_api_error(sale.receive(ret["return_id"], headers={"If-Match": '"7"'}), 412, "stale_return")
    assert sale.receive(ret["return_id"], headers={"If-Match": f'"{ret["version"]}"'}).status == 200


def test_a_change_that_keeps_losing_its_race_is_a_409_to_retry(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    shop = factory.shop(seller)
    (order,) = buy(api, buyer, {factory.product(seller, shop, stock=5)["product_id"]: 1})
    from chalicelib.domain.errors import PreconditionFailed

    repo, original = stack.buying, stack.buying.save_order

    def always_stale(*args, **kwargs):
        raise PreconditionFailed("injected", code="stale_order")

    repo.save_order = always_stale
    try:
        reply = api.post(
            f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/ship",
            {"carrier": "SF", "tracking_number": "SF1"},
            token=seller,
        )
    finally:
        repo.save_order = original
    assert_api_error(reply, 409, "order_busy")


# --- TTL: lapsed items count as gone, whether or not DynamoDB has deleted them -----------------------------------


def test_an_idempotency_key_is_remembered_for_24_hours_after_its_checkout(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=10)
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    first = checkout(api, buyer, key="daily-order")
    assert first.status == 201
    move(stack, hours=23)
    assert checkout(api, buyer, key="daily-order").status == 200  # a replay
    move(stack, hours=2)
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    again = checkout(api, buyer, key="daily-order")  # the claim lapsed (TTL may not have run): a new checkout
    assert again.status == 201 and again.json["checkout_id"] != first.json["checkout_id"]


def test_an_idle_cart_empties_after_90_days(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=10)
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    move(stack, days=89)
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1
    move(stack, days=2)
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 0
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2}, token=buyer).json["line_count"] == 1


def test_notifications_older_than_180_days_are_not_listed(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=10)
    (order,) = buy(api, buyer, {product["product_id"]: 1})
    settle(stack)

    def listed():
        return [
            n for n in api.get("/v1/me/notifications", token=seller).json["items"] if n["order_id"] == order["order_id"]
        ]

    assert len(listed()) == 1
    move(stack, days=179)
    assert len(listed()) == 1
    move(stack, days=2)
    assert listed() == []


def test_ttl_attributes_are_written_on_the_items_that_lapse(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=10)
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    client = stack.buying._client
    cart = client.get_item(TableName=stack.settings.carts_table, Key={"buyer_id": {"S": buyer_id}})["Item"]
    now = parse_time(stack.clock()).timestamp()
    assert abs(int(cart["expires_at"]["N"]) - (now + 90 * 86400)) < 120
    checkout(api, buyer, key="ttl-claim")
    claim = client.get_item(
        TableName=stack.settings.uniques_table, Key={"key": {"S": f"checkout#{buyer_id}#ttl-claim"}}
    )["Item"]
    assert abs(int(claim["expires_at"]["N"]) - (now + 86400)) < 120
    hold = client.get_item(TableName=stack.settings.uniques_table, Key={"key": {"S": f"hold#{buyer_id}"}})["Item"]
    assert "expires_at" not in hold  # the buyer's unpaid holds never lapse
    drain_order_events(stack)
