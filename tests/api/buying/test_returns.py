"""Returns within the storefront's 7-day window, and refunds when the seller receives the goods.

Time is moved by replacing the container's clock. One moto world per module: every test makes its own users,
shops and orders.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import Storage, assert_api_error, buy, stock_of


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


DELIVERED_AT = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def set_time(stack, **after_delivery):
    stack.clock = lambda: iso(DELIVERED_AT + dt.timedelta(**after_delivery))


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "CNY"}


class Sale:
    """A seller's shop, products and one order of them, taken as far as `status`."""

    def __init__(self, api, stack, factory, lines=(3,), status="delivered", payment="bank_transfer", seller=None):
        self.api, self.stack = api, stack
        self.seller = seller or factory.user("seller")
        self.shop = factory.shop(self.seller, "handicrafts")
        self.products = [
            factory.product(self.seller, self.shop, title=f"Item {i}", stock=10) for i in range(len(lines))
        ]
        self.buyer = factory.user("buyer")
        quantities = {p["product_id"]: q for p, q in zip(self.products, lines, strict=True)}
        (self.order,) = buy(api, self.buyer, quantities, payment=payment)
        base = f"/v1/shops/{self.shop['shop_id']}/orders/{self.order['order_id']}"
        steps = {
            "pending_payment": [],
            "paid": ["mark-paid"],
            "shipped": ["mark-paid", "ship"],
            "delivered": ["mark-paid", "ship", "deliver"],
        }
        if status == "cancelled":
            assert api.post(f"/v1/orders/{self.order['order_id']}/cancel", token=self.buyer).status == 200
        for step in steps.get(status, []):
            body = {"carrier": "SF", "tracking_number": "SF1"} if step == "ship" else None
            if step == "deliver":
                set_time(stack)
            reply = api.post(f"{base}/{step}", body, token=self.seller)
            assert reply.status == 200, reply
        self.order = self.view()

    def line(self, i=0) -> str:
        return self.order["lines"][i]["line_id"]

    def view(self) -> dict:
        reply = self.api.get(f"/v1/orders/{self.order['order_id']}", token=self.buyer)
        assert reply.status == 200, reply
        return reply.json

    def ask(self, *lines, reason=None, token=None):
        body = {"lines": [{"line_id": line_id, "quantity": q} for line_id, q in lines]}
        if reason is not None:
            body["reason"] = reason
        return self.api.post(f"/v1/orders/{self.order['order_id']}/returns", body, token=token or self.buyer)

    def returns(self) -> list[dict]:
        reply = self.api.get(f"/v1/shops/{self.shop['shop_id']}/returns?limit=100", token=self.seller)
        assert reply.status == 200, reply
        return reply.json["items"]

    def receive(self, return_id):
        return self.api.post(f"/v1/shops/{self.shop['shop_id']}/returns/{return_id}/receive", token=self.seller)

    def stock(self, i=0) -> int:
        return stock_of(self.api, self.seller, self.products[i])


@pytest.fixture
def sale(api, stack, factory) -> Sale:
    return Sale(api, stack, factory)


# --- asking for a return ---------------------------------------------------------------------------------------


def test_a_return_within_seven_days_of_delivery_is_201(stack, sale):
    assert sale.order["delivered_at"] == iso(DELIVERED_AT)
    assert sale.order["return_window_closes"] == iso(DELIVERED_AT + dt.timedelta(days=7))
    set_time(stack, days=6)
    reply = sale.ask((sale.line(), 1), reason="Too small")
    assert reply.status == 201, reply
    ret = reply.json
    assert ret["return_id"]
    assert ret["order_id"] == sale.order["order_id"] and ret["shop_id"] == sale.shop["shop_id"]
    assert ret["status"] == "requested" and ret["reason"] == "Too small"
    assert ret["lines"] == [
        {
            "line_id": sale.line(),
            "product_id": sale.products[0]["product_id"],
            "quantity": 1,
            "refund": money(15900),
        }
    ]
    assert ret["refund"] == money(15900)
    assert ret["created_at"] == ret["updated_at"] == iso(DELIVERED_AT + dt.timedelta(days=6))

    order = sale.view()
    assert order["status"] == "delivered"
    assert order["lines"][0]["returned_quantity"] == 1
    assert order["refunded"] == money(0)  # not until the seller has the goods back
    last = order["timeline"][-1]
    assert (last["actor"], last["action"], last["note"]) == ("buyer", "return_requested", ret["return_id"])
    assert sale.stock() == 7  # nor is the stock back yet


