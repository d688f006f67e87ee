"""Bulk trade's measured requests (issue 14): one scenario per route (and variant), appended to
bench/scenarios.SCENARIOS. `_trade_world` builds, once, what the reads see: a verified business with net terms,
a pending one, a b2b supplier with a product, an RFQ with two quotes and a conversation, an invoice. It does not
depend on the catalog, so the reads' counts must match exactly at every catalog size. The writes build on each
other, in order."""

from __future__ import annotations

import json
import time
import uuid

from bench.scenarios import ADDRESS, Bench, Scenario, _expect

SHIP = {"carrier": "SF Express", "tracking_number": "SF123456789"}


def _trade(b: Bench):
    from tests.api.trade.support import Trade

    return Trade(b.api, b.factory)


def _net_terms_order(b: Bench) -> dict:
    """An order on net terms of the supplier's product (not counted)."""
    t = b.state["trade"]
    buyer, product = t["business"], t["product"]
    _expect(b.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=buyer), 200, "cart")
    body = {"delivery": ADDRESS, "payment_method": "net_terms"}
    reply = b.api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
    return _expect(reply, 201, "checkout on terms").json["orders"][0]


def _ship(b: Bench, order: dict):
    t = b.state["trade"]
    return b.api.post(
        f"/v1/shops/{t['supplier'].shop_id}/orders/{order['order_id']}/ship", SHIP, token=t["supplier"].token
    )


def _trade_world(b: Bench) -> None:
    if "trade" in b.state:
        return
    trade = _trade(b)
    business = trade.business(terms=(30, 10**10))
    supplier = trade.supplier(("dried-fruit", "nuts"))
    rival = trade.supplier(("dried-fruit",))
    product = b.factory.product(supplier.token, supplier.shop, title="Hotan jujubes", stock=100_000)
    rfq = trade.rfq(business)
    quote = trade.quote(supplier, rfq["rfq_id"], 8800)
    trade.quote(rival, rfq["rfq_id"], 8600)
    messages = f"/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/messages"
    _expect(b.api.post(f"/v1{messages}", {"text": "5 kg cartons?"}, token=business), 201, "message")
    _expect(b.api.post(f"/v1/shops/{supplier.shop_id}{messages}", {"text": "Yes"}, token=supplier.token), 201, "reply")
    b.state["trade"] = {
        "trade": trade,
        "business": business,
        "business_id": trade.business_id(business),
        "pending_id": trade.business_id(trade.business(verify=False)),
        "supplier": supplier,
        "product": product,
        "rfq": rfq,
        "quote": quote,
        "messages": messages,
    }
    invoiced = _net_terms_order(b)
    b.state["trade"]["invoice_id"] = _expect(_ship(b, invoiced), 200, "ship on terms").json["invoice_id"]


def _t(b: Bench, name: str):
    return b.state["trade"][name]


def _shop(b: Bench, suffix: str = "") -> str:
    return f"/v1/shops/{_t(b, 'supplier').shop_id}{suffix}"


def _new_buyer(b: Bench) -> None:
    b.state["trade"]["fresh_buyer"] = b.factory.user("buyer")


def _apply(b: Bench):
    from tests.api.trade.support import business_body

    reply = b.api.post("/v1/me/business", business_body(), token=_t(b, "fresh_buyer"))
    if reply.status == 201:
        b.state["trade"]["fresh_id"] = reply.json["business_id"]
    return reply


def _post_rfq(b: Bench):
    from tests.api.trade.support import rfq_body

    reply = b.api.post("/v1/rfqs", rfq_body(), token=_t(b, "business"))
    if reply.status == 201:
        b.state["trade"]["new_rfq"] = reply.json
    return reply


def _quote_new(b: Bench):
    from tests.api.trade.support import quote_body

    rfq = _t(b, "new_rfq")
    reply = b.api.post(_shop(b, f"/rfqs/{rfq['rfq_id']}/quotes"), quote_body(8700), token=_t(b, "supplier").token)
    if reply.status == 201:
        b.state["trade"]["new_quote"] = reply.json
    return reply


