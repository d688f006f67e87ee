"""The seller and operator dashboards (issue 17), in process: figures from the counters the order-events consumer
keeps, matching the API; SVG charts with their data in tables; who may see which page."""

from __future__ import annotations

import datetime as dt
import re

from chalicelib.events.order_events import handle_records
from chalicelib.services import order_lifecycle
from tests.support import PASSWORD, buy, drain_order_events, random_email
from tests.web.helpers import text_of

SHIP = {"carrier": "SF Express", "tracking_number": "SF1"}


def consume_events(stack) -> None:
    """What the order-events Lambda does with the queue (notifications, dashboard counters)."""
    records = drain_order_events(stack)
    assert handle_records(records)["batchItemFailures"] == []


def seller_session(web, factory) -> tuple[str, str]:
    email = random_email("seller")
    assert factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "seller"}).status == 201
    token = factory.api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    web.sign_in(email, PASSWORD)
    return email, token


def figure(page, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}">([^<]+)<', page.text)
    assert match, f"no figure {name} on the page"
    return match.group(1).strip()


def test_a_seller_sees_money_sales_and_what_waits_matching_the_api(web, api, stack, factory):
    _, token = seller_session(web, factory)
    shop = factory.shop(token, "handicrafts")
    product = factory.product(token, shop, price={"amount": 10_000, "currency": "CNY"}, stock=100)
    buyer = factory.user("buyer")
    orders = [buy(api, buyer, {product["product_id"]: q}, payment="bank_transfer")[0] for q in (1, 2, 3)]
    base = f"/v1/shops/{shop['shop_id']}/orders"
    for order in orders[:2]:
        assert api.post(f"{base}/{order['order_id']}/mark-paid", token=token).status == 200
    assert api.post(f"{base}/{orders[0]['order_id']}/ship", SHIP, token=token).status == 200
    assert api.post(f"{base}/{orders[0]['order_id']}/deliver", token=token).status == 200
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat().replace("+00:00", "Z")
    order_lifecycle.complete_due(stack.buying, stack.ledger, stack.finance, now=later)
    consume_events(stack)

    stack.clock = lambda: later  # the completion is counted on the day it happened
    page = web.get("/seller")
    assert page.status == 200, page
    balance = api.get(f"/v1/shops/{shop['shop_id']}/balance", token=token).json
    assert figure(page, "available") == "¥95.00" == f"¥{balance['available']['amount'] // 100}.00"
    assert figure(page, "pending") == "¥200.00" and balance["pending"]["amount"] == 20_000
    assert figure(page, "to-ship") == "1"  # the second order: paid, not shipped; the third is unpaid
    assert figure(page, "sales-90") == "¥600.00" and figure(page, "orders-90") == "3"
    assert figure(page, "commission-90") == "¥5.00" and figure(page, "net-90") == "¥95.00"
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page.text
    assert page.text.count('class="bar-up"') == 1  # every sale was today
    assert "Atlas silk scarf" in text_of(page)  # top products
    assert orders[2]["order_id"] in page.text  # newest orders
    assert "<script" not in page.text


def test_a_seller_with_two_shops_switches_between_them_and_cannot_open_another_sellers(web, api, factory):
    _, token = seller_session(web, factory)
    first, second = factory.shop(token, "handicrafts"), factory.shop(token, "b2b")
    page = web.get(f"/seller?shop={second['shop_id']}")
    assert page.status == 200 and second["name"] in text_of(page) and first["name"] in page.text
    other = factory.shop(factory.user("seller"), "handicrafts")
    assert web.get(f"/seller?shop={other['shop_id']}").status == 404


def test_a_seller_without_a_shop_is_told_how_to_open_one(web, factory):
    seller_session(web, factory)
    page = web.get("/seller")
    assert page.status == 200 and "POST /v1/shops" in page.text


def test_the_dashboards_are_for_their_roles_only(web, factory):
    assert web.get("/seller").status == 303 and web.get("/admin").status == 303  # sign in first
    email = random_email("buyer")
    assert factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"}).status == 201
    web.sign_in(email, PASSWORD)
    assert web.get("/seller").status == 403
    assert web.get("/admin").status == 403
    assert "for seller accounts" in web.get("/seller").text


def test_an_operator_sees_figures_per_storefront_and_the_moderation_queue(web, api, stack, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "specialties")
    waiting = factory.shop(seller, "handicrafts", approve=False)
    product = factory.product(seller, shop, price={"amount": 25_000, "currency": "CNY"}, stock=10)
    buyer = factory.user("buyer")
    buy(api, buyer, {product["product_id"]: 2}, payment="cash_on_delivery")
    consume_events(stack)
    email = random_email("operator")
    stack.identity.register(email, PASSWORD, "operator")
    web.sign_in(email, PASSWORD)

    page = web.get("/admin")
    assert page.status == 200, page
    text = text_of(page)
    assert "Prefecture specialties" in text and "Shops awaiting approval" in text
    assert int(figure(page, "queue-shops").rstrip("+")) >= 1 and waiting["name"] in page.text
    assert "¥500.00" in text  # this storefront's GMV this week
    assert page.text.count('class="series"') >= 4  # GMV, orders, commission, refunds
    assert "No orders with a county in these weeks" in text and "No cross-border orders" in text
    assert "<script" not in page.text


def test_counters_count_each_event_once(web, api, stack, factory):
    from chalicelib.services import notifications

    _, token = seller_session(web, factory)
    shop = factory.shop(token, "handicrafts")
    product = factory.product(token, shop, price={"amount": 1_000, "currency": "CNY"}, stock=10)
    buy(api, factory.user("buyer"), {product["product_id"]: 1}, payment="cash_on_delivery")
    records = drain_order_events(stack)
    assert handle_records(records)["batchItemFailures"] == []
    assert handle_records(records)["batchItemFailures"] == []  # SQS delivers at least once
    orders = [r for r in records if '"order.created"' in r["body"]]  # the queue also carries the shop's job steps
    event = notifications.parse_event(orders[0]["body"])
    from chalicelib.services import dashboards

    assert dashboards.record_event(stack.aggregates, event) is False
    page = web.get("/seller")
    assert figure(page, "orders-90") == "1" and figure(page, "to-ship") == "1"
