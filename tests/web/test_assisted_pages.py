"""Ordering for a villager from the village console (issue 11), in process: search a storefront, quote with
the county's fee, confirm cash on pickup; the parcel comes to the village and is handed over to the villager in
person, without a code."""

from __future__ import annotations

import re

from tests.api.network import helpers as h
from tests.web.helpers import text_of
from tests.web.test_consoles import partner_web

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}


def test_a_partner_orders_for_a_villager_and_hands_the_parcel_over_in_person(chalice_client, api, factory):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    rule = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    assert api.put(f"/v1/admin/counties/{county.county_id}/fee-rule", rule, token=factory.operator).status == 200
    shop = h.shop(factory)

    empty = web.get("/village/order")
    assert empty.status == 200 and "Add the villager first" in empty.text
    page = web.get("/village/villagers")
    added = web.post(
        "/village/villagers",
        {"csrf": page.hidden("csrf"), "village_id": village_id, "name": "Aynur Tohti", "phone": "+86 998 555 0142",
         "consent_method": "signed_form", "witness": "", "consent": "yes"},
    )  # fmt: skip
    assert added.status == 303, added

    found = web.get("/village/order?storefront=handicrafts&q=atlas")
    assert found.status == 200 and "Atlas silk scarf" in found.text
    assert "no-store" in found.headers["cache-control"]
    villager_id = found.hidden("villager_id")
    product_id = shop.product["product_id"]
    nothing = web.post(
        "/village/order/quote", {"csrf": found.hidden("csrf"), "village_id": village_id, "villager_id": villager_id}
    )
    assert nothing.status == 400 and "Set a quantity" in nothing.text
    quoted = web.post(
        "/village/order/quote",
        {"csrf": found.hidden("csrf"), "village_id": village_id, "villager_id": villager_id, f"qty-{product_id}": "2"},
    )
    assert quoted.status == 200, quoted
    shown = text_of(quoted)
    assert "318.00" in shown and "9.54" in shown and "327.54" in shown and "3 % of the goods" in shown

    form = {
        "csrf": quoted.hidden("csrf"),
        "village_id": village_id,
        "villager_id": villager_id,
        "idempotency_key": quoted.hidden("idempotency_key"),
        f"line-{product_id}": "2",
        "payment": "cash_on_pickup",
    }
    placed = web.post("/village/orders", form)
    assert placed.status == 303, placed
    assert "was placed" in web.get(placed.location).text
    again = web.post("/village/orders", form)  # the browser's back button and a second click: one order
    assert again.status == 303
    orders = api.get(f"/v1/shops/{shop.shop['shop_id']}/orders", token=shop.seller).json["items"]
    assert len(orders) == 1
    order_id = orders[0]["order_id"]

    h.ship(api, shop, {"order_id": order_id, "payment_method": "cash_on_delivery"})
    assert h.scan(api, county, order_id).status == 200
    built = h.build(api, county, village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    village = h.Village(village_id, "", "", {})
    console = web.get("/village")
    receive = web.post(
        f"/village/manifests/{built.json['manifest_id']}/receive",
        {"csrf": console.hidden("csrf"), "village_id": village.village_id, "codes": order_id},
    )
    assert receive.status == 303, receive
    console = web.get("/village")
    assert "Ordered for a villager" in console.text and "327.54" in text_of(console)
    assert "Aynur Tohti is here: hand over" in console.text
    handed = web.post(
        "/village/handovers",
        {"csrf": console.hidden("csrf"), "village_id": village_id, "order_id": order_id, "villager_present": "yes",
         "villager_id": villager_id},
    )  # fmt: skip
    assert handed.status == 303 and re.search(r"handed=", handed.location), handed
    seller_view = api.get(f"/v1/shops/{shop.shop['shop_id']}/orders/{order_id}", token=shop.seller).json
    assert seller_view["status"] == "delivered"


def test_the_order_page_speaks_uyghur_right_to_left(chalice_client, api, factory):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    web.accept_language = "ug"
    page = web.get("/village/order")
    assert page.status == 200 and 'dir="rtl"' in page.text and "ئاھالە ئۈچۈن زاكاز" in page.text


def test_an_order_paid_by_the_partner_from_the_console_posts_its_goods_to_the_village(
    chalice_client, api, factory, stack
):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    shop = h.shop(factory)
    page = web.get("/village/villagers")
    added = web.post(
        "/village/villagers",
        {"csrf": page.hidden("csrf"), "village_id": village_id, "name": "Memet Niyaz", "phone": "",
         "consent_method": "signed_form", "witness": "", "consent": "yes"},
    )  # fmt: skip
    assert added.status == 303, added
    found = web.get("/village/order?storefront=handicrafts&q=atlas")
    product_id = shop.product["product_id"]
    quoted = web.post(
        "/village/order/quote",
        {"csrf": found.hidden("csrf"), "village_id": village_id, "villager_id": found.hidden("villager_id"),
         f"qty-{product_id}": "1"},
    )  # fmt: skip
    assert quoted.status == 200, quoted
    placed = web.post(
        "/village/orders",
        {"csrf": quoted.hidden("csrf"), "village_id": village_id, "villager_id": found.hidden("villager_id"),
         "idempotency_key": quoted.hidden("idempotency_key"), f"line-{product_id}": "1", "payment": "paid_by_partner"},
    )  # fmt: skip
    assert placed.status == 303, placed
    from chalicelib.domain.ledger import Account

    assert stack.ledger.balance(Account.village(village_id, "goods"), "CNY").amount == 15_900
