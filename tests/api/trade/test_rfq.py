"""Requests for quotation through the API (issue 14): the whole path, confidentiality of competing quotes, the
monthly quota, expiry by the clock, messages, acceptance (idempotent, at the quoted price, MOQ, stock)."""

from __future__ import annotations

import json

import pytest

from chalicelib.events.order_events import handle_records
from tests.api.trade.support import accept_body, later, quote_body, rfq_body
from tests.support import assert_api_error, drain_order_events, scheduled_event, stock_of


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


def consume(stack) -> None:
    """What the order-events Lambda does with everything queued so far."""
    records = drain_order_events(stack)
    assert handle_records(records) == {"batchItemFailures": []}


def notifications(api, token) -> list[dict]:
    return api.get("/v1/me/notifications?limit=100", token=token).json["items"]


# --- the whole path --------------------------------------------------------------------------------------------


def test_three_sellers_quote_one_revises_the_buyer_accepts_one_and_the_others_are_closed(api, stack, trade, factory):
    buyer = trade.business()
    hotan, aksu, kashgar = (trade.supplier(name=n) for n in ("Hotan Orchards", "Aksu Farms", "Kashgar Dates"))
    rfq = trade.rfq(buyer, quantity=300)
    assert rfq["status"] == "open" and rfq["business"]["verified"] is True

    quotes = {
        "hotan": trade.quote(hotan, rfq["rfq_id"], 9000, lead_time_days=7),
        "aksu": trade.quote(aksu, rfq["rfq_id"], 8700, lead_time_days=20),
        "kashgar": trade.quote(kashgar, rfq["rfq_id"], 8900, lead_time_days=12),
    }
    revised = trade.quote(hotan, rfq["rfq_id"], 8600, status=200, lead_time_days=6)
    assert revised["quote_id"] == quotes["hotan"]["quote_id"]  # one live quote per shop: revised, not added
    assert revised["revision"] == 1 and revised["revisions"][0]["unit_price"]["amount"] == 9000

    by_price = api.get(f"/v1/rfqs/{rfq['rfq_id']}/quotes", token=buyer).json["items"]
    assert [(q["shop"]["name"], q["unit_price"]["amount"]) for q in by_price] == [
        ("Hotan Orchards", 8600),
        ("Aksu Farms", 8700),
        ("Kashgar Dates", 8900),
    ]
    by_lead = api.get(f"/v1/rfqs/{rfq['rfq_id']}/quotes?sort=lead_time", token=buyer).json["items"]
    assert [q["lead_time_days"] for q in by_lead] == [6, 12, 20]
    assert api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=buyer).json["quote_count"] == 3

    accepted = trade.accept(buyer, rfq["rfq_id"], quotes["kashgar"]["quote_id"], accept_body(quantity=300))
    assert accepted.status == 201, accepted
    order = accepted.json["order"]
    assert order["lines"][0]["unit_price"] == {"amount": 8900, "currency": "CNY"}  # the quoted price
    assert order["total"]["amount"] == 8900 * 300 and order["shop"]["shop_id"] == kashgar.shop_id
    assert order["rfq"] == {"rfq_id": rfq["rfq_id"], "quote_id": quotes["kashgar"]["quote_id"]}
    assert order["business"]["verified"] is True

    closed = api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=buyer).json
    assert (closed["status"], closed["accepted_quote_id"], closed["order_id"]) == (
        "awarded",
        quotes["kashgar"]["quote_id"],
        order["order_id"],
    )
    # the seller has the order, with the business badge and invoice details
    seen = api.get(f"/v1/shops/{kashgar.shop_id}/orders/{order['order_id']}", token=kashgar.token).json
    assert seen["business"]["company_name"] and seen["invoice_details"]["tax_id"]

    consume(stack)  # the order-events consumer closes the other quotes and tells their sellers
    statuses = {
        q["shop"]["name"]: q["status"] for q in api.get(f"/v1/rfqs/{rfq['rfq_id']}/quotes", token=buyer).json["items"]
    }
    assert statuses == {"Hotan Orchards": "not_selected", "Aksu Farms": "not_selected", "Kashgar Dates": "accepted"}
    for loser in (hotan, aksu):
        assert any(n["type"] == "quote.not_selected" for n in notifications(api, loser.token))
    assert any(n["type"] == "quote.accepted" for n in notifications(api, kashgar.token))
    assert any(n["type"] == "order.created" for n in notifications(api, kashgar.token))
    consume(stack)  # a redelivery changes nothing
    assert sum(n["type"] == "quote.not_selected" for n in notifications(api, hotan.token)) == 1

    # quoting is over; the other sellers cannot accept-race in a second order
    assert_api_error(trade.accept(buyer, rfq["rfq_id"], quotes["aksu"]["quote_id"]), 409, "quote_closed")
    late = api.post(f"/v1/shops/{aksu.shop_id}/rfqs/{rfq['rfq_id']}/quotes", quote_body(8000), token=aksu.token)
    assert_api_error(late, 409)


