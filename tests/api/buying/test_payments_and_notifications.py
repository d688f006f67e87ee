"""The card payment webhook (HMAC-signed, replay-safe) and order events turned into notifications.

Events go to the moto SQS queue; the tests drain it and feed the messages to the consumer
(chalicelib.events.order_events.handle_records) the way the Lambda queue trigger would.
One moto world per module: every test makes its own users, shops and orders, and notifications are per user.
"""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.events.order_events import handle_records
from chalicelib.services.payments import sign_webhook
from tests.support import (
    ADDRESS,
    Storage,
    assert_api_error,
    buy,
    checkout,
    drain_order_events,
)


@pytest.fixture(scope="module")
def storage(stack):
    return Storage(stack)


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def shop(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def buyer(factory):
    return factory.user("buyer")


def order_of(api, factory, payment="card", quantity=2):
    """A fresh order: (seller token, shop, buyer token, order)."""
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=10)
    buyer = factory.user("buyer")
    (order,) = buy(api, buyer, {product["product_id"]: quantity}, payment=payment)
    return seller, shop, buyer, order


def event_for(order, event_id=None, kind="payment.succeeded", amount=None) -> dict:
    """A provider event; event ids are global, so the default one is made from the order id."""
    return {
        "event_id": event_id or f"evt_{order['order_id']}",
        "type": kind,
        "order_id": order["order_id"],
        "amount": amount or order["total"],
    }


def send(
    api,
    stack,
    event=None,
    *,
    raw: bytes | None = None,
    timestamp: int | None = None,
    secret: str | None = None,
    signature: str | None = None,
    sign: bool = True,
):
    """POSTs the exact bytes that were signed (unless `signature` overrides the header)."""
    raw = raw if raw is not None else json.dumps(event).encode()
    headers = {}
    if signature is not None:
        headers["X-Bazaar-Signature"] = signature
    elif sign:
        stamp = int(time.time()) if timestamp is None else timestamp
        headers["X-Bazaar-Signature"] = sign_webhook(secret or stack.settings.payment_webhook_secret, raw, stamp)
    return api.request("POST", "/v1/payments/webhook", body=raw, headers=headers)


def buyer_view(api, buyer, order) -> dict:
    reply = api.get(f"/v1/orders/{order['order_id']}", token=buyer)
    assert reply.status == 200, reply
    return reply.json


def notifications(api, token) -> list[dict]:
    reply = api.get("/v1/me/notifications?limit=100", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def consume(stack) -> list[dict]:
    """Drains the queue into the consumer; every message must be processed."""
    records = drain_order_events(stack)
    assert handle_records(records) == {"batchItemFailures": []}
    return records


# --- the webhook ---------------------------------------------------------------------------------------------


def test_a_signed_payment_marks_a_card_order_paid(api, stack, factory):
    seller, shop, buyer, order = order_of(api, factory)
    reply = send(api, stack, event_for(order))
    assert reply.status == 200, reply
    assert reply.json == {"status": "applied"}
    paid = buyer_view(api, buyer, order)
    assert paid["status"] == "paid" and paid["paid_at"]
    assert [(e["actor"], e["action"], e["status"]) for e in paid["timeline"]] == [
        ("buyer", "placed", "pending_payment"),
        ("payments", "paid", "paid"),
    ]
    assert paid["timeline"][-1]["at"] == paid["paid_at"]
    # The seller can ship it now.
    shipped = api.post(
        f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/ship",
        {"carrier": "SF", "tracking_number": "SF1"},
        token=seller,
    )
    assert shipped.status == 200, shipped


def test_providers_may_add_fields_to_their_events(api, stack, factory):
    _, _, buyer, order = order_of(api, factory)
    event = {**event_for(order), "livemode": False, "card": {"brand": "unionpay", "last4": "4242"}}
    assert send(api, stack, event).json == {"status": "applied"}
    assert buyer_view(api, buyer, order)["status"] == "paid"


@pytest.fixture(scope="module")
def pending_card_order(api, factory):
    """A card order that every refused webhook below must leave unpaid."""
    return order_of(api, factory)


def _bad_signatures(stack, raw: bytes) -> dict:
    secret = stack.settings.payment_webhook_secret
    now = int(time.time())
    good = sign_webhook(secret, raw, now)
    digest = good.split("v1=")[1]
    return {
        "missing": None,
        "empty": "",
        "garbage": "not a signature",
        "no-timestamp": f"v1={digest}",
        "no-digest": f"t={now}",
        "non-numeric-timestamp": f"t=soon,v1={digest}",
        "wrong-secret": sign_webhook(secret + "x", raw, now),
        "too-old": sign_webhook(secret, raw, now - 301),
        "from-the-future": sign_webhook(secret, raw, now + 360),  # margin: a slow request must not make it valid
        "other-body": sign_webhook(secret, raw + b" ", now),
        "timestamp-swapped": f"t={now - 1},v1={digest}",
        "digest-truncated": f"t={now},v1={digest[:-2]}",
        "uppercase-digest": f"t={now},v1={digest.upper()}",
    }


BAD_SIGNATURES = [
    "missing",
    "empty",
    "garbage",
    "no-timestamp",
    "no-digest",
    "non-numeric-timestamp",
    "wrong-secret",
    "too-old",
    "from-the-future",
    "other-body",
    "timestamp-swapped",
    "digest-truncated",
    "uppercase-digest",
]


@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_a_missing_bad_or_old_signature_is_401_and_changes_nothing(api, stack, storage, pending_card_order, case):
    _, _, buyer, order = pending_card_order
    raw = json.dumps(event_for(order, event_id=f"evt_sig_{case}")).encode()
    signature = _bad_signatures(stack, raw)[case]
    before = storage.snapshot()
    reply = send(api, stack, raw=raw, signature=signature, sign=False)
    assert_api_error(reply, 401, "bad_signature")
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, order)["status"] == "pending_payment"