def test_no_reason_is_needed(stack, sale):
    set_time(stack, hours=1)
    reply = sale.ask((sale.line(), 3))
    assert reply.status == 201 and reply.json["reason"] is None, reply


@pytest.mark.parametrize(
    ("after", "status"),
    [
        ({"days": 7, "milliseconds": -1}, 201),
        ({"days": 7}, 201),
        ({"days": 7, "milliseconds": 1}, 409),
        ({"days": 8}, 409),
        ({"days": 30}, 409),
    ],
    ids=["last-moment", "exactly-7-days", "just-after", "8-days", "30-days"],
)
def test_the_return_window_is_seven_days_from_delivery(stack, sale, after, status):
    set_time(stack, **after)
    before = sale.view()
    reply = sale.ask((sale.line(), 1))
    if status == 201:
        assert reply.status == 201, reply
    else:
        assert_api_error(reply, 409, "return_window_closed")
        assert sale.view() == before
        assert sale.returns() == []


def test_no_more_than_was_bought_can_be_returned_even_across_returns(stack, sale):
    set_time(stack, days=1)
    assert_api_error(sale.ask((sale.line(), 4)), 409, "return_exceeds_purchase")
    assert_api_error(sale.ask((sale.line(), 2), (sale.line(), 2)), 409, "return_exceeds_purchase")  # summed
    assert sale.ask((sale.line(), 2)).status == 201
    before = sale.view()
    assert_api_error(sale.ask((sale.line(), 2)), 409, "return_exceeds_purchase")
    assert sale.view() == before
    assert sale.ask((sale.line(), 1)).status == 201
    assert_api_error(sale.ask((sale.line(), 1)), 409, "return_exceeds_purchase")
    assert sale.view()["lines"][0]["returned_quantity"] == 3
    assert len(sale.returns()) == 2


def test_a_return_that_is_refused_for_one_line_records_nothing_for_the_others(api, stack, factory):
    sale = Sale(api, stack, factory, lines=(2, 1))
    set_time(stack, days=1)
    before = sale.view()
    assert_api_error(sale.ask((sale.line(0), 1), (sale.line(1), 2)), 409, "return_exceeds_purchase")
    assert sale.view() == before and sale.returns() == []
    reply = sale.ask((sale.line(0), 2), (sale.line(1), 1))
    assert reply.status == 201, reply
    assert reply.json["refund"] == money(3 * 15900)


def test_an_unknown_line_is_409(api, stack, factory, sale):
    set_time(stack, days=1)
    other = buy(api, sale.buyer, {sale.products[0]["product_id"]: 1})[0]  # the same buyer's other order
    for line_id in ("nope", other["lines"][0]["line_id"]):
        assert_api_error(sale.ask((line_id, 1)), 409, "unknown_line")
    assert_api_error(sale.ask((sale.line(), 1), ("nope", 1)), 409, "unknown_line")
    assert sale.returns() == [] and sale.view()["lines"][0]["returned_quantity"] == 0


@pytest.mark.parametrize("status", ["pending_payment", "paid", "shipped", "cancelled"])
def test_an_order_that_was_not_delivered_cannot_be_returned(api, stack, factory, status):
    sale = Sale(api, stack, factory, status=status)
    before = sale.view()
    assert_api_error(sale.ask((sale.line(), 1)), 409, "not_delivered")
    assert sale.view() == before and sale.returns() == []