def test_the_buyer_is_told_of_each_new_quote(api, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    trade.quote(supplier, rfq["rfq_id"])
    assert [n["type"] for n in notifications(api, buyer)] == ["quote.received"]


# --- confidentiality -----------------------------------------------------------------------------------------


def test_a_seller_sees_only_its_own_quote_never_a_competitors(api, trade):
    buyer = trade.business()
    mine, rival = trade.supplier(), trade.supplier()
    rfq = trade.rfq(buyer)
    my_quote = trade.quote(mine, rfq["rfq_id"], 8800, note="mine")
    rival_quote = trade.quote(rival, rfq["rfq_id"], 7000, note="secret price")

    view = api.get(f"/v1/shops/{mine.shop_id}/rfqs/{rfq['rfq_id']}", token=mine.token)
    assert view.status == 200, view
    assert view.json["my_quote"]["quote_id"] == my_quote["quote_id"]
    assert b"secret price" not in view.body and b"7000" not in view.body
    assert rival_quote["quote_id"].encode() not in view.body
    listed = api.get(f"/v1/shops/{mine.shop_id}/quotes", token=mine.token).json["items"]
    assert [q["quote_id"] for q in listed] == [my_quote["quote_id"]]

    # the buyer's comparison is the buyer's only; the rival's conversation is the rival's only
    assert_api_error(api.get(f"/v1/rfqs/{rfq['rfq_id']}/quotes", token=mine.token), 403)
    rival_messages = f"/v1/shops/{rival.shop_id}/rfqs/{rfq['rfq_id']}/quotes/{rival_quote['quote_id']}/messages"
    assert api.post(rival_messages, {"text": "our best price"}, token=rival.token).status == 201
    assert_api_error(api.get(rival_messages, token=mine.token), 403)
    through_mine = f"/v1/shops/{mine.shop_id}/rfqs/{rfq['rfq_id']}/quotes/{rival_quote['quote_id']}/messages"
    assert_api_error(api.get(through_mine, token=mine.token), 404)
    assert_api_error(api.post(through_mine, {"text": "hi"}, token=mine.token), 404)
    # another business buyer cannot read this RFQ or its quotes
    other = trade.business()
    assert_api_error(api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=other), 404)
    assert_api_error(api.get(f"/v1/rfqs/{rfq['rfq_id']}/quotes", token=other), 404)


def test_only_shops_of_the_category_see_an_rfq_and_may_quote(api, trade, factory):
    buyer = trade.business()
    fruit, cotton = trade.supplier(("dried-fruit",)), trade.supplier(("cotton-textiles",))
    rfq = trade.rfq(buyer, category="dried-fruit")
    fruit_list = api.get(f"/v1/shops/{fruit.shop_id}/rfq-opportunities", token=fruit.token).json["items"]
    cotton_list = api.get(f"/v1/shops/{cotton.shop_id}/rfq-opportunities", token=cotton.token).json["items"]
    assert rfq["rfq_id"] in [r["rfq_id"] for r in fruit_list]
    assert rfq["rfq_id"] not in [r["rfq_id"] for r in cotton_list]
    assert_api_error(api.get(f"/v1/shops/{cotton.shop_id}/rfqs/{rfq['rfq_id']}", token=cotton.token), 404)
    refused = api.post(f"/v1/shops/{cotton.shop_id}/rfqs/{rfq['rfq_id']}/quotes", quote_body(), token=cotton.token)
    assert_api_error(refused, 404, "rfq_not_found")
    assert "order_id" not in fruit_list[0] and "buyer_id" not in fruit_list[0]

    # a shop of another storefront is not a supplier at all
    seller = factory.user("seller")
    crafts = factory.shop(seller, "handicrafts")
    assert_api_error(
        api.put(f"/v1/shops/{crafts['shop_id']}/rfq-profile", {"categories": ["dried-fruit"]}, token=seller),
        409,
        "not_a_b2b_shop",
    )


