"""Net terms and invoices through the API (issue 14): the credit line on the ledger, checkout on terms within the
available credit, invoices issued on shipment with sequential numbers, payment restoring the credit, overdue
invoices blocking new orders on terms until paid."""

from __future__ import annotations

import json
import time

import pytest

from bench.counting import CallRecorder
from chalicelib.services.payments import sign_webhook
from tests.api.trade.support import accept_body, later
from tests.support import ADDRESS, assert_api_error, checkout, scheduled_event

SHIP = {"carrier": "SF Express", "tracking_number": "SF100200300"}
LIMIT = 1_000_000  # 10,000.00 CNY


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


@pytest.fixture
def supplier(trade, factory):
    s = trade.supplier()
    # 120.00 a carton from 10, 100.00 from 50; multiples of 5 (tests/support.ATTRIBUTES["b2b"])
    s.product = factory.product(s.token, s.shop, title="Hotan jujubes", stock=1000)
    return s


def credit(api, buyer) -> dict:
    return {k: v["amount"] for k, v in api.get("/v1/me/business", token=buyer).json["credit"].items()}


def on_terms(api, buyer, product, quantity, key=None):
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": quantity}, token=buyer).status == 200
    return checkout(api, buyer, key=key, payment="net_terms")


def ship(api, supplier, order_id):
    reply = api.post(f"/v1/shops/{supplier.shop_id}/orders/{order_id}/ship", SHIP, token=supplier.token)
    assert reply.status == 200, reply
    return reply.json


# --- the credit line ----------------------------------------------------------------------------------------


def test_an_operator_gives_a_verified_business_a_credit_line_on_the_ledger(api, stack, trade, factory):
    buyer = trade.business(terms=(30, LIMIT))
    business = api.get("/v1/me/business", token=buyer).json
    assert business["terms"]["terms_days"] == 30 and business["net_terms_available"] is True
    assert credit(api, buyer) == {"limit": LIMIT, "available": LIMIT, "reserved": 0, "receivable": 0}
    posted = stack.ledger.balance(f"business:{business['business_id']}:credit", "CNY")
    assert posted.amount == LIMIT

    raised = api.put(
        f"/v1/admin/businesses/{business['business_id']}/terms",
        {"terms_days": 60, "credit_limit": {"amount": 3 * LIMIT, "currency": "CNY"}},
        token=factory.operator,
    )
    assert raised.status == 200 and raised.json["terms"]["credit_limit"]["amount"] == 3 * LIMIT
    assert credit(api, buyer)["available"] == 3 * LIMIT

    pending = trade.business(verify=False)
    pending_id = trade.business_id(pending)
    refused = api.put(
        f"/v1/admin/businesses/{pending_id}/terms",
        {"terms_days": 30, "credit_limit": {"amount": LIMIT, "currency": "CNY"}},
        token=factory.operator,
    )
    assert_api_error(refused, 409, "business_not_verified")
    for bad in (
        {"terms_days": 45, "credit_limit": {"amount": 1, "currency": "CNY"}},
        {"terms_days": 30, "credit_limit": {"amount": 1, "currency": "USD"}},
    ):
        assert (
            api.put(f"/v1/admin/businesses/{business['business_id']}/terms", bad, token=factory.operator).status == 400
        )


# --- checkout on terms --------------------------------------------------------------------------------------


def test_a_verified_business_checks_out_on_terms_within_its_available_credit(api, trade, supplier):
    buyer = trade.business(terms=(30, LIMIT))
    placed = on_terms(api, buyer, supplier.product, 50)  # 50 x 100.00 = 5,000.00
    assert placed.status == 201, placed
    (order,) = placed.json["orders"]
    assert (order["payment_method"], order["status"], order["total"]["amount"]) == (
        "net_terms",
        "pending_payment",
        500_000,
    )
    assert order["business"]["verified"] and order["invoice_details"]["terms_days"] == 30
    assert credit(api, buyer) == {"limit": LIMIT, "available": 500_000, "reserved": 500_000, "receivable": 0}

    over = on_terms(api, buyer, supplier.product, 55)  # 5,500.00 > 5,000.00 left
    error = assert_api_error(over, 409, "credit_limit_exceeded")
    assert "5000.00" in error["message"] or "500000" in error["message"]
    assert credit(api, buyer)["available"] == 500_000  # nothing taken
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1  # the cart is kept

    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert credit(api, buyer) == {"limit": LIMIT, "available": LIMIT, "reserved": 0, "receivable": 0}
    assert on_terms(api, buyer, supplier.product, 55).status == 201