def test_an_unpaid_cash_on_delivery_order_that_was_delivered_can_be_returned(api, stack, factory):
    seller = factory.user("seller")
    sale = Sale(api, stack, factory, status="pending_payment", payment="cash_on_delivery", seller=seller)
    base = f"/v1/shops/{sale.shop['shop_id']}/orders/{sale.order['order_id']}"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=seller).status == 200
    set_time(stack)
    assert api.post(f"{base}/deliver", token=seller).status == 200
    set_time(stack, days=2)
    assert sale.ask((sale.line(), 1)).status == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"lines": [{"line_id": "x"}]},
        {"lines": [{"quantity": 1}]},
        {"lines": [{"line_id": "x", "quantity": 0}]},
        {"lines": [{"line_id": "x", "quantity": -1}]},
        {"lines": [{"line_id": "x", "quantity": "1"}]},
        {"lines": [{"line_id": "x", "quantity": 1, "refund": 999}]},
        {"lines": [{"line_id": "x", "quantity": 1}], "reason": "x" * 501},
        {"lines": [{"line_id": "x", "quantity": 1}], "refund": 100},
        {"lines": [{"line_id": "x", "quantity": 1}] * 41},
    ],
    ids=[
        "empty",
        "no-lines",
        "no-quantity",
        "no-line-id",
        "zero",
        "negative",
        "string",
        "extra-line-field",
        "long-reason",
        "extra-field",
        "41-lines",
    ],
)
def test_a_bad_return_request_is_400(api, stack, sale, body):
    set_time(stack, days=1)
    if "lines" in body:  # name the order's real line wherever a line id is given
        body = {
            **body,
            "lines": [{**line, "line_id": sale.line()} if "line_id" in line else line for line in body["lines"]],
        }
    before = sale.view()
    assert_api_error(api.post(f"/v1/orders/{sale.order['order_id']}/returns", body, token=sale.buyer), 400)
    assert sale.view() == before


# --- the seller receives the goods ---------------------------------------------------------------------------


def test_the_seller_lists_returns_and_receiving_one_refunds_the_buyer_and_restores_stock(api, stack, factory):
    sale = Sale(api, stack, factory, lines=(3, 2))
    bystander = Sale(api, stack, factory)  # another shop's return is not listed
    set_time(stack, days=1)
    assert bystander.ask((bystander.line(), 1)).status == 201
    first = sale.ask((sale.line(0), 1), reason="Colour").json
    set_time(stack, days=2)
    second = sale.ask((sale.line(0), 1), (sale.line(1), 2)).json

    listed = sale.returns()
    assert [r["return_id"] for r in listed] == [second["return_id"], first["return_id"]]  # newest first
    assert listed[1] == first
    assert (sale.stock(0), sale.stock(1)) == (7, 8)

    set_time(stack, days=3)
    received = sale.receive(second["return_id"])
    assert received.status == 200, received
    assert received.json["status"] == "received"
    assert received.json["updated_at"] == iso(DELIVERED_AT + dt.timedelta(days=3))
    assert received.json["refund"] == money(15900 + 2 * 15900)
    assert (sale.stock(0), sale.stock(1)) == (8, 10)

    order = sale.view()
    assert order["refunded"] == money(3 * 15900)
    assert order["refunds"] == [
        {
            "return_id": second["return_id"],
            "amount": money(3 * 15900),
            "at": iso(DELIVERED_AT + dt.timedelta(days=3)),
            "status": "recorded",  # a bank transfer: the seller sends it back (card money goes via the provider)
            "refund_id": None,
        }
    ]
    last = order["timeline"][-1]
    assert (last["actor"], last["action"], last["note"]) == ("seller", "refunded", second["return_id"])
    seller_side = api.get(f"/v1/shops/{sale.shop['shop_id']}/orders/{sale.order['order_id']}", token=sale.seller)
    assert seller_side.json["refunded"] == money(3 * 15900)
    assert {r["return_id"]: r["status"] for r in sale.returns()} == {
        first["return_id"]: "requested",
        second["return_id"]: "received",
    }

    # Receiving it again is refused and changes nothing.
    storage = Storage(stack)
    before = storage.snapshot()
    assert_api_error(sale.receive(second["return_id"]), 409, "illegal_return_transition")
    assert storage.snapshot() == before
    assert (sale.stock(0), sale.stock(1)) == (8, 10)

    assert sale.receive(first["return_id"]).status == 200
    order = sale.view()
    assert order["refunded"] == money(4 * 15900)
    assert [r["return_id"] for r in order["refunds"]] == [second["return_id"], first["return_id"]]
    assert sale.stock(0) == 9


def test_an_unknown_return_is_404(sale):
    assert_api_error(sale.receive("ret_doesnotexist"), 404, "return_not_found")


def test_a_return_is_received_only_under_its_own_shop_even_by_a_seller_owning_both(api, stack, factory):
    sale = Sale(api, stack, factory)
    own_other_shop = factory.shop(sale.seller, "handicrafts")
    set_time(stack, days=1)
    ret = sale.ask((sale.line(), 1)).json
    reply = api.post(f"/v1/shops/{own_other_shop['shop_id']}/returns/{ret['return_id']}/receive", token=sale.seller)
    assert_api_error(reply, 404, "return_not_found")
    assert sale.view()["refunded"] == money(0) and sale.stock() == 7
