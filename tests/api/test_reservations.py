"""Issue 9, "reservations expire": unpaid card orders give their stock back after 30 minutes, bank transfers after
72 hours, cash on delivery never; one buyer cannot hold more than the storefront's cap of a product unpaid; the
schedules find due orders through a sharded index, and nothing they skip holds up the rest.

A fresh moto world per test (the schedules act on every due order of the world); time stands still at the
test's start and moves only when a test moves it (the container's clock).
"""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.orders import SCHEDULE_SHARDS, format_time, parse_time, schedule_shard
from chalicelib.events.order_events import complete_due, expire_due
from tests.support import assert_api_error, buy, checkout, settle, stock_of


@pytest.fixture(autouse=True)
def frozen_clock(stack):
    start = stack.clock()
    stack.clock = lambda: start


def move(stack, **delta) -> str:
    moment = format_time(parse_time(stack.clock()) + dt.timedelta(**delta))
    stack.clock = lambda: moment
    return moment


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def shop(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def buyer(factory):
    return factory.user("buyer")


def view(api, buyer, order) -> dict:
    reply = api.get(f"/v1/orders/{order['order_id']}", token=buyer)
    assert reply.status == 200, reply
    return reply.json


def types_for(api, token, order) -> list[str]:
    items = api.get("/v1/me/notifications?limit=100", token=token).json["items"]
    return [n["type"] for n in items if n["order_id"] == order["order_id"]]


# --- expiry ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payment", "window"),
    [("card", dt.timedelta(minutes=30)), ("bank_transfer", dt.timedelta(hours=72))],
)
def test_an_unpaid_order_expires_after_its_payment_window_and_gives_its_stock_back_once(
    api, stack, factory, seller, shop, buyer, payment, window
):
    product = factory.product(seller, shop, stock=10)
    placed_at = stack.clock()
    (order,) = buy(api, buyer, {product["product_id"]: 2}, payment=payment)
    assert order["payment_due_by"] == format_time(parse_time(placed_at) + window)
    assert stock_of(api, seller, product) == 8

    move(stack, seconds=window.total_seconds() - 60)  # a minute early: nothing happens
    assert expire_due()["done"] == 0
    assert view(api, buyer, order)["status"] == "pending_payment"

    move(stack, seconds=120)
    assert expire_due() == {"done": 1, "failed": 0, "queries": SCHEDULE_SHARDS}
    expired = view(api, buyer, order)
    assert expired["status"] == "cancelled" and expired["payment_due_by"] is None
    last = expired["timeline"][-1]
    assert (last["action"], last["actor"], last["actor_id"], last["status"]) == ("expired", "system", None, "cancelled")
    assert stock_of(api, seller, product) == 10

    assert expire_due()["done"] == 0  # it left the schedule: the stock came back exactly once
    assert stock_of(api, seller, product) == 10
    assert_api_error(api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer), 409)
    assert stock_of(api, seller, product) == 10

    settle(stack)
    assert types_for(api, buyer, order) == ["order.expired"]  # the buyer is told
    assert types_for(api, seller, order) == ["order.expired", "order.created"]


def test_cash_on_delivery_never_expires(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    (order,) = buy(api, buyer, {product["product_id"]: 1})
    assert order["payment_due_by"] is None
    move(stack, days=400)
    assert expire_due()["done"] == 0
    assert view(api, buyer, order)["status"] == "pending_payment"
    assert stock_of(api, seller, product) == 9


def test_a_paid_order_never_expires(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    (order,) = buy(api, buyer, {product["product_id"]: 1}, payment="bank_transfer")
    path = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
    paid = api.post(f"{path}/mark-paid", token=seller)
    assert paid.status == 200 and paid.json["payment_due_by"] is None
    move(stack, days=10)
    assert expire_due()["done"] == 0
    assert view(api, buyer, order)["status"] == "paid"


def test_expiry_racing_a_payment_lets_exactly_one_win(api, stack, factory, seller, shop, buyer):
    """The job reads the order from the index; the seller marks it paid meanwhile: the version condition makes
    the expiry re-read it, see it paid, and leave it."""
    product = factory.product(seller, shop, stock=10)
    (order,) = buy(api, buyer, {product["product_id"]: 1}, payment="bank_transfer")
    move(stack, hours=73)
    repo = stack.buying
    original = repo.scheduled_orders

    def pay_meanwhile(*args, **kwargs):
        page = original(*args, **kwargs)
        if page.items:
            path = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/mark-paid"
            assert api.post(path, token=seller).status == 200
            repo.scheduled_orders = original
        return page

    repo.scheduled_orders = pay_meanwhile
    try:
        assert expire_due()["done"] == 0
    finally:
        repo.scheduled_orders = original
    assert view(api, buyer, order)["status"] == "paid"
    assert stock_of(api, seller, product) == 9


def test_expiry_is_spread_over_shards_and_pages_past_an_order_it_cannot_handle(api, stack, factory, seller, shop):
    """No single hot partition: due orders land in SCHEDULE_SHARDS partitions. An order the job fails on is
    counted and passed over; the pages move on, so it never holds up the orders after it."""
    product = factory.product(seller, shop, stock=100)
    orders = []
    for _ in range(6):  # six buyers, so no unpaid-hold cap is in the way
        orders += buy(api, factory.user("buyer"), {product["product_id"]: 1}, payment="card")
    assert len({schedule_shard(o["order_id"]) for o in orders}) > 1
    move(stack, minutes=31)
    poisoned = orders[0]["order_id"]
    repo = stack.buying
    original = repo.save_order

    def refuse_one(order, *args, **kwargs):
        if order.order_id == poisoned:
            from chalicelib.domain.errors import ServiceUnavailable

            raise ServiceUnavailable("injected")
        return original(order, *args, **kwargs)

    repo.save_order = refuse_one
    try:
        result = expire_due()
    finally:
        repo.save_order = original
    assert result["done"] == 5 and result["failed"] == 1
    assert stock_of(api, seller, product) == 99
    assert expire_due()["done"] == 1  # the next run takes it
    assert stock_of(api, seller, product) == 100


# --- the unpaid-hold cap -----------------------------------------------------------------------------------


def test_one_buyer_cannot_hold_more_than_a_fifth_of_the_stock_unpaid(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=50)  # cap: 20 % of the stock, at least 5 units
    (first,) = buy(api, buyer, {product["product_id"]: 8}, payment="bank_transfer")
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 3}, token=buyer).status == 200
    error = assert_api_error(checkout(api, buyer, payment="bank_transfer"), 409, "lines_unavailable")
    assert [d["code"] for d in error["details"]] == ["unpaid_limit"]
    assert "at most 9" in error["details"][0]["message"]  # 20 % of the 42 left, rounded up
    assert stock_of(api, seller, product) == 42

    # another buyer is not held back by the first one's orders
    other = factory.user("buyer")
    assert buy(api, other, {product["product_id"]: 3}, payment="bank_transfer")

    # once the first order is paid it holds nothing: the buyer may buy again
    path = f"/v1/shops/{shop['shop_id']}/orders/{first['order_id']}/mark-paid"
    assert api.post(path, token=seller).status == 200
    assert checkout(api, buyer, payment="bank_transfer").status == 201
    assert stock_of(api, seller, product) == 36