def test_a_signature_within_five_minutes_is_accepted(api, stack, factory):
    _, _, buyer, order = order_of(api, factory)
    assert send(api, stack, event_for(order), timestamp=int(time.time()) - 240).json == {"status": "applied"}


def test_a_replayed_event_is_200_duplicate_and_changes_nothing(api, stack, storage, factory):
    _, _, buyer, order = order_of(api, factory)
    raw = json.dumps(event_for(order)).encode()
    signature = sign_webhook(stack.settings.payment_webhook_secret, raw, int(time.time()))
    assert send(api, stack, raw=raw, signature=signature).json == {"status": "applied"}
    paid = buyer_view(api, buyer, order)
    drain_order_events(stack)

    before = storage.snapshot()
    again = send(api, stack, raw=raw, signature=signature)  # the very same request
    assert again.status == 200 and again.json == {"status": "duplicate"}, again
    resigned = send(api, stack, raw=raw)  # the same event, signed anew
    assert resigned.status == 200 and resigned.json == {"status": "duplicate"}, resigned
    other_id = send(api, stack, event_for(order, event_id=f"evt_again_{order['order_id']}"))  # a second payment
    assert other_id.status == 200 and other_id.json == {"status": "duplicate"}, other_id
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, order) == paid
    assert [r for r in drain_order_events(stack) if order["order_id"] in r["body"]] == []  # nothing re-announced


def test_an_event_id_already_used_does_not_pay_another_order(api, stack, storage, factory):
    _, _, _, first = order_of(api, factory)
    _, _, buyer, second = order_of(api, factory)
    event_id = f"evt_{first['order_id']}"
    assert send(api, stack, event_for(first, event_id=event_id)).json == {"status": "applied"}
    before = storage.snapshot()
    reply = send(api, stack, event_for(second, event_id=event_id))
    assert reply.status == 200 and reply.json == {"status": "duplicate"}, reply
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, second)["status"] == "pending_payment"


@pytest.mark.parametrize("change", ["less", "more", "currency"])
def test_an_amount_that_does_not_match_the_order_is_422(api, stack, storage, pending_card_order, change):
    _, _, buyer, order = pending_card_order
    total = order["total"]
    amount = {
        "less": {**total, "amount": total["amount"] - 1},
        "more": {**total, "amount": total["amount"] + 1},
        "currency": {**total, "currency": "USD"},
    }[change]
    before = storage.snapshot()
    reply = send(api, stack, event_for(order, event_id=f"evt_{change}", amount=amount))
    assert_api_error(reply, 422, "amount_mismatch")
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, order)["status"] == "pending_payment"


def test_an_unknown_order_is_404(api, stack, storage, pending_card_order):
    _, _, _, order = pending_card_order
    before = storage.snapshot()
    reply = send(api, stack, {**event_for(order, event_id="evt_unknown"), "order_id": "ord_doesnotexist"})
    assert_api_error(reply, 404, "order_not_found")
    assert storage.snapshot() == before


