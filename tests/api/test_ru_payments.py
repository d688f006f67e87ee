"""Issue 12: paying in Russia by SBP and Mir card through the (simulated) Tinkoff-style acquirer, its signed
notifications, and refunds through its Cancel."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from chalicelib.domain import ru_payments
from tests.api.test_markets import RU_ADDRESS, ru_cart_put, ru_world
from tests.support import assert_api_error, connect_ru_acquirer, settle


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def on_hosted_page(payment_url: str, action: str) -> tuple[int, str]:
    """What a person does on the acquirer's hosted page: open it, then press pay / SBP / decline."""
    with urllib.request.urlopen(payment_url, timeout=10) as page:  # noqa: S310 - the local simulator
        assert page.status == 200
        html = page.read().decode()
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode({"action": action}).encode()
    try:
        opener.open(urllib.request.Request(payment_url, data=data, method="POST"), timeout=10)
    except urllib.error.HTTPError as exc:  # the 303 to SuccessURL / FailURL
        return exc.code, html
    raise AssertionError("the hosted page should redirect the buyer back")


def ru_buy(api, buyer, product_id, payment, quantity=2):
    ru_cart_put(api, buyer, product_id, quantity=quantity)
    reply = api.post(
        "/v1/checkout",
        {"delivery": RU_ADDRESS, "payment_method": payment, "market": "ru"},
        token=buyer,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert reply.status == 201, reply
    return reply.json


@pytest.fixture
def world(api, factory, stack):
    w = ru_world(api, factory, stack)
    connect_ru_acquirer(stack, api)
    return w


def test_the_token_is_sha256_of_the_sorted_root_values_with_the_password():
    # the acquirer's documented example: nested objects (Receipt, DATA) take no part
    fields = {
        "TerminalKey": "MerchantTerminalKey",
        "Amount": 19200,
        "OrderId": "00000",
        "Description": "Подарочная карта на 1000 рублей",
        "DATA": {"Phone": "+71234567890"},
        "Receipt": {"Items": []},
    }
    joined = "19200Подарочная карта на 1000 рублей0000011111111111111MerchantTerminalKey"
    import hashlib

    assert ru_payments.token(fields, "11111111111111") == hashlib.sha256(joined.encode()).hexdigest()
    signed = ru_payments.signed({"Success": True, "Amount": 100}, "T", "p")
    assert signed["Token"] == hashlib.sha256(b"100ptrueT").hexdigest()  # Amount, Password, Success, TerminalKey
    assert ru_payments.verify(signed, "T", "p") and not ru_payments.verify(signed, "T", "other")
    assert not ru_payments.verify({**signed, "Amount": 101}, "T", "p")


def test_a_russian_buyer_pays_by_sbp_on_the_acquirers_page_and_the_order_is_paid_once(api, stack, factory, world):
    buyer = factory.user("buyer")
    placed = ru_buy(api, buyer, world["sold"]["product_id"], "sbp")
    order = placed["orders"][0]
    assert order["status"] == "pending_payment" and order["payment_method"] == "sbp"
    (payment,) = placed["payments"]
    assert payment["order_id"] == order["order_id"]
    assert payment["amount"] == {"amount": 2 * 205339, "currency": "RUB"}
    assert payment["sbp_payload"].startswith("https://qr.nspk.ru/")
    sim = stack.ru_acquirer_sim.payments[payment["payment_id"]]
    assert sim["Amount"] == 2 * 205339 and sim["OrderId"] == order["order_id"]
    status, page = on_hosted_page(payment["payment_url"], "sbp")
    assert status == 303
    assert "4 106,78 ₽" in page and "<svg" in page  # the amount in roubles and the SBP QR code as an image
    assert stack.ru_acquirer_sim.flush() == 1  # the signed notification, answered OK
    paid = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert paid["status"] == "paid" and paid["paid_at"]
    # the same notification again changes nothing
    body = stack.ru_acquirer_sim.delivered[-1].body
    again = api.request("POST", "/v1/payments/ru/notifications", body=body)
    assert again.status == 200 and again.body == b"OK"
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"] == paid["version"]
    # the seller is settled in CNY: the shop's pending balance holds the CNY total
    balance = api.get(f"/v1/shops/{world['shop']['shop_id']}/balance", token=world["seller"])
    assert balance.status == 200, balance
    assert json.dumps(balance.json).count(str(2 * 15999)) >= 1


def test_a_notification_with_a_bad_token_is_401_and_changes_nothing(api, stack, factory, world):
    buyer = factory.user("buyer")
    placed = ru_buy(api, buyer, world["sold"]["product_id"], "mir_card")
    order = placed["orders"][0]
    key, password = stack.settings.ru_acquirer_credentials
    fields = {
        "OrderId": order["order_id"],
        "Success": True,
        "Status": "CONFIRMED",
        "PaymentId": int(placed["payments"][0]["payment_id"]),
        "ErrorCode": "0",
        "Amount": 2 * 205339,
    }
    forged = ru_payments.signed(fields, key, "not-the-password")
    reply = api.request("POST", "/v1/payments/ru/notifications", body=json.dumps(forged))
    assert_api_error(reply, 401, "bad_signature")
    tampered = {**ru_payments.signed(fields, key, password), "Amount": 100}
    assert_api_error(api.request("POST", "/v1/payments/ru/notifications", body=json.dumps(tampered)), 401)
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["status"] == "pending_payment"
    # signed right but for another amount than the order's charge: refused, nothing paid
    wrong = ru_payments.signed({**fields, "Amount": 100}, key, password)
    assert_api_error(api.request("POST", "/v1/payments/ru/notifications", body=json.dumps(wrong)), 422)
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["status"] == "pending_payment"


def test_a_declined_payment_leaves_the_order_unpaid_and_the_buyer_may_pay_again(api, stack, factory, world):
    buyer = factory.user("buyer")
    placed = ru_buy(api, buyer, world["sold"]["product_id"], "mir_card")
    order_id = placed["orders"][0]["order_id"]
    assert on_hosted_page(placed["payments"][0]["payment_url"], "decline")[0] == 303
    stack.ru_acquirer_sim.flush()
    assert api.get(f"/v1/orders/{order_id}", token=buyer).json["status"] == "pending_payment"
    again = api.post(f"/v1/orders/{order_id}/payment", token=buyer)
    assert again.status == 200, again
    assert again.json["payment_id"] != placed["payments"][0]["payment_id"]
    on_hosted_page(again.json["payment_url"], "pay")
    stack.ru_acquirer_sim.flush()
    assert api.get(f"/v1/orders/{order_id}", token=buyer).json["status"] == "paid"
    assert_api_error(api.post(f"/v1/orders/{order_id}/payment", token=buyer), 409, "not_payable")
    other = factory.user("buyer")
    assert_api_error(api.post(f"/v1/orders/{order_id}/payment", token=other), 404)


def test_a_returned_mir_card_order_is_refunded_in_roubles_through_the_acquirers_cancel(api, stack, factory, world):
    buyer = factory.user("buyer")
    placed = ru_buy(api, buyer, world["sold"]["product_id"], "mir_card", quantity=2)
    order = placed["orders"][0]
    payment_id = placed["payments"][0]["payment_id"]
    on_hosted_page(placed["payments"][0]["payment_url"], "pay")
    stack.ru_acquirer_sim.flush()
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}"
    ship = api.post(
        f"{base}/ship", {"carrier": "Почта России", "tracking_number": "RA123456789CN"}, token=world["seller"]
    )
    assert ship.status == 200, ship
    assert api.post(f"{base}/deliver", token=world["seller"]).status == 200
    line_id = order["lines"][0]["line_id"]
    ret = api.post(
        f"/v1/orders/{order['order_id']}/returns", {"lines": [{"line_id": line_id, "quantity": 1}]}, token=buyer
    )
    assert ret.status == 201, ret
    received = api.post(
        f"/v1/shops/{world['shop']['shop_id']}/returns/{ret.json['return_id']}/receive", token=world["seller"]
    )
    assert received.status == 200, received
    settle(stack)  # the order-events consumer asks the provider port for the refund
    sim = stack.ru_acquirer_sim.payments[payment_id]
    assert sim["Refunded"] == 205339 and sim["Status"] == "PARTIAL_REFUNDED"  # one of two units, in kopecks
    refunded = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert refunded["refunds"][0]["status"] == "issued" and refunded["refunds"][0]["refund_id"]
    assert refunded["refunded"] == {"amount": 15999, "currency": "CNY"}
    settle(stack)
    assert stack.ru_acquirer_sim.payments[payment_id]["Refunded"] == 205339  # asked once, refunded once
