"""Bulk trade in the browser (issue 14), in process: apply as a business, post a request for quotation, compare
its quotes side by side, write to a seller, accept a quote; invoices and the printable invoice; a sample from a
product page; net terms at the web checkout. And every trade page within its DynamoDB budget."""

from __future__ import annotations

import re

from bench.counting import CallRecorder
from chalicelib.web.routing import declared_pages
from tests.api.trade.support import REAL_USCC, Trade, business_body
from tests.support import PASSWORD, random_email
from tests.web.helpers import ADDRESS, place_order, text_of

# The pages of this module (their budgets are measured here, not in test_page_costs.py).
TRADE_PAGES = {
    "GET /business",
    "POST /business",
    "GET /rfqs",
    "GET /rfqs/new",
    "POST /rfqs",
    "GET /rfqs/{rfq_id}",
    "POST /rfqs/{rfq_id}/cancel",
    "POST /rfqs/{rfq_id}/accept",
    "GET /rfqs/{rfq_id}/quotes/{quote_id}",
    "POST /rfqs/{rfq_id}/quotes/{quote_id}/messages",
    "GET /invoices",
    "GET /invoices/{invoice_id}",
    "POST /cart/sample",
}
BUSINESS_FORM = {
    "company_name": "Hangzhou Good Harvest Foods Co., Ltd.",
    "tax_id": REAL_USCC[2],
    "province": "Zhejiang",
    "prefecture": "Hangzhou",
    "county": "Xihu",
    "line": "88 Wensan Road",
    "postal_code": "310012",
    "contact_name": "Li Na",
    "phone": "+86 571 555 0199",
    "email": "",
}
RFQ_FORM = {
    "category": "dried-fruit",
    "title": "Green raisins, 300 cartons",
    "specification": "Seedless, grade 1, 10 kg cartons",
    "quantity": "300",
    "unit": "carton",
    "target": "230",
    "deliver_province": "Zhejiang",
    "deliver_prefecture": "Hangzhou",
    "deadline_days": "7",
}


def web_business(web, api, factory, trade: Trade, terms=None) -> str:
    """A buyer signed in on the web, verified as a business (net terms if given); returns the API token."""
    email = f"web-{random_email()}"
    assert api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"}).status == 201
    web.sign_in(email, PASSWORD)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    business_id = api.post("/v1/me/business", business_body(), token=token).json["business_id"]
    assert api.post(f"/v1/admin/businesses/{business_id}/verify", {}, token=factory.operator).status == 200
    if terms:
        body = {"terms_days": terms[0], "credit_limit": {"amount": terms[1], "currency": "CNY"}}
        assert api.put(f"/v1/admin/businesses/{business_id}/terms", body, token=factory.operator).status == 200
    return token


def test_a_buyer_applies_as_a_business_on_the_web(web, api, factory):
    email = f"web-{random_email()}"
    api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    web.sign_in(email, PASSWORD)
    form = web.get("/business")
    assert form.status == 200 and 'name="tax_id"' in form.text
    wrong = web.post("/business", {**BUSINESS_FORM, "tax_id": REAL_USCC[2][:17] + "A", "csrf": form.hidden("csrf")})
    assert wrong.status == 400
    assert "The last character of this code does not match" in text_of(wrong)
    sent = web.post("/business", {**BUSINESS_FORM, "csrf": form.hidden("csrf")})
    assert sent.status == 303, sent
    shown = web.get(sent.location)
    assert "Being checked" in text_of(shown) and REAL_USCC[2] in shown.text


