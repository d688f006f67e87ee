"""Returned goods of an order with a platform-funded discount (a coupon, issue 12; points, issue 13): the buyer gets
back what they paid for them and the platform's share of the same goods goes back from the seller to the account
that funded it, in the return's own posting (domain/platform_funding.py). The seller keeps nothing for goods it
took back, and a whole order returned in parts gives back exactly the whole discount."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from chalicelib.domain.ledger import Account
from chalicelib.services import points
from chalicelib.services.payments import sign_webhook
from tests.api.test_coupons import CHARGE, COUPON, checkout, compensated_buyer
from tests.api.test_coupons import world as world  # noqa: F401  (the rouble market with coupon compensation)
from tests.api.test_ru_payments import on_hosted_page
from tests.support import ADDRESS, settle

PRICE = 15999  # the rouble world's product, in CNY


def seller_net(stack, shop_id: str, order_id: str) -> int:
    """What the seller holds for `order_id`: its entries on the shop's pending and available accounts."""
    net = 0
    for purpose in ("pending", "available"):
        page = stack.ledger.entries(Account.shop(shop_id, purpose), "CNY", limit=100)
        net += sum(e.amount for e in page.items if e.refs.get("order_id") == order_id)
    return net


def system_balance(stack, purpose: str) -> int:
    return stack.ledger.balance(Account.platform(purpose), "CNY").amount


def deliver(api, shop_id, seller, order_id):
    base = f"/v1/shops/{shop_id}/orders/{order_id}"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=seller).status == 200
    reply = api.post(f"{base}/deliver", token=seller)
    assert reply.status == 200, reply


def return_and_receive(api, shop_id, seller, buyer, order_id, line_id, quantity) -> dict:
    body = {"lines": [{"line_id": line_id, "quantity": quantity}]}
    asked = api.post(f"/v1/orders/{order_id}/returns", body, token=buyer)
    assert asked.status == 201, asked
    assert asked.json["refund_is_estimate"] is True
    received = api.post(f"/v1/shops/{shop_id}/returns/{asked.json['return_id']}/receive", token=seller)
    assert received.status == 200, received
    # what the buyer was shown when asking is what they got back
    assert received.json["refund"] == received.json["refunded"] == asked.json["refund"]
    assert received.json["refund_is_estimate"] is False
    return received.json


# --- a coupon (roubles) -------------------------------------------------------------------------------------


@pytest.fixture
def coupon_sale(api, stack, factory, world):  # noqa: F811
    """A delivered rouble order of two units paid with a coupon; the promotions account as it was before it."""
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    promotions_before = system_balance(stack, "promotions")
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    (order,) = placed["orders"]
    on_hosted_page(placed["payments"][0]["payment_url"], "pay")
    assert stack.ru_acquirer_sim.flush() == 1
    shop_id = world["shop"]["shop_id"]
    deliver(api, shop_id, world["seller"], order["order_id"])
    return {
        "buyer": buyer,
        "seller": world["seller"],
        "shop_id": shop_id,
        "order": order,
        "base": order["coupon"]["base_amount"]["amount"],
        "payment_id": placed["payments"][0]["payment_id"],
        "promotions_before": promotions_before,
    }


def test_a_coupon_order_returned_whole_leaves_the_seller_nothing_and_the_platform_whole(api, stack, coupon_sale):
    s = coupon_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    assert system_balance(stack, "promotions") == s["promotions_before"] - s["base"]  # the platform paid it in
    assert seller_net(stack, s["shop_id"], order_id) == 2 * PRICE  # the seller holds the full price

    ret = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 2)
    assert ret["refunded"] == {"amount": 2 * PRICE - s["base"], "currency": "CNY"}  # what the buyer paid
    posting = stack.ledger.get_posting(f"order-refunded:{order_id}:{ret['return_id']}")
    assert {e.account: e.amount for e in posting.entries} == {
        f"shop:{s['shop_id']}:pending": -2 * PRICE,
        "external:buyer-payments": 2 * PRICE - s["base"],
        "platform:promotions": s["base"],
    }
    assert seller_net(stack, s["shop_id"], order_id) == 0
    assert system_balance(stack, "promotions") == s["promotions_before"]
    settle(stack)
    assert stack.ru_acquirer_sim.payments[s["payment_id"]]["Refunded"] == CHARGE - COUPON  # every kopeck paid
    order = api.get(f"/v1/orders/{order_id}", token=s["buyer"]).json
    assert order["refunded"] == {"amount": 2 * PRICE - s["base"], "currency": "CNY"}