def test_opportunities_are_newest_first_and_leave_out_closed_and_past_deadline_rfqs(api, stack, trade):
    buyer = trade.business()
    supplier = trade.supplier(("dried-fruit", "nuts"))
    first = trade.rfq(buyer, title="walnuts", category="nuts")
    second = trade.rfq(buyer, title="jujubes", quote_deadline=later(hours=2))
    third = trade.rfq(buyer, title="apricots")
    api.post(f"/v1/rfqs/{third['rfq_id']}/cancel", token=buyer)
    path = f"/v1/shops/{supplier.shop_id}/rfq-opportunities"
    titles = [r["title"] for r in api.get(path, token=supplier.token).json["items"]]
    assert titles == ["jujubes", "walnuts"]
    stack.clock = lambda: later(hours=3)
    assert [r["rfq_id"] for r in api.get(path, token=supplier.token).json["items"]] == [first["rfq_id"]]
    assert second["rfq_id"]


# --- quota ---------------------------------------------------------------------------------------------------


def test_a_shop_has_a_monthly_quota_of_new_quotes_that_operators_set(api, trade, factory):
    buyer = trade.business()
    supplier = trade.supplier()
    reply = api.put(f"/v1/admin/shops/{supplier.shop_id}/quote-quota", {"monthly": 2}, token=factory.operator)
    assert reply.status == 200 and reply.json["monthly_quota"] == 2
    rfqs = [trade.rfq(buyer) for _ in range(3)]
    trade.quote(supplier, rfqs[0]["rfq_id"])
    trade.quote(supplier, rfqs[1]["rfq_id"])
    refused = api.post(
        f"/v1/shops/{supplier.shop_id}/rfqs/{rfqs[2]['rfq_id']}/quotes", quote_body(), token=supplier.token
    )
    assert_api_error(refused, 409, "quote_quota_exhausted")
    trade.quote(supplier, rfqs[0]["rfq_id"], 8000, status=200)  # a revision is not a new quote
    profile = api.get(f"/v1/shops/{supplier.shop_id}/rfq-profile", token=supplier.token).json
    assert (profile["monthly_quota"], profile["quotes_used_this_month"]) == (2, 2)
    assert (
        api.put(f"/v1/admin/shops/{supplier.shop_id}/quote-quota", {"monthly": None}, token=factory.operator).json[
            "monthly_quota"
        ]
        == 20
    )
    trade.quote(supplier, rfqs[2]["rfq_id"])


def test_the_default_quota_is_twenty_and_only_operators_change_it(api, trade):
    supplier = trade.supplier()
    assert api.get(f"/v1/shops/{supplier.shop_id}/rfq-profile", token=supplier.token).json["monthly_quota"] == 20
    assert_api_error(
        api.put(f"/v1/admin/shops/{supplier.shop_id}/quote-quota", {"monthly": 500}, token=supplier.token), 403
    )


# --- expiry by the clock ----------------------------------------------------------------------------------------