@pytest.mark.parametrize("method", ["bank_transfer", "cash_on_delivery"])
def test_a_payment_for_an_order_not_paid_by_card_is_409(api, stack, storage, factory, method):
    _, _, buyer, order = order_of(api, factory, payment=method)
    before = storage.snapshot()
    assert_api_error(send(api, stack, event_for(order)), 409, "not_a_card_order")
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, order)["paid_at"] is None


@pytest.mark.parametrize("kind", ["payment.failed", "charge.refunded", "payment.succeeded.v2"])
def test_an_unknown_event_type_is_200_ignored(api, stack, storage, pending_card_order, kind):
    _, _, buyer, order = pending_card_order
    before = storage.snapshot()
    reply = send(api, stack, event_for(order, event_id=f"evt_{kind}", kind=kind))
    assert reply.status == 200 and reply.json == {"status": "ignored"}, reply
    assert storage.snapshot() == before
    assert buyer_view(api, buyer, order)["status"] == "pending_payment"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b'{"event_id": "e", "type": "payment.succeeded"}',
        b'{"event_id": "e", "type": "payment.succeeded", "order_id": "o", '
        b'"amount": {"amount": "1", "currency": "CNY"}}',
    ],
    ids=["empty", "truncated", "array", "missing-fields", "string-amount"],
)
def test_a_signed_but_malformed_event_is_400(api, stack, storage, raw):
    before = storage.snapshot()
    assert_api_error(send(api, stack, raw=raw), 400)
    assert storage.snapshot() == before


def test_a_paid_card_order_can_be_cancelled_with_a_refund(api, stack, factory):
    _, _, buyer, order = order_of(api, factory)
    send(api, stack, event_for(order))
    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert cancelled.json["refunded"] == order["total"]


# --- notifications --------------------------------------------------------------------------------------------


def by_order(items: list[dict], order) -> list[str]:
    return [n["type"] for n in items if n["order_id"] == order["order_id"]]


def test_sellers_hear_of_new_and_paid_orders_and_buyers_of_shipping_delivery_and_refunds(api, stack, factory):
    seller, shop, buyer, order = order_of(api, factory)
    bystander = factory.user("seller")
    base = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
    consume(stack)
    assert by_order(notifications(api, seller), order) == ["order.created"]
    assert by_order(notifications(api, buyer), order) == []

    assert send(api, stack, event_for(order)).json == {"status": "applied"}
    consume(stack)
    assert by_order(notifications(api, seller), order) == ["order.paid", "order.created"]  # newest first

    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=seller).status == 200
    consume(stack)
    assert by_order(notifications(api, buyer), order) == ["order.shipped"]

    delivered = api.post(f"{base}/deliver", token=seller).json
    consume(stack)
    assert by_order(notifications(api, buyer), order) == ["order.delivered", "order.shipped"]

    line = delivered["lines"][0]
    ret = api.post(
        f"/v1/orders/{order['order_id']}/returns", {"lines": [{"line_id": line["line_id"], "quantity": 1}]}, token=buyer
    )
    assert ret.status == 201, ret
    assert api.post(f"/v1/shops/{shop['shop_id']}/returns/{ret.json['return_id']}/receive", token=seller).status == 200
    consume(stack)
    assert by_order(notifications(api, buyer), order) == ["order.refunded", "order.delivered", "order.shipped"]
    assert by_order(notifications(api, seller), order) == ["order.return_requested", "order.paid", "order.created"]

    mine = notifications(api, buyer) + notifications(api, seller)
    for note in mine:
        assert note["order_id"] == order["order_id"] and note["shop_id"] == shop["shop_id"]
        assert order["order_id"] in note["message"]
        assert ADDRESS["phone"] not in json.dumps(note) and ADDRESS["name"] not in json.dumps(note)
    assert len({n["notification_id"] for n in mine}) == len(mine)
    assert notifications(api, bystander) == []


def test_the_seller_hears_of_a_cancellation(api, stack, factory):
    seller, _, buyer, order = order_of(api, factory, payment="cash_on_delivery")
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 200
    consume(stack)
    assert by_order(notifications(api, seller), order) == ["order.cancelled", "order.created"]
    assert by_order(notifications(api, buyer), order) == []


