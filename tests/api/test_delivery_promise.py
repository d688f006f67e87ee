"""Issue 12: the delivery promise in Russia: zones, "delivered by" on product pages, the promise on the order,
tracking events, and compensation issued automatically exactly once when the promise passes."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.ledger import Account
from chalicelib.events.order_events import compensate_promises
from tests.api.test_markets import RU_ADDRESS, ru_world
from tests.api.test_ru_payments import on_hosted_page, ru_buy
from tests.support import assert_api_error, connect_ru_acquirer, settle

ZONES = [
    {
        "zone": "core",
        "cities": ["Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg", "Kazan"],
        "promise_days": 15,
    },
    {"zone": "rest", "promise_days": 30},
]


def day(offset: int = 0) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def world(api, factory, stack):
    w = ru_world(api, factory, stack)
    connect_ru_acquirer(stack, api)
    assert api.put("/v1/admin/markets/ru/zones", ZONES, token=factory.operator).status == 200
    reply = api.put("/v1/admin/markets/ru/compensation", {"type": "points", "value": 500}, token=factory.operator)
    assert reply.status == 200, reply
    assert reply.json["compensation"] == {"type": "points", "value": 500, "funded_by": "platform"}
    return w


def paid_order(api, stack, buyer, product_id, payment="sbp"):
    placed = ru_buy(api, buyer, product_id, payment)
    on_hosted_page(placed["payments"][0]["payment_url"], "pay" if payment == "mir_card" else "sbp")
    assert stack.ru_acquirer_sim.flush() == 1
    order = api.get(f"/v1/orders/{placed['orders'][0]['order_id']}", token=buyer).json
    assert order["status"] == "paid"
    return order, placed


def move_clock(stack, days: int) -> None:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    stack.clock = lambda: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def points_of(api, stack, token) -> int:
    user_id = api.get("/v1/me", token=token).json["user_id"]
    return stack.ledger.balance(Account.points(user_id), "PTS").amount


def test_the_product_page_says_when_it_is_delivered_to_the_buyers_city(api, world):
    path = f"/v1/storefronts/handicrafts/products/{world['sold']['product_id']}?market=ru"
    kazan = api.get(path + "&city=Kazan").json["delivery_promise"]
    # made to order in 10 days (issue 15's processing_days) + the core zone's 15
    assert kazan["zone"] == "core" and kazan["processing_days"] == 10 and kazan["delivered_by"] == day(10 + 15)
    far = api.get(path + "&city=Yakutsk").json["delivery_promise"]
    assert far["zone"] == "rest" and far["delivered_by"] == day(10 + 30)
    assert api.get(path).json["delivery_promise"]["zone"] == "rest"  # no city: the farthest zone


def test_zones_need_exactly_one_zone_for_the_rest_and_compensation_a_sensible_value(api, factory, world):
    bad = [{"zone": "core", "cities": ["Moscow"], "promise_days": 15}]
    assert_api_error(api.put("/v1/admin/markets/ru/zones", bad, token=factory.operator), 400, "bad_zones")
    reply = api.put("/v1/admin/markets/ru/compensation", {"type": "coupon", "value": 0}, token=factory.operator)
    assert_api_error(reply, 400)  # a coupon is worth at least one kopeck (tests/api/test_coupons.py spends one)
    too_much = {"type": "percent_refund", "value": 101}
    assert_api_error(api.put("/v1/admin/markets/ru/compensation", too_much, token=factory.operator), 400)
    assert_api_error(api.put("/v1/admin/markets/cn/zones", ZONES, token=factory.operator), 404)


def test_a_missed_promise_is_compensated_automatically_exactly_once(api, stack, factory, world):
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    promise = order["delivery_promise"]
    assert promise["zone"] == "core" and promise["status"] == "open"
    assert promise["promised_by"] == day(10 + 15)  # paid today + 10 days' making + 15
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}"
    shipped = api.post(f"{base}/ship", {"carrier": "Cainiao", "tracking_number": "LP00123"}, token=world["seller"])
    assert shipped.status == 200
    event = {"event": "export_customs", "at": stack.clock(), "location": "Horgos"}
    tracked = api.post(f"{base}/tracking", event, token=world["seller"])
    assert tracked.status == 200, tracked
    assert tracked.json["tracking"][-1]["event"] == "export_customs"
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["tracking"][-1]["location"] == "Horgos"

    assert compensate_promises()["done"] == 0  # not passed yet
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1
    assert compensate_promises()["done"] == 0  # exactly once
    after = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert after["delivery_promise"]["status"] == "compensated"
    assert after["delivery_promise"]["compensation"]["points"] == 500
    assert after["timeline"][-1]["action"] == "promise_missed"
    assert points_of(api, stack, buyer) == 500
    settle(stack)
    messages = [n["message"] for n in api.get("/v1/me/notifications", token=buyer).json["items"]]
    assert any("missed its delivery promise" in m for m in messages)
    # delivered late: recorded, and nothing is compensated again
    late = api.post(f"{base}/tracking", {"event": "delivered", "at": stack.clock()}, token=world["seller"])
    assert late.status == 200 and late.json["status"] == "delivered"
    assert compensate_promises()["done"] == 0
    assert points_of(api, stack, buyer) == 500


def test_a_delivery_attempt_on_time_keeps_the_promise(api, stack, factory, world):
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}"
    api.post(f"{base}/ship", {"carrier": "Cainiao", "tracking_number": "LP00124"}, token=world["seller"])
    move_clock(stack, 10)
    attempt = api.post(f"{base}/tracking", {"event": "delivery_attempt", "at": stack.clock()}, token=world["seller"])
    assert attempt.status == 200 and attempt.json["delivery_promise"]["status"] == "kept"
    move_clock(stack, 40)
    assert compensate_promises()["done"] == 0
    assert points_of(api, stack, buyer) == 0


def test_no_compensation_for_a_cancelled_order_or_when_the_buyer_changed_the_address(api, stack, factory, world):
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    moved = api.patch(
        f"/v1/orders/{order['order_id']}/delivery", {"delivery": {**RU_ADDRESS, "city": "Yakutsk"}}, token=buyer
    )
    assert moved.status == 200, moved
    assert moved.json["delivery_promise"]["status"] == "void" and moved.json["delivery"]["city"] == "Yakutsk"
    other = factory.user("buyer")
    cancelled, _ = paid_order(api, stack, other, world["sold"]["product_id"])
    assert api.post(f"/v1/orders/{cancelled['order_id']}/cancel", token=other).status == 200
    move_clock(stack, 60)
    assert compensate_promises()["done"] == 0
    assert points_of(api, stack, buyer) == 0 and points_of(api, stack, other) == 0


def test_a_percent_refund_compensation_goes_back_through_the_acquirer(api, stack, factory, world):
    reply = api.put(
        "/v1/admin/markets/ru/compensation", {"type": "percent_refund", "value": 10}, token=factory.operator
    )
    assert reply.status == 200
    buyer = factory.user("buyer")
    order, placed = paid_order(api, stack, buyer, world["sold"]["product_id"], payment="mir_card")
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1
    settle(stack)  # the refund is issued through the payment provider port -> the acquirer's Cancel
    sim = stack.ru_acquirer_sim.payments[placed["payments"][0]["payment_id"]]
    # 10 % of the CNY total (319.98 -> 32.00 CNY, half up), refunded as the same share of the rouble charge:
    # 3200 / 31998 x 410678 kopecks = 41070.35 -> 410.70 RUB (domain/markets.charge_refund, the first refund)
    assert sim["Refunded"] == 41070
    after = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert after["refunds"][-1]["charged"] == after["market"]["refunded"] == {"amount": 41070, "currency": "RUB"}
    assert after["refunded"] == {"amount": 3200, "currency": "CNY"}  # 10 % of 319.98 CNY, half up
    assert after["delivery_promise"]["compensation"]["amount"] == 3200
    posting = stack.ledger.get_posting(f"compensation:{order['order_id']}").posting  # the ledger says the same
    assert (posting.refs["charge_amount"], posting.refs["charge_currency"]) == ("41070", "RUB")


def test_a_seller_funded_refund_compensation_is_debited_from_the_seller_through_the_ledger(api, stack, factory, world):
    body = {"type": "percent_refund", "value": 10, "funded_by": "seller"}
    assert api.put("/v1/admin/markets/ru/compensation", body, token=factory.operator).status == 200
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"], payment="mir_card")
    shop_id = world["shop"]["shop_id"]
    before = api.get(f"/v1/shops/{shop_id}/balance", token=world["seller"]).json
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1
    after = api.get(f"/v1/shops/{shop_id}/balance", token=world["seller"]).json
    assert before != after  # the seller's balance carries the 32.00 CNY compensation
    posting = stack.ledger.get_posting(f"compensation:{order['order_id']}")
    assert posting is not None
    amounts = sorted(e.amount for e in posting.entries)
    assert amounts == [-3200, 3200]
    assert posting.posting.refs["charge_amount"] == "41070"  # what the acquirer is sent, in kopecks