def test_deadlines_and_validity_expire_by_the_clock(api, stack, trade):
    from chalicelib.events.trade_jobs import expire_quotations

    buyer = trade.business()
    early, late = trade.supplier(), trade.supplier()
    quiet = trade.rfq(buyer, quote_deadline=later(days=1))  # nobody quotes
    busy = trade.rfq(buyer, quote_deadline=later(days=1))
    short = trade.quote(early, busy["rfq_id"], valid_until=later(days=2))
    long = trade.quote(late, busy["rfq_id"], valid_until=later(days=5))

    stack.clock = lambda: later(days=1, minutes=1)  # the deadline passed: no more quotes, no revisions
    assert_api_error(
        api.post(f"/v1/shops/{early.shop_id}/rfqs/{busy['rfq_id']}/quotes", quote_body(7000), token=early.token),
        409,
        "quote_deadline_passed",
    )
    assert expire_quotations(scheduled_event(), None) == {"expired_quotes": 0, "expired_rfqs": 1}
    assert api.get(f"/v1/rfqs/{quiet['rfq_id']}", token=buyer).json["status"] == "expired"
    assert api.get(f"/v1/rfqs/{busy['rfq_id']}", token=buyer).json["status"] == "open"  # its quotes are valid
    assert any(n["type"] == "rfq.expired" for n in notifications(api, buyer))

    stack.clock = lambda: later(days=3)
    assert expire_quotations(scheduled_event(), None) == {"expired_quotes": 1, "expired_rfqs": 0}
    statuses = {
        q["quote_id"]: q["status"] for q in api.get(f"/v1/rfqs/{busy['rfq_id']}/quotes", token=buyer).json["items"]
    }
    assert statuses == {short["quote_id"]: "expired", long["quote_id"]: "live"}
    assert_api_error(trade.accept(buyer, busy["rfq_id"], short["quote_id"]), 409, "quote_closed")

    stack.clock = lambda: later(days=6)  # the last valid quote ran out: the RFQ expires too
    assert_api_error(trade.accept(buyer, busy["rfq_id"], long["quote_id"]), 409, "quote_expired")
    assert expire_quotations(scheduled_event(), None) == {"expired_quotes": 1, "expired_rfqs": 1}
    assert api.get(f"/v1/rfqs/{busy['rfq_id']}", token=buyer).json["status"] == "expired"
    assert expire_quotations(scheduled_event(), None) == {"expired_quotes": 0, "expired_rfqs": 0}  # nothing twice


# --- accepting ---------------------------------------------------------------------------------------------------


def test_accepting_is_idempotent_by_key(api, stack, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"])
    first = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], key="same-key")
    again = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], key="same-key")
    assert (first.status, again.status) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json["order"] == first.json["order"]
    other_body = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=150), key="same-key")
    assert_api_error(other_body, 422, "idempotency_key_reused")
    orders = api.get("/v1/orders", token=buyer).json["items"]
    assert [o["order_id"] for o in orders] == [first.json["order"]["order_id"]]


def test_the_award_is_written_with_the_acceptance_so_the_other_sellers_are_told_once(api, stack, trade):
    """The new order's event and the award ride in the acceptance's own transaction (the outbox, issue 9): they
    reach the queue however the queue fared meanwhile, and a replayed acceptance writes nothing more."""
    buyer = trade.business()
    winner, loser = trade.supplier(), trade.supplier()
    rfq = trade.rfq(buyer)
    won = trade.quote(winner, rfq["rfq_id"], 8500)
    lost = trade.quote(loser, rfq["rfq_id"], 9000)
    assert trade.accept(buyer, rfq["rfq_id"], won["quote_id"], key="retry-me").status == 201
    assert trade.accept(buyer, rfq["rfq_id"], won["quote_id"], key="retry-me").status == 200
    records = drain_order_events(stack)  # relays the outbox, then reads the queue
    types = [json.loads(r["body"])["type"] for r in records]
    assert types.count("rfq.awarded") == 1 and types.count("order.created") == 1
    assert handle_records(records) == {"batchItemFailures": []}
    mine = api.get(f"/v1/shops/{loser.shop_id}/rfqs/{rfq['rfq_id']}", token=loser.token).json
    assert mine["my_quote"]["quote_id"] == lost["quote_id"] and mine["my_quote"]["status"] == "not_selected"
    assert any(n["type"] == "quote.not_selected" for n in notifications(api, loser.token))


def test_the_quotes_moq_is_respected(api, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"], moq=150)
    refused = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=149))
    error = assert_api_error(refused, 400, "below_moq")
    assert "150" in error["details"][0]["message"]
    assert api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=buyer).json["status"] == "open"  # nothing changed
    assert trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=150)).status == 201


def test_a_quote_for_a_catalog_product_takes_its_stock_atomically(api, trade, factory):
    buyer = trade.business()
    supplier = trade.supplier()
    product = factory.product(supplier.token, supplier.shop, stock=250)
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"], 7500, product_id=product["product_id"])
    assert quote["product_title"] == product["title"]
    too_many = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=300))
    assert_api_error(too_many, 409, "out_of_stock")
    assert stock_of(api, supplier.token, product) == 250
    assert api.get(f"/v1/rfqs/{rfq['rfq_id']}", token=buyer).json["status"] == "open"
    done = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"], accept_body(quantity=200))
    assert done.status == 201, done
    line = done.json["order"]["lines"][0]
    assert (line["product_id"], line["unit_price"]["amount"]) == (product["product_id"], 7500)
    assert line["unit_price"]["amount"] != product["price"]["amount"]  # the quoted price, not the catalog's
    assert stock_of(api, supplier.token, product) == 50
    # the buyer cancels: the stock comes back
    assert api.post(f"/v1/orders/{done.json['order']['order_id']}/cancel", token=buyer).status == 200
    assert stock_of(api, supplier.token, product) == 250