def test_one_checkout_notifies_each_shop_of_its_own_order(api, stack, factory, buyer):
    seller_a, seller_b = factory.user("seller"), factory.user("seller")
    shop_a, shop_b = factory.shop(seller_a, "handicrafts"), factory.shop(seller_b, "b2b")
    scarf = factory.product(seller_a, shop_a)
    raisins = factory.product(seller_b, shop_b, stock=100)
    orders = buy(api, buyer, {scarf["product_id"]: 1, raisins["product_id"]: 10})
    consume(stack)
    for seller, shop in ((seller_a, shop_a), (seller_b, shop_b)):
        (note,) = notifications(api, seller)
        (order,) = [o for o in orders if o["shop"]["shop_id"] == shop["shop_id"]]
        assert (note["type"], note["order_id"], note["shop_id"]) == (
            "order.created",
            order["order_id"],
            shop["shop_id"],
        )


def test_a_message_delivered_twice_makes_one_notification(api, stack, factory):
    seller, _, buyer, order = order_of(api, factory)
    records = drain_order_events(stack)
    assert [r for r in records if order["order_id"] in r["body"]]
    assert handle_records(records) == {"batchItemFailures": []}
    first = notifications(api, seller)
    assert handle_records(records) == {"batchItemFailures": []}
    assert handle_records(list(reversed(records))) == {"batchItemFailures": []}
    assert notifications(api, seller) == first
    assert by_order(first, order) == ["order.created"]


def test_a_replayed_checkout_does_not_notify_twice(api, stack, factory, buyer):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer)
    first = checkout(api, buyer, key="twice")
    assert first.status == 201, first
    assert checkout(api, buyer, key="twice").status == 200
    consume(stack)
    assert [n["type"] for n in notifications(api, seller)] == ["order.created"]


def test_a_malformed_message_is_reported_and_does_not_stop_the_others(api, stack, factory):
    seller_a, _, _, order_a = order_of(api, factory)
    seller_b, _, _, order_b = order_of(api, factory)
    good = drain_order_events(stack)
    good_a = [r for r in good if order_a["order_id"] in r["body"]]
    good_b = [r for r in good if order_b["order_id"] in r["body"]]
    assert len(good_a) == len(good_b) == 1
    valid = json.loads(good_a[0]["body"])
    bad = [
        {"messageId": "not-json", "body": "{not json"},
        {"messageId": "empty", "body": ""},
        {"messageId": "array", "body": "[1, 2]"},
        {"messageId": "string", "body": '"order.created"'},
        {"messageId": "no-fields", "body": "{}"},
        {"messageId": "no-type", "body": json.dumps({k: v for k, v in valid.items() if k != "type"})},
        {"messageId": "no-shop", "body": json.dumps({k: v for k, v in valid.items() if k != "shop_id"})},
        {"messageId": "no-body"},
    ]
    result = handle_records([bad[0], *good_a, *bad[1:], *good_b])
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(r["messageId"] for r in bad)
    assert by_order(notifications(api, seller_a), order_a) == ["order.created"]
    assert by_order(notifications(api, seller_b), order_b) == ["order.created"]


@pytest.mark.parametrize(
    "change",
    [
        {"seller_id": ["not", "an", "id"]},
        {"seller_id": {"S": "x"}},
        {"event_id": None},
        {"at": 12},
        {"order_id": None},
        {"type": ["order.created"]},
    ],
    ids=["seller-list", "seller-object", "event-id-null", "at-number", "order-null", "type-list"],
)
def test_an_event_with_ill_typed_fields_is_reported_not_fatal(api, stack, factory, change):
    seller, _, _, order = order_of(api, factory)
    (record,) = [r for r in drain_order_events(stack) if order["order_id"] in r["body"]]
    bad = {"messageId": "ill-typed", "body": json.dumps({**json.loads(record["body"]), **change})}
    result = handle_records([bad, record])
    assert result == {"batchItemFailures": [{"itemIdentifier": "ill-typed"}]}
    assert by_order(notifications(api, seller), order) == ["order.created"]


def test_notifications_need_a_signed_in_user_and_page_with_a_cursor(api, stack, factory):
    assert_api_error(api.get("/v1/me/notifications"), 401)
    seller, _, _, order = order_of(api, factory, payment="bank_transfer")
    shop_id = order["shop"]["shop_id"]
    assert api.post(f"/v1/shops/{shop_id}/orders/{order['order_id']}/mark-paid", token=seller).status == 200
    consume(stack)
    page = api.get("/v1/me/notifications?limit=1", token=seller).json
    assert [n["type"] for n in page["items"]] == ["order.paid"] and page["next_cursor"]
    page = api.get(f"/v1/me/notifications?limit=1&cursor={page['next_cursor']}", token=seller).json
    assert [n["type"] for n in page["items"]] == ["order.created"]
    assert api.get("/v1/me/notifications", token=factory.operator).status == 200  # any signed-in user