def test_a_business_posts_an_rfq_compares_quotes_talks_and_accepts_on_the_web(web, api, factory):
    trade = Trade(api, factory)
    token = web_business(web, api, factory, trade)
    page = web.get("/rfqs/new")
    posted = web.post("/rfqs", {**RFQ_FORM, "csrf": page.hidden("csrf")})
    assert posted.status == 303, posted
    rfq_id = re.search(r"/rfqs/(rfq_\w+)", posted.location).group(1)
    listed = web.get("/rfqs")
    assert "Green raisins, 300 cartons" in listed.text

    cheap, fast = trade.supplier(name="Turpan Valley Wholesale"), trade.supplier(name="Kashgar Dried Fruit")
    q_cheap = trade.quote(cheap, rfq_id, 22_900, lead_time_days=12)
    trade.quote(fast, rfq_id, 23_800, lead_time_days=4, sample={"amount": 3_200, "quantity": 2})

    compared = web.get(f"/rfqs/{rfq_id}")
    assert compared.status == 200
    table = compared.text[compared.text.index('<table class="compare">') :]
    assert table.index("Turpan Valley Wholesale") < table.index("Kashgar Dried Fruit")  # cheapest first
    assert "¥229.00" in table and "¥238.00" in table and "within target" in table
    by_lead = web.get(f"/rfqs/{rfq_id}?sort=lead_time").text
    by_lead = by_lead[by_lead.index('<table class="compare">') :]
    assert by_lead.index("Kashgar Dried Fruit") < by_lead.index("Turpan Valley Wholesale")

    talk = web.get(f"/rfqs/{rfq_id}/quotes/{q_cheap['quote_id']}")
    sent = web.post(
        f"/rfqs/{rfq_id}/quotes/{q_cheap['quote_id']}/messages", {"csrf": talk.hidden("csrf"), "text": "Two lots?"}
    )
    assert sent.status == 303
    assert "Two lots?" in web.get(sent.location).text

    form = {
        **{k: v for k, v in ADDRESS.items() if k != "payment_method"},
        "csrf": compared.hidden("csrf"),
        "idempotency_key": compared.hidden("idempotency_key"),
        "quote_id": q_cheap["quote_id"],
        "quantity": "300",
        "payment_method": "bank_transfer",
    }
    accepted = web.post(f"/rfqs/{rfq_id}/accept", form)
    assert accepted.status == 303, accepted
    order_page = web.get(accepted.location)
    assert "¥229.00" in order_page.text and "Ordered from an accepted quote" in text_of(order_page)
    assert "Quote accepted" in text_of(web.get(f"/rfqs/{rfq_id}"))
    assert api.get(f"/v1/rfqs/{rfq_id}", token=token).json["status"] == "awarded"


def test_invoices_and_the_printable_invoice(web, api, factory):
    trade = Trade(api, factory)
    token = web_business(web, api, factory, trade, terms=(30, 10_000_000))
    supplier = trade.supplier()
    product = factory.product(supplier.token, supplier.shop, title="Hotan jujubes", stock=100)
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=token).status == 200
    (order_id,) = place_order(web, payment_method="net_terms")
    shipped = api.post(
        f"/v1/shops/{supplier.shop_id}/orders/{order_id}/ship",
        {"carrier": "SF", "tracking_number": "SF1"},
        token=supplier.token,
    ).json
    listed = web.get("/invoices?status=open")
    assert listed.status == 200 and "00000001" in listed.text
    invoice = web.get(f"/invoices/{shipped['invoice_id']}")
    text = text_of(invoice)
    assert invoice.status == 200
    assert "Hangzhou Good Harvest" in text and "9%" in text and "¥1,200.00" in text
    assert "@media print" in web.get("/static/site.css").text
    assert "See the invoice" in text_of(web.get(f"/orders/{order_id}"))
    assert web.get("/invoices?status=paid").text.count("00000001") == 0


def test_net_terms_at_the_web_checkout_say_why_they_are_refused(web, api, factory):
    trade = Trade(api, factory)
    token = web_business(web, api, factory, trade)  # verified, but no credit line
    supplier = trade.supplier()
    product = factory.product(supplier.token, supplier.shop, stock=100)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=token)
    page = web.get("/checkout")
    assert 'value="net_terms"' in page.text
    form = {**ADDRESS, "payment_method": "net_terms", "csrf": page.hidden("csrf")}
    refused = web.post("/checkout", {**form, "idempotency_key": page.hidden("idempotency_key")})
    assert refused.status == 409 and "Net terms are not available" in text_of(refused)