def test_a_cancelled_or_expired_order_gives_its_hold_back(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=20)  # cap 5
    (held,) = buy(api, buyer, {product["product_id"]: 5}, payment="card")
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    assert_api_error(checkout(api, buyer, payment="card"), 409, "lines_unavailable")
    assert api.post(f"/v1/orders/{held['order_id']}/cancel", token=buyer).status == 200
    (again,) = buy(api, buyer, {product["product_id"]: 5}, payment="card")
    move(stack, minutes=31)
    assert expire_due()["done"] == 1
    assert buy(api, buyer, {product["product_id"]: 5}, payment="card")
    assert stock_of(api, seller, product) == 15


def test_the_floor_lets_anyone_hold_a_few_units_of_a_small_listing(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    (order,) = buy(api, buyer, {product["product_id"]: 5})
    assert order["status"] == "pending_payment" and stock_of(api, seller, product) == 0


def test_b2b_lets_a_buyer_hold_one_minimum_lot_whatever_the_stock(api, factory, buyer):
    seller = factory.user("seller")
    shop = factory.shop(seller, "b2b")
    raisins = factory.product(seller, shop, stock=100)  # MOQ 10, multiples of 5
    assert buy(api, buyer, {raisins["product_id"]: 20}, payment="bank_transfer")  # 20 % of 100
    assert api.put(f"/v1/cart/items/{raisins['product_id']}", {"quantity": 10}, token=buyer).status == 200
    error = assert_api_error(checkout(api, buyer, payment="bank_transfer"), 409, "lines_unavailable")
    assert [d["code"] for d in error["details"]] == ["unpaid_limit"]
    other = factory.user("buyer")
    small = factory.product(seller, shop, title="Small lot", stock=20)
    assert buy(api, other, {small["product_id"]: 10}, payment="bank_transfer")  # the MOQ, though 50 % of it


# --- completion on the sharded schedule ---------------------------------------------------------------------


def test_delivered_paid_orders_complete_when_the_return_window_closes_and_unpaid_ones_do_not_block(
    api, stack, factory, seller, shop
):
    product = factory.product(seller, shop, stock=100)
    orders = [buy(api, factory.user("buyer"), {product["product_id"]: 1})[0] for _ in range(4)]
    ship = {"carrier": "SF", "tracking_number": "SF1"}
    for i, order in enumerate(orders):
        path = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
        assert api.post(f"{path}/ship", ship, token=seller).status == 200
        assert api.post(f"{path}/deliver", token=seller).status == 200
        if i:  # the first stays unpaid (cash not yet recorded): it must not hold up the others
            assert api.post(f"{path}/mark-paid", token=seller).status == 200
    move(stack, days=6)
    assert complete_due()["done"] == 0
    move(stack, days=2)
    assert complete_due()["done"] == 3
    statuses = [
        api.get(f"/v1/shops/{shop['shop_id']}/orders/{o['order_id']}", token=seller).json["status"] for o in orders
    ]
    assert statuses == ["delivered", "completed", "completed", "completed"]
    assert complete_due()["done"] == 0
    path = f"/v1/shops/{shop['shop_id']}/orders/{orders[0]['order_id']}"
    assert api.post(f"{path}/mark-paid", token=seller).status == 200  # paid at last: completes on the next run
    assert complete_due()["done"] == 1