def test_a_coupon_order_returned_in_two_parts_gives_back_a_proportional_share_then_the_rest(api, stack, coupon_sale):
    s = coupon_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    first = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    half = s["base"] * PRICE // (2 * PRICE)  # the share of one unit of two, rounded down
    assert first["refunded"] == {"amount": PRICE - half, "currency": "CNY"}
    assert system_balance(stack, "promotions") == s["promotions_before"] - s["base"] + half
    assert seller_net(stack, s["shop_id"], order_id) == PRICE  # the unit the buyer keeps, at full price

    second = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert second["refunded"] == {"amount": PRICE - (s["base"] - half), "currency": "CNY"}
    assert system_balance(stack, "promotions") == s["promotions_before"]  # exactly the whole share, no more
    assert seller_net(stack, s["shop_id"], order_id) == 0
    settle(stack)
    assert stack.ru_acquirer_sim.payments[s["payment_id"]]["Refunded"] <= CHARGE - COUPON  # never more than paid


# --- points (yuan) ------------------------------------------------------------------------------------------


def sell_with_points(api, stack, factory, units: int, redeemed: int, email: str | None = None) -> dict:
    """A delivered order of `units` 100.00 CNY units paid by card with `redeemed` points (platform-funded), bought
    by a new buyer (signed up as `email` when given)."""
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=50, price={"amount": 10000, "currency": "CNY"})
    buyer = factory.user("buyer", email)
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    points.grant(stack.trust, stack.ledger, buyer_id, redeemed, f"cmp-{uuid.uuid4().hex[:8]}", now=stack.clock())
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": units}, token=buyer).status == 200
    body = {"delivery": ADDRESS, "payment_method": "card", "points_to_redeem": redeemed}
    placed = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert placed.status == 201, placed
    (order,) = placed.json["orders"]
    assert order["points_redeemed"] == redeemed
    points_before = system_balance(stack, "points")
    event = {
        "event_id": f"evt_{order['order_id']}",
        "type": "payment.succeeded",
        "order_id": order["order_id"],
        "amount": order["amount_due"],
    }
    raw = json.dumps(event).encode()
    signature = sign_webhook(stack.settings.payment_webhook_secret, raw, int(time.time()))
    paid = api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": signature})
    assert paid.status == 200, paid
    assert system_balance(stack, "points") == points_before - redeemed  # the platform paid the points' value in
    deliver(api, shop["shop_id"], seller, order["order_id"])
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 0  # every point spent on this order
    return {"buyer": buyer, "seller": seller, "shop_id": shop["shop_id"], "order": order, "before": points_before}


@pytest.fixture
def points_sale(api, stack, factory):
    """A delivered order of two 100.00 CNY units paid by card with 5,000 points (50.00 CNY, platform-funded)."""
    return sell_with_points(api, stack, factory, 2, 5000)


def test_a_points_order_returned_unit_by_unit_gives_the_platform_its_points_money_back(api, stack, points_sale):
    s = points_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    first = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert first["refunded"] == {"amount": 10000 - 2500, "currency": "CNY"}  # the buyer paid 75.00 of it
    posting = stack.ledger.get_posting(f"order-refunded:{order_id}:{first['return_id']}")
    assert {e.account: e.amount for e in posting.entries} == {
        f"shop:{s['shop_id']}:pending": -10000,
        "external:buyer-payments": 7500,
        "platform:points": 2500,
    }
    assert seller_net(stack, s["shop_id"], order_id) == 10000
    assert system_balance(stack, "points") == s["before"] - 2500

    second = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert second["refunded"] == {"amount": 7500, "currency": "CNY"}
    assert seller_net(stack, s["shop_id"], order_id) == 0
    assert system_balance(stack, "points") == s["before"]
    order = api.get(f"/v1/orders/{order_id}", token=s["buyer"]).json
    assert order["refunded"] == {"amount": 15000, "currency": "CNY"}  # everything the buyer paid in money


# --- the points spent on returned goods come back to the buyer ------------------------------------------------


def points_returned(api, buyer) -> list[dict]:
    mine = api.get("/v1/me/points?limit=50", token=buyer).json
    return [e for e in mine["items"] if e["kind"] == "points.returned"]


def test_a_points_order_returned_whole_gives_the_buyer_back_exactly_the_points_redeemed(api, stack, points_sale):
    s = points_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    ret = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 2)
    assert system_balance(stack, "points") == s["before"]  # the points' money went back to the platform...
    mine = api.get("/v1/me/points", token=s["buyer"]).json
    assert mine["balance"] == 5000  # ...and the points themselves to the buyer
    (entry,) = points_returned(api, s["buyer"])
    assert entry["points"] == 5000 and entry["order_id"] == order_id and ret["return_id"] in entry["memo"]
    posted = stack.ledger.get_posting(f"points-returned:{order_id}:{ret['return_id']}")
    assert posted is not None and posted.posting.kind == "points.returned"
    settle(stack)  # the return's event reaches the consumer: its safety net finds the points given already
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 5000
    assert len(points_returned(api, s["buyer"])) == 1