def _quote_revise(b: Bench):
    from tests.api.trade.support import quote_body

    rfq = _t(b, "new_rfq")
    return b.api.post(_shop(b, f"/rfqs/{rfq['rfq_id']}/quotes"), quote_body(8500), token=_t(b, "supplier").token)


def _accept(b: Bench, rfq: dict, quote: dict, payment: str):
    from tests.api.trade.support import accept_body

    return b.api.post(
        f"/v1/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/accept",
        accept_body(200, payment),
        token=_t(b, "business"),
        headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )


def _second_rfq_quoted(b: Bench) -> None:
    from tests.api.trade.support import quote_body, rfq_body

    rfq = _expect(b.api.post("/v1/rfqs", rfq_body(), token=_t(b, "business")), 201, "rfq").json
    quote = _expect(
        b.api.post(_shop(b, f"/rfqs/{rfq['rfq_id']}/quotes"), quote_body(9000), token=_t(b, "supplier").token),
        201,
        "quote",
    ).json
    b.state["trade"]["terms_rfq"], b.state["trade"]["terms_quote"] = rfq, quote


def _rfq_to_cancel(b: Bench) -> None:
    from tests.api.trade.support import rfq_body

    b.state["trade"]["cancel_rfq"] = _expect(
        b.api.post("/v1/rfqs", rfq_body(), token=_t(b, "business")), 201, "rfq"
    ).json


def _terms_order(b: Bench) -> None:
    b.state["trade"]["terms_order"] = _net_terms_order(b)


def _cart_for_terms(b: Bench) -> None:
    product = _t(b, "product")
    _expect(
        b.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=_t(b, "business")), 200, "cart"
    )


def _checkout_on_terms(b: Bench):
    body = {"delivery": ADDRESS, "payment_method": "net_terms"}
    reply = b.api.post(
        "/v1/checkout", body, token=_t(b, "business"), headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
    )
    if reply.status == 201:
        b.state["trade"]["placed_on_terms"] = reply.json["orders"][0]
    return reply


def _invoiced_order(b: Bench) -> None:
    order = _net_terms_order(b)
    invoice_id = _expect(_ship(b, order), 200, "ship").json["invoice_id"]
    b.state["trade"]["webhook_order"], b.state["trade"]["webhook_invoice"] = order, invoice_id


def _invoice_webhook(b: Bench):
    from chalicelib.services.payments import sign_webhook

    order = _t(b, "webhook_order")
    raw = json.dumps(
        {
            "event_id": f"evt_{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "order_id": order["order_id"],
            "amount": order["total"],
        }
    ).encode()
    signature = sign_webhook(b.container.settings.payment_webhook_secret, raw, int(time.time()))
    return b.api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": signature})


def _sample_product(b: Bench) -> None:
    from tests.support import product_body

    body = product_body("b2b", title="Aksu walnuts, sample")
    body["attributes"]["sample"] = {"amount": 2500, "max_quantity": 2}
    reply = b.api.post(_shop(b, "/products"), body, token=_t(b, "supplier").token)
    b.state["trade"]["sample_product"] = _expect(reply, 201, "sample product").json


