"""Issue 12: refunds in roubles add up exactly. An order of the `ru` market returned one unit at a time gets back
exactly its rouble charge through the acquirer's Cancel (the simulator), and the ledger's refund postings say the
same kopecks (domain/markets.charge_refund; the property tests are tests/integration/test_ru_refund_properties.py)."""

from __future__ import annotations

import pytest

from chalicelib.events.order_events import compensate_promises
from tests.api.test_coupons import checkout
from tests.api.test_delivery_promise import ZONES, move_clock, paid_order
from tests.api.test_markets import ru_world
from tests.api.test_ru_payments import on_hosted_page
from tests.support import connect_ru_acquirer, settle

# 200.00 RUB off three units of 159.99 CNY at 12.8345 (3 x 2053.39 RUB = 6160.17 RUB): 5960.17 RUB charged for
# 464.39 CNY paid (15.58 CNY of coupon). The returns refund 154.80, 154.80 and 154.79 CNY (the coupon's share
# floored); each on its own, half up, was 1986.77 + 1986.77 + 1986.64 = 5960.18 RUB: one kopeck more than the
# buyer paid (the acquirer refuses the last refund). Cumulatively: 1986.77, 3973.53 - 1986.77, 5960.17 - 3973.53.
COUPON = 20_000
CHARGE = 3 * 205_339 - COUPON


@pytest.fixture
def world(api, factory, stack):
    w = ru_world(api, factory, stack)
    connect_ru_acquirer(stack, api)
    assert api.put("/v1/admin/markets/ru/zones", ZONES, token=factory.operator).status == 200
    reply = api.put("/v1/admin/markets/ru/compensation", {"type": "coupon", "value": COUPON}, token=factory.operator)
    assert reply.status == 200, reply
    return w


def test_three_units_returned_one_by_one_give_back_exactly_the_rouble_charge(api, stack, factory, world):
    buyer = factory.user("buyer")
    paid_order(api, stack, buyer, world["sold"]["product_id"])
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1  # the missed promise's coupon: 200.00 RUB
    (coupon,) = api.get("/v1/me/coupons", token=buyer).json["items"]
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"], quantity=3)
    assert placed.status == 201, placed
    assert placed.json["charged"] == {"amount": CHARGE, "currency": "RUB"}
    order, payment = placed.json["orders"][0], placed.json["payments"][0]
    on_hosted_page(payment["payment_url"], "pay")
    stack.ru_acquirer_sim.flush()
    sim = stack.ru_acquirer_sim.payments[payment["payment_id"]]
    assert sim["Amount"] == CHARGE
    shop, seller = world["shop"]["shop_id"], world["seller"]
    base = f"/v1/shops/{shop}/orders/{order['order_id']}"
    shipped = api.post(f"{base}/ship", {"carrier": "Почта России", "tracking_number": "RA1"}, token=seller)
    assert shipped.status == 200, shipped
    assert api.post(f"{base}/deliver", token=seller).status == 200

    line_id = order["lines"][0]["line_id"]
    refunded_so_far, return_ids = [], []
    for _ in range(3):
        ret = api.post(
            f"/v1/orders/{order['order_id']}/returns", {"lines": [{"line_id": line_id, "quantity": 1}]}, token=buyer
        )
        assert ret.status == 201, ret
        received = api.post(f"/v1/shops/{shop}/returns/{ret.json['return_id']}/receive", token=seller)
        assert received.status == 200, received
        settle(stack)  # the order-events consumer sends the refund to the acquirer's Cancel
        return_ids.append(ret.json["return_id"])
        refunded_so_far.append(sim["Refunded"])

    mine = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    kopecks = [r["charged"]["amount"] for r in mine["refunds"]]
    assert all(r["status"] == "issued" and r["charged"]["currency"] == "RUB" for r in mine["refunds"])
    assert kopecks == [198677, 198676, 198664] and sum(kopecks) == CHARGE
    assert refunded_so_far == [sum(kopecks[:1]), sum(kopecks[:2]), CHARGE]  # never more than charged on the way
    assert sim["Refunded"] == CHARGE and sim["Status"] == "REFUNDED"  # exactly what the buyer paid
    assert mine["market"]["refunded"] == {"amount": CHARGE, "currency": "RUB"}
    assert mine["refunded"]["amount"] == order["total"]["amount"] - mine["coupon"]["base_amount"]["amount"]
    in_ledger = [
        stack.ledger.get_posting(f"order-refunded:{order['order_id']}:{return_id}").posting.refs
        for return_id in return_ids
    ]
    assert [int(refs["charge_amount"]) for refs in in_ledger] == kopecks  # the ledger says what the acquirer did
    assert {refs["charge_currency"] for refs in in_ledger} == {"RUB"}
    settle(stack)
    assert sim["Refunded"] == CHARGE  # asked once each, refunded once each