def test_partial_returns_give_back_their_share_of_the_points_and_exactly_all_of_them_in_the_end(api, stack, factory):
    s = sell_with_points(api, stack, factory, 3, 7000)  # 70.00 CNY of 300.00: 2,333.33... points per unit
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    first = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert first["refunded"] == {"amount": 10000 - 2333, "currency": "CNY"}
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 2333  # floor(7000 x 1/3)
    second = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert second["refunded"] == {"amount": 10000 - 2333, "currency": "CNY"}
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 4666  # floor(7000 x 2/3), never more
    third = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 1)
    assert third["refunded"] == {"amount": 10000 - 2334, "currency": "CNY"}
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 7000  # exactly the points redeemed
    assert sorted(e["points"] for e in points_returned(api, s["buyer"])) == [2333, 2333, 2334]
    assert system_balance(stack, "points") == s["before"]
    settle(stack)
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 7000


def test_the_events_consumer_gives_the_points_back_when_the_receipt_stopped_before_it(
    api, stack, points_sale, monkeypatch
):
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    s = points_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    settle(stack)
    give_back = points.return_for_goods

    def stopped(*args, **kwargs):
        raise RuntimeError("the Lambda stopped right after the return's transaction")

    monkeypatch.setattr(points, "return_for_goods", stopped)
    body = {"lines": [{"line_id": line_id, "quantity": 2}]}
    asked = api.post(f"/v1/orders/{order_id}/returns", body, token=s["buyer"])
    assert asked.status == 201, asked
    api.check_contract = False  # the injected stop answers an (undocumented) 500
    try:
        receipt = api.post(f"/v1/shops/{s['shop_id']}/returns/{asked.json['return_id']}/receive", token=s["seller"])
    finally:
        api.check_contract = True
    assert receipt.status == 500
    order = api.get(f"/v1/orders/{order_id}", token=s["buyer"]).json
    assert order["refunded"] == {"amount": 15000, "currency": "CNY"}  # the return's transaction committed
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 0  # but the points did not come back
    monkeypatch.setattr(points, "return_for_goods", give_back)

    records = drain_order_events(stack)
    refunded = [json.loads(r["body"]) for r in records if json.loads(r["body"])["type"] == "order.refunded"]
    assert [(e["return_id"], e["points_returned"]) for e in refunded] == [(asked.json["return_id"], 5000)]
    assert not handle_records(records)["batchItemFailures"]
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 5000
    assert not handle_records(records + records)["batchItemFailures"]  # redelivered: nothing more
    settle(stack)
    assert api.get("/v1/me/points", token=s["buyer"]).json["balance"] == 5000
    assert [e["points"] for e in points_returned(api, s["buyer"])] == [5000]


# --- the refund the buyer is shown when asking is the refund they get -----------------------------------------


def test_the_refund_previewed_on_a_points_order_is_exactly_what_the_receipt_refunds(api, stack, factory):
    """3 units of 100.00 CNY paid with 1,001 points: each unit's share of the points money is not a whole number of
    fen, yet every return shows, when asked for and in the seller's list, the refund the receipt then pays."""
    s = sell_with_points(api, stack, factory, 3, 1001)
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    asked = api.post(
        f"/v1/orders/{order_id}/returns", {"lines": [{"line_id": line_id, "quantity": 1}]}, token=s["buyer"]
    )
    assert asked.status == 201, asked
    assert asked.json["goods_value"] == {"amount": 10000, "currency": "CNY"}
    assert asked.json["refund"] == {"amount": 10000 - 1001 // 3, "currency": "CNY"}  # not the goods' 100.00
    listed = api.get(f"/v1/shops/{s['shop_id']}/returns", token=s["seller"]).json["items"]
    assert [(r["refund"], r["refund_is_estimate"]) for r in listed] == [(asked.json["refund"], True)]
    received = api.post(f"/v1/shops/{s['shop_id']}/returns/{asked.json['return_id']}/receive", token=s["seller"])
    assert received.status == 200 and received.json["refunded"] == asked.json["refund"]
    rest = return_and_receive(api, s["shop_id"], s["seller"], s["buyer"], order_id, line_id, 2)
    assert rest["refunded"]["amount"] + asked.json["refund"]["amount"] == 3 * 10000 - 1001  # all the money paid


def test_the_refund_previewed_on_a_rouble_coupon_order_is_exactly_what_the_receipt_refunds(api, stack, coupon_sale):
    s = coupon_sale
    order_id, line_id = s["order"]["order_id"], s["order"]["lines"][0]["line_id"]
    half = s["base"] * PRICE // (2 * PRICE)
    body = {"lines": [{"line_id": line_id, "quantity": 1}]}
    asked = api.post(f"/v1/orders/{order_id}/returns", body, token=s["buyer"])
    assert asked.status == 201 and asked.json["refund"] == {"amount": PRICE - half, "currency": "CNY"}
    received = api.post(f"/v1/shops/{s['shop_id']}/returns/{asked.json['return_id']}/receive", token=s["seller"])
    assert received.json["refunded"] == asked.json["refund"] and received.json["outcome"] == "refunded"