def test_net_terms_are_refused_without_verification_terms_or_for_other_storefronts(api, trade, supplier, factory):
    plain = factory.user("buyer")
    assert_api_error(on_terms(api, plain, supplier.product, 10), 409, "net_terms_unavailable")
    no_terms = trade.business()
    assert_api_error(on_terms(api, no_terms, supplier.product, 10), 409, "net_terms_unavailable")
    revoked = trade.business(terms=(30, LIMIT))
    business_id = trade.business_id(revoked)
    api.post(f"/v1/admin/businesses/{business_id}/reject", {"reason": "licence revoked"}, token=factory.operator)
    assert_api_error(on_terms(api, revoked, supplier.product, 10), 409, "net_terms_unavailable")

    buyer = trade.business(terms=(30, LIMIT))
    seller = factory.user("seller")
    crafts = factory.product(seller, factory.shop(seller, "handicrafts"))
    assert api.put(f"/v1/cart/items/{crafts['product_id']}", {"quantity": 1}, token=buyer).status == 200
    assert_api_error(checkout(api, buyer, payment="net_terms"), 409, "net_terms_unavailable")


def test_checkout_is_two_calls_for_cash_card_and_transfer_and_three_on_terms(api, trade, supplier):
    buyer = trade.business(terms=(30, LIMIT))
    for payment in ("cash_on_delivery", "bank_transfer", "card"):
        api.put(f"/v1/cart/items/{supplier.product['product_id']}", {"quantity": 10}, token=buyer)
        with CallRecorder() as rec:
            reply = checkout(api, buyer, payment=payment)
        assert reply.status == 201, reply
        assert rec.dynamodb().calls == 2, (payment, rec.dynamodb().describe_operations())
    api.put(f"/v1/cart/items/{supplier.product['product_id']}", {"quantity": 10}, token=buyer)
    with CallRecorder() as rec:
        reply = checkout(api, buyer, payment="net_terms")
    assert reply.status == 201, reply
    assert rec.dynamodb().calls == 3, rec.dynamodb().describe_operations()


def test_a_checkout_replay_on_terms_takes_the_credit_once(api, trade, supplier):
    buyer = trade.business(terms=(30, LIMIT))
    first = on_terms(api, buyer, supplier.product, 10, key="terms-key")
    again = checkout(api, buyer, key="terms-key", payment="net_terms")
    assert (first.status, again.status) == (201, 200)
    assert credit(api, buyer)["reserved"] == 120_000


# --- invoices ----------------------------------------------------------------------------------------------


def test_shipping_an_order_on_terms_issues_a_numbered_invoice_with_vat_and_due_date(api, stack, trade, supplier):
    buyer = trade.business(terms=(60, LIMIT))
    orders = [on_terms(api, buyer, supplier.product, 10).json["orders"][0] for _ in range(3)]
    numbers = []
    for order in orders:
        shipped = ship(api, supplier, order["order_id"])
        assert shipped["invoice_id"]
        invoice = api.get(f"/v1/shops/{supplier.shop_id}/invoices/{shipped['invoice_id']}", token=supplier.token).json
        numbers.append(invoice["number"])
    assert numbers == ["00000001", "00000002", "00000003"]

    invoice = api.get(f"/v1/me/invoices/{shipped['invoice_id']}", token=buyer).json
    assert invoice["status"] == "open" and invoice["terms_days"] == 60
    assert invoice["total"] == {"amount": 120_000, "currency": "CNY"}
    (line,) = invoice["lines"]
    assert (line["quantity"], line["unit"], line["vat_rate"]) == (10, "carton", "0.09")  # dried fruit: 9%
    assert (
        invoice["vat"]["amount"] == round(120_000 * 9 / 109)
        and invoice["net"]["amount"] == 120_000 - invoice["vat"]["amount"]
    )
    assert invoice["bill_to"]["tax_id"] and invoice["bill_to"]["company_name"]
    issued = invoice["issued_at"][:10]
    assert invoice["due_at"][:10] == later(issued + "T00:00:00Z", days=60)[:10]
    assert credit(api, buyer) == {"limit": LIMIT, "available": LIMIT - 360_000, "reserved": 0, "receivable": 360_000}

    mine = api.get("/v1/me/invoices?status=open", token=buyer).json["items"]
    assert len(mine) == 3 and {i["status"] for i in mine} == {"open"}
    assert api.get("/v1/me/invoices?status=paid", token=buyer).json["items"] == []
    by_number = api.get(f"/v1/shops/{supplier.shop_id}/invoices", token=supplier.token).json["items"]
    assert [i["number"] for i in by_number] == ["00000003", "00000002", "00000001"]
    # a shipped order on terms is not cancelled any more, nor paid outside its invoice
    assert_api_error(api.post(f"/v1/orders/{orders[0]['order_id']}/cancel", token=buyer), 409)
    mark = api.post(f"/v1/shops/{supplier.shop_id}/orders/{orders[0]['order_id']}/mark-paid", token=supplier.token)
    assert_api_error(mark, 409, "pay_the_invoice")