TRADE_SCENARIOS: list[Scenario] = [
    # reads: the world above, the same at every catalog size
    Scenario(
        "my business (net terms)",
        "GET /v1/me/business",
        lambda b: b.api.get("/v1/me/business", token=_t(b, "business")),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "businesses to verify (operator)",
        "GET /v1/admin/businesses",
        lambda b: b.api.get("/v1/admin/businesses?status=pending", token=b.operator),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "business (operator)",
        "GET /v1/admin/businesses/{business_id}",
        lambda b: b.api.get(f"/v1/admin/businesses/{_t(b, 'pending_id')}", token=b.operator),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "my RFQs",
        "GET /v1/rfqs",
        lambda b: b.api.get("/v1/rfqs", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "my RFQ",
        "GET /v1/rfqs/{rfq_id}",
        lambda b: b.api.get(f"/v1/rfqs/{_t(b, 'rfq')['rfq_id']}", token=_t(b, "business")),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "compare quotes (by price)",
        "GET /v1/rfqs/{rfq_id}/quotes",
        lambda b: b.api.get(f"/v1/rfqs/{_t(b, 'rfq')['rfq_id']}/quotes", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "compare quotes (by lead time)",
        "GET /v1/rfqs/{rfq_id}/quotes",
        lambda b: b.api.get(f"/v1/rfqs/{_t(b, 'rfq')['rfq_id']}/quotes?sort=lead_time", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "quote messages (buyer)",
        "GET /v1/rfqs/{rfq_id}/quotes/{quote_id}/messages",
        lambda b: b.api.get(f"/v1{_t(b, 'messages')}", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "my invoices",
        "GET /v1/me/invoices",
        lambda b: b.api.get("/v1/me/invoices", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "my invoices, status=open",
        "GET /v1/me/invoices",
        lambda b: b.api.get("/v1/me/invoices?status=open", token=_t(b, "business")),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "my invoice",
        "GET /v1/me/invoices/{invoice_id}",
        lambda b: b.api.get(f"/v1/me/invoices/{_t(b, 'invoice_id')}", token=_t(b, "business")),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "RFQ profile (seller)",
        "GET /v1/shops/{shop_id}/rfq-profile",
        lambda b: b.api.get(_shop(b, "/rfq-profile"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "RFQ opportunities (seller)",
        "GET /v1/shops/{shop_id}/rfq-opportunities",
        lambda b: b.api.get(_shop(b, "/rfq-opportunities"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "RFQ with my quote (seller)",
        "GET /v1/shops/{shop_id}/rfqs/{rfq_id}",
        lambda b: b.api.get(_shop(b, f"/rfqs/{_t(b, 'rfq')['rfq_id']}"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
    ),
    Scenario(
        "my quotes (seller)",
        "GET /v1/shops/{shop_id}/quotes",
        lambda b: b.api.get(_shop(b, "/quotes"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "quote messages (seller)",
        "GET /v1/shops/{shop_id}/rfqs/{rfq_id}/quotes/{quote_id}/messages",
        lambda b: b.api.get(_shop(b, _t(b, "messages")), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "shop invoices (seller)",
        "GET /v1/shops/{shop_id}/invoices",
        lambda b: b.api.get(_shop(b, "/invoices"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
        paged=True,
    ),
    Scenario(
        "shop invoice (seller)",
        "GET /v1/shops/{shop_id}/invoices/{invoice_id}",
        lambda b: b.api.get(_shop(b, f"/invoices/{_t(b, 'invoice_id')}"), token=_t(b, "supplier").token),
        200,
        prepare=_trade_world,
    ),
    # writes, in order: each builds on the ones before
    Scenario(
        "announce a business document",
        "POST /v1/me/business/uploads",
        lambda b: b.api.post(
            "/v1/me/business/uploads",
            {"content_type": "application/pdf", "size": 1000, "name": "licence.pdf"},
            token=_t(b, "fresh_buyer"),
        ),
        201,
        prepare=lambda b: (_trade_world(b), _new_buyer(b)),
    ),
    Scenario("apply as a business", "POST /v1/me/business", _apply, 201),
    Scenario(
        "verify a business",
        "POST /v1/admin/businesses/{business_id}/verify",
        lambda b: b.api.post(f"/v1/admin/businesses/{_t(b, 'fresh_id')}/verify", {}, token=b.operator),
        200,
    ),
    Scenario(
        "give net terms",
        "PUT /v1/admin/businesses/{business_id}/terms",
        lambda b: b.api.put(
            f"/v1/admin/businesses/{_t(b, 'fresh_id')}/terms",
            {"terms_days": 30, "credit_limit": {"amount": 500_000, "currency": "CNY"}},
            token=b.operator,
        ),
        200,
    ),
    Scenario(
        "reject a business",
        "POST /v1/admin/businesses/{business_id}/reject",
        lambda b: b.api.post(
            f"/v1/admin/businesses/{_t(b, 'pending_id')}/reject", {"reason": "unreadable licence"}, token=b.operator
        ),
        200,
    ),
    Scenario(
        "set a quote quota",
        "PUT /v1/admin/shops/{shop_id}/quote-quota",
        lambda b: b.api.put(
            f"/v1/admin/shops/{_t(b, 'supplier').shop_id}/quote-quota", {"monthly": 100}, token=b.operator
        ),
        200,
    ),
    Scenario(
        "set the RFQ profile",
        "PUT /v1/shops/{shop_id}/rfq-profile",
        lambda b: b.api.put(
            _shop(b, "/rfq-profile"), {"categories": ["dried-fruit", "nuts"]}, token=_t(b, "supplier").token
        ),
        200,
    ),
    Scenario("post an RFQ", "POST /v1/rfqs", _post_rfq, 201),
    Scenario("quote (new)", "POST /v1/shops/{shop_id}/rfqs/{rfq_id}/quotes", _quote_new, 201),
    Scenario("quote (revised)", "POST /v1/shops/{shop_id}/rfqs/{rfq_id}/quotes", _quote_revise, 200),
    Scenario(
        "message to the seller",
        "POST /v1/rfqs/{rfq_id}/quotes/{quote_id}/messages",
        lambda b: b.api.post(f"/v1{_t(b, 'messages')}", {"text": "Deliver by rail?"}, token=_t(b, "business")),
        201,
    ),
    Scenario(
        "message to the buyer",
        "POST /v1/shops/{shop_id}/rfqs/{rfq_id}/quotes/{quote_id}/messages",
        lambda b: b.api.post(_shop(b, _t(b, "messages")), {"text": "Yes"}, token=_t(b, "supplier").token),
        201,
    ),
    Scenario(
        "accept a quote (bank transfer)",
        "POST /v1/rfqs/{rfq_id}/quotes/{quote_id}/accept",
        lambda b: _accept(b, _t(b, "new_rfq"), _t(b, "new_quote"), "bank_transfer"),
        201,
    ),
    Scenario(
        "accept a quote (net terms)",
        "POST /v1/rfqs/{rfq_id}/quotes/{quote_id}/accept",
        lambda b: _accept(b, _t(b, "terms_rfq"), _t(b, "terms_quote"), "net_terms"),
        201,
        prepare=_second_rfq_quoted,
    ),
    Scenario(
        "withdraw an RFQ",
        "POST /v1/rfqs/{rfq_id}/cancel",
        lambda b: b.api.post(f"/v1/rfqs/{_t(b, 'cancel_rfq')['rfq_id']}/cancel", token=_t(b, "business")),
        200,
        prepare=_rfq_to_cancel,
    ),
    Scenario("checkout on net terms", "POST /v1/checkout", _checkout_on_terms, 201, prepare=_cart_for_terms),
    Scenario(
        "cancel an order on net terms (credit back)",
        "POST /v1/orders/{order_id}/cancel",
        lambda b: b.api.post(f"/v1/orders/{_t(b, 'placed_on_terms')['order_id']}/cancel", token=_t(b, "business")),
        200,
    ),
    Scenario(
        "ship on net terms (invoice issued)",
        "POST /v1/shops/{shop_id}/orders/{order_id}/ship",
        lambda b: _ship(b, _t(b, "terms_order")),
        200,
        prepare=_terms_order,
    ),
    Scenario(
        "mark an invoice paid (credit restored)",
        "POST /v1/shops/{shop_id}/invoices/{invoice_id}/mark-paid",
        lambda b: b.api.post(
            _shop(b, f"/invoices/{_t(b, 'invoice_id')}/mark-paid"),
            {"reference": "ICBC 42"},
            token=_t(b, "supplier").token,
        ),
        200,
    ),
    Scenario(
        "payment webhook (net-terms invoice)",
        "POST /v1/payments/webhook",
        _invoice_webhook,
        200,
        prepare=_invoiced_order,
    ),
    Scenario(
        "cart: a sample",
        "PUT /v1/cart/items/{product_id}",
        lambda b: b.api.put(
            f"/v1/cart/items/{_t(b, 'sample_product')['product_id']}", {"quantity": 1, "sample": True}, token=b.buyer
        ),
        200,
        prepare=_sample_product,
    ),
]