def test_a_sample_from_the_product_page(web, api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "b2b")
    body = {"sample": {"amount": 2_500, "max_quantity": 2}}
    product = factory.product(seller, shop, title="Aksu walnuts")
    attrs = {**product["attributes"], **body}
    api.patch(f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", {"attributes": attrs}, token=seller)
    email = f"web-{random_email()}"
    api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    web.sign_in(email, PASSWORD)
    page = web.get(f"/s/b2b/p/{product['product_id']}")
    assert "Try a sample first" in text_of(page) and 'action="/cart/sample"' in page.text
    added = web.post(
        "/cart/sample", {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "quantity": "2"}
    )
    assert added.status == 303, added
    cart = web.get("/cart")
    assert "¥25.00" in cart.text


def test_trade_pages_stay_within_their_dynamodb_budgets(web, api, factory):
    budgets = {spec.key: spec.budget.calls for spec in declared_pages(__import__("app").app)}
    assert set(budgets) >= TRADE_PAGES
    measured: dict[str, int] = {}

    def measure(route: str, request, status: int):
        with CallRecorder() as rec:
            reply = request()
        assert reply.status == status, (route, reply)
        assert "Scan" not in rec.totals().operations, route
        measured[route] = max(measured.get(route, 0), rec.totals().calls)
        return reply

    email = f"web-{random_email()}"
    api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    web.sign_in(email, PASSWORD)
    form = measure("GET /business", lambda: web.get("/business"), 200)
    measure("POST /business", lambda: web.post("/business", {**BUSINESS_FORM, "csrf": form.hidden("csrf")}), 303)
    trade = Trade(api, factory)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    business_id = api.get("/v1/me/business", token=token).json["business_id"]
    api.post(f"/v1/admin/businesses/{business_id}/verify", {}, token=factory.operator)
    api.put(
        f"/v1/admin/businesses/{business_id}/terms",
        {"terms_days": 30, "credit_limit": {"amount": 10_000_000, "currency": "CNY"}},
        token=factory.operator,
    )
    measure("GET /business", lambda: web.get("/business"), 200)
    page = measure("GET /rfqs/new", lambda: web.get("/rfqs/new"), 200)
    posted = measure("POST /rfqs", lambda: web.post("/rfqs", {**RFQ_FORM, "csrf": page.hidden("csrf")}), 303)
    rfq_id = re.search(r"/rfqs/(rfq_\w+)", posted.location).group(1)
    measure("GET /rfqs", lambda: web.get("/rfqs"), 200)
    supplier = trade.supplier()
    quote = trade.quote(supplier, rfq_id, 22_900)
    compared = measure("GET /rfqs/{rfq_id}", lambda: web.get(f"/rfqs/{rfq_id}"), 200)
    talk = measure(
        "GET /rfqs/{rfq_id}/quotes/{quote_id}", lambda: web.get(f"/rfqs/{rfq_id}/quotes/{quote['quote_id']}"), 200
    )
    measure(
        "POST /rfqs/{rfq_id}/quotes/{quote_id}/messages",
        lambda: web.post(
            f"/rfqs/{rfq_id}/quotes/{quote['quote_id']}/messages", {"csrf": talk.hidden("csrf"), "text": "Hi"}
        ),
        303,
    )
    form = {
        **{k: v for k, v in ADDRESS.items() if k != "payment_method"},
        "csrf": compared.hidden("csrf"),
        "idempotency_key": compared.hidden("idempotency_key"),
        "quote_id": quote["quote_id"],
        "quantity": "300",
        "payment_method": "net_terms",
    }
    accepted = measure("POST /rfqs/{rfq_id}/accept", lambda: web.post(f"/rfqs/{rfq_id}/accept", form), 303)
    order_id = accepted.location.rsplit("/", 1)[-1]
    other = web.get("/rfqs/new")
    second = web.post("/rfqs", {**RFQ_FORM, "csrf": other.hidden("csrf")}).location.rsplit("/", 1)[-1].split("?")[0]
    page = web.get(f"/rfqs/{second}")
    measure(
        "POST /rfqs/{rfq_id}/cancel", lambda: web.post(f"/rfqs/{second}/cancel", {"csrf": page.hidden("csrf")}), 303
    )
    shipped = api.post(
        f"/v1/shops/{supplier.shop_id}/orders/{order_id}/ship",
        {"carrier": "SF", "tracking_number": "SF1"},
        token=supplier.token,
    ).json
    measure("GET /invoices", lambda: web.get("/invoices"), 200)
    measure("GET /invoices/{invoice_id}", lambda: web.get(f"/invoices/{shipped['invoice_id']}"), 200)
    product = factory.product(supplier.token, supplier.shop)
    attrs = {**product["attributes"], "sample": {"amount": 2_500, "max_quantity": 2}}
    api.patch(
        f"/v1/shops/{supplier.shop_id}/products/{product['product_id']}", {"attributes": attrs}, token=supplier.token
    )
    page = web.get(f"/s/b2b/p/{product['product_id']}")
    measure(
        "POST /cart/sample",
        lambda: web.post(
            "/cart/sample", {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "quantity": "1"}
        ),
        303,
    )
    assert set(measured) == TRADE_PAGES
    over = {route: (calls, budgets[route]) for route, calls in measured.items() if calls > budgets[route]}
    assert over == {}, over