def test_a_quote_of_another_shops_product_is_refused(api, trade, factory):
    buyer = trade.business()
    supplier, other = trade.supplier(), trade.supplier()
    foreign = factory.product(other.token, other.shop)
    rfq = trade.rfq(buyer)
    reply = api.post(
        f"/v1/shops/{supplier.shop_id}/rfqs/{rfq['rfq_id']}/quotes",
        quote_body(product_id=foreign["product_id"]),
        token=supplier.token,
    )
    assert_api_error(reply, 400)


def test_a_custom_lot_order_cancels_without_stock(api, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"])
    order = trade.accept(buyer, rfq["rfq_id"], quote["quote_id"]).json["order"]
    assert order["lines"][0]["product_id"] == ""
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).json["status"] == "cancelled"


# --- posting, messages, cancelling -------------------------------------------------------------------------------


def test_only_verified_businesses_post_rfqs(api, trade, factory):
    pending = trade.business(verify=False)
    assert_api_error(api.post("/v1/rfqs", rfq_body(), token=pending), 403, "business_not_verified")
    plain = factory.user("buyer")
    assert_api_error(api.post("/v1/rfqs", rfq_body(), token=plain), 403, "business_not_verified")
    verified = trade.business()
    for bad in (
        {"quote_deadline": later(minutes=10)},
        {"quote_deadline": later(days=91)},
        {"currency": "USD"},
        {"category": "textiles"},
        {"quantity": 0},
        {"surprise": 1},
    ):
        assert_api_error(api.post("/v1/rfqs", rfq_body(**bad), token=verified), 400)
    assert api.get("/v1/rfqs", token=verified).json["items"] == []


def test_buyer_and_seller_talk_about_a_quote(api, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"])
    buyer_path = f"/v1/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/messages"
    seller_path = f"/v1/shops/{supplier.shop_id}/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/messages"
    assert api.get(buyer_path, token=buyer).json["items"] == []
    assert api.post(buyer_path, {"text": "Can you do 5 kg cartons?"}, token=buyer).status == 201
    assert api.post(seller_path, {"text": "Yes, same price."}, token=supplier.token).status == 201
    for path, token in ((buyer_path, buyer), (seller_path, supplier.token)):
        talk = api.get(path, token=token).json["items"]
        assert [(m["author"], m["text"]) for m in talk] == [
            ("buyer", "Can you do 5 kg cartons?"),
            ("seller", "Yes, same price."),
        ]
    assert any(n["type"] == "quote.message" for n in notifications(api, supplier.token))
    assert any(n["type"] == "quote.message" for n in notifications(api, buyer))
    assert_api_error(api.post(buyer_path, {"text": "   "}, token=buyer), 400)
    assert_api_error(api.post(buyer_path, {"text": "x" * 2001}, token=buyer), 400)


def test_a_withdrawn_rfq_closes_its_quotes(api, stack, trade):
    buyer = trade.business()
    supplier = trade.supplier()
    rfq = trade.rfq(buyer)
    quote = trade.quote(supplier, rfq["rfq_id"])
    assert api.post(f"/v1/rfqs/{rfq['rfq_id']}/cancel", token=buyer).json["status"] == "cancelled"
    assert_api_error(api.post(f"/v1/rfqs/{rfq['rfq_id']}/cancel", token=buyer), 409, "rfq_closed")
    consume(stack)
    mine = api.get(f"/v1/shops/{supplier.shop_id}/rfqs/{rfq['rfq_id']}", token=supplier.token).json
    assert mine["rfq"]["status"] == "cancelled" and mine["my_quote"]["status"] == "not_selected"
    assert_api_error(trade.accept(buyer, rfq["rfq_id"], quote["quote_id"]), 409)