def test_paying_an_invoice_pays_the_order_and_restores_the_credit(api, trade, supplier):
    buyer = trade.business(terms=(30, LIMIT))
    order = on_terms(api, buyer, supplier.product, 50).json["orders"][0]
    invoice_id = ship(api, supplier, order["order_id"])["invoice_id"]
    assert credit(api, buyer) == {"limit": LIMIT, "available": 500_000, "reserved": 0, "receivable": 500_000}
    path = f"/v1/shops/{supplier.shop_id}/invoices/{invoice_id}/mark-paid"
    paid = api.post(path, {"reference": "ICBC 0042"}, token=supplier.token)
    assert paid.status == 200, paid
    assert paid.json["status"] == "paid" and paid.json["payment"] == {
        "method": "bank_transfer",
        "reference": "ICBC 0042",
    }
    assert credit(api, buyer) == {"limit": LIMIT, "available": LIMIT, "reserved": 0, "receivable": 0}
    seen = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert seen["paid_at"] and seen["status"] == "shipped"
    assert_api_error(api.post(path, {}, token=supplier.token), 409, "invoice_already_paid")
    assert credit(api, buyer)["available"] == LIMIT


def test_the_payment_provider_pays_an_invoice(api, stack, trade, supplier):
    buyer = trade.business(terms=(30, LIMIT))
    order = on_terms(api, buyer, supplier.product, 10).json["orders"][0]
    invoice_id = ship(api, supplier, order["order_id"])["invoice_id"]
    body = json.dumps(
        {
            "event_id": "evt_terms_1",
            "type": "payment.succeeded",
            "order_id": order["order_id"],
            "amount": {"amount": 120_000, "currency": "CNY"},
        }
    ).encode()
    headers = {"X-Bazaar-Signature": sign_webhook(stack.settings.payment_webhook_secret, body, int(time.time()))}
    first = api.request("POST", "/v1/payments/webhook", body=body, headers=headers)
    assert (first.status, first.json) == (200, {"status": "applied"})
    again = api.request("POST", "/v1/payments/webhook", body=body, headers=headers)
    assert (again.status, again.json) == (200, {"status": "duplicate"})
    assert api.get(f"/v1/me/invoices/{invoice_id}", token=buyer).json["payment"]["method"] == "provider"
    assert credit(api, buyer)["available"] == LIMIT


def test_an_overdue_invoice_blocks_net_terms_until_it_is_paid(api, stack, trade, supplier):
    from chalicelib.events.trade_jobs import mark_overdue_invoices

    buyer = trade.business(terms=(30, LIMIT))
    order = on_terms(api, buyer, supplier.product, 10).json["orders"][0]
    invoice_id = ship(api, supplier, order["order_id"])["invoice_id"]
    assert on_terms(api, buyer, supplier.product, 10).status == 201  # fine while nothing is overdue

    stack.clock = lambda: later(days=30, hours=-1)
    assert mark_overdue_invoices(scheduled_event(), None) == {"overdue": 0}  # not due yet
    stack.clock = lambda: later(days=31)
    assert api.get(f"/v1/me/invoices/{invoice_id}", token=buyer).json["status"] == "overdue"  # by the clock
    assert mark_overdue_invoices(scheduled_event(), None) == {"overdue": 1}
    assert mark_overdue_invoices(scheduled_event(), None) == {"overdue": 0}  # once
    business = api.get("/v1/me/business", token=buyer).json
    assert business["overdue_invoices"] == 1 and business["net_terms_available"] is False
    assert [i["invoice_id"] for i in api.get("/v1/me/invoices?status=overdue", token=buyer).json["items"]] == [
        invoice_id
    ]
    notes = api.get("/v1/me/notifications", token=buyer).json["items"]
    assert any(n["type"] == "invoice.overdue" and n["invoice_id"] == invoice_id for n in notes)

    blocked = on_terms(api, buyer, supplier.product, 10)
    assert_api_error(blocked, 409, "net_terms_unavailable")
    assert "overdue" in blocked.json["error"]["message"]
    assert checkout(api, buyer, payment="bank_transfer").status == 201  # other payment methods still work

    paid = api.post(f"/v1/shops/{supplier.shop_id}/invoices/{invoice_id}/mark-paid", {}, token=supplier.token)
    assert paid.status == 200, paid
    assert api.get("/v1/me/business", token=buyer).json["net_terms_available"] is True
    assert on_terms(api, buyer, supplier.product, 10).status == 201


def test_an_accepted_quote_on_net_terms_takes_the_credit(api, trade):
    buyer = trade.business(terms=(30, LIMIT))
    supplier = trade.supplier()
    rfq = trade.rfq(buyer, quantity=100)
    quote = trade.quote(supplier, rfq["rfq_id"], 9000)
    too_big = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=200, payment="net_terms"))
    assert_api_error(too_big, 409, "credit_limit_exceeded")  # 18,000.00 > 10,000.00
    assert api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=buyer).json["status"] == "open"
    done = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=100, payment="net_terms"))
    assert done.status == 201, done
    assert credit(api, buyer)["available"] == LIMIT - 900_000
    order = done.json["order"]
    invoice_id = ship(api, supplier, order["order_id"])["invoice_id"]
    invoice = api.get(f"/v1/me/invoices/{invoice_id}", token=buyer).json
    assert invoice["lines"][0]["unit_price"]["amount"] == 9000 and invoice["number"] == "00000001"


def test_orders_of_a_verified_business_carry_its_badge_and_invoice_details(api, trade, supplier, factory):
    buyer = trade.business()
    assert api.put(f"/v1/cart/items/{supplier.product['product_id']}", {"quantity": 10}, token=buyer).status == 200
    (order,) = checkout(api, buyer, payment="bank_transfer").json["orders"]
    assert order["business"]["verified"] is True and order["invoice_details"]["company_title"]
    seen = api.get(f"/v1/shops/{supplier.shop_id}/orders/{order['order_id']}", token=supplier.token).json
    assert seen["invoice_details"]["tax_id"] == api.get("/v1/me/business", token=buyer).json["tax_id"]

    plain = factory.user("buyer")
    api.put(f"/v1/cart/items/{supplier.product['product_id']}", {"quantity": 10}, token=plain)
    given = api.post(
        "/v1/checkout",
        {
            "delivery": ADDRESS,
            "payment_method": "cash_on_delivery",
            "invoice": {"company_title": "Turpan Grape Co.", "tax_id": "91350100M000100Y44"},
        },
        token=plain,
        headers={"Idempotency-Key": "bad-tax-id"},
    )
    assert_api_error(given, 400, "tax_id_check_character")
    given = api.post(
        "/v1/checkout",
        {
            "delivery": ADDRESS,
            "payment_method": "cash_on_delivery",
            "invoice": {"company_title": "Turpan Grape Co.", "tax_id": "91350100M000100Y43"},
        },
        token=plain,
        headers={"Idempotency-Key": "good-tax-id"},
    )
    assert given.status == 201, given
    (order,) = given.json["orders"]
    assert order["invoice_details"] == {"company_title": "Turpan Grape Co.", "tax_id": "91350100M000100Y43"}
    assert "business" not in order
