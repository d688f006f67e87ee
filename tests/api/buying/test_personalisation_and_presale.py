"""Buying what issue 15 adds: personalised handicrafts (validation, one line per personalisation, the values'
journey to the seller), made-to-order ship dates, out-of-season refusals, pre-sales paid with a deposit and a
second payment on the same order, and the season schedule.

Time is moved by replacing the container's clock. One moto world per module: every test makes its own users,
shops and products.
"""

from __future__ import annotations

import json
import time

import pytest

from bench.counting import CallRecorder
from chalicelib.events.seasons import run_season_sweep
from chalicelib.services.payments import sign_webhook
from tests.support import ATTRIBUTES, assert_api_error, checkout, error_fields, stock_of

SPRING = "2026-04-15T09:00:00.000Z"  # out of an autumn season
AUTUMN = "2026-10-01T09:00:00.000Z"
PERSONALISED = [
    {"key": "initials", "label": "Initials", "type": "text", "required": True, "max_length": 3},
    {"key": "colour", "label": "Colour", "type": "choice", "required": False, "choices": ["crimson", "indigo"]},
]


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def buyer(factory):
    return factory.user("buyer")


@pytest.fixture
def crafts(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def orchard(factory, seller):
    return factory.shop(seller, "specialties")


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "CNY"}


def put(api, token, product, quantity, personalisation=None):
    body = {"quantity": quantity}
    if personalisation is not None:
        body["personalisation"] = personalisation
    return api.put(f"/v1/cart/items/{product['product_id']}", body, token=token)


def scarf_for(factory, seller, shop, **attrs):
    attributes = {**ATTRIBUTES["handicrafts"], "personalisation": PERSONALISED, **attrs}
    return factory.product(seller, shop, title="Atlas silk scarf, your initials", stock=5, attributes=attributes)


def lines_of(cart: dict) -> list[dict]:
    return [line for group in cart["shops"] for line in group["lines"]]


# --- personalisation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (None, "personalisation.initials"),
        ({}, "personalisation.initials"),
        ({"initials": "ABCD"}, "personalisation.initials"),
        ({"initials": "AB", "colour": "green"}, "personalisation.colour"),
        ({"initials": "AB", "monogram": "yes"}, "personalisation.monogram"),
    ],
)
def test_personalisation_that_does_not_fit_the_product_is_400_and_changes_nothing(
    api, factory, seller, crafts, buyer, values, field
):
    scarf = scarf_for(factory, seller, crafts)
    reply = put(api, buyer, scarf, 1, values)
    assert_api_error(reply, 400, "invalid_personalisation")
    assert error_fields(reply) == {field}
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 0


def test_values_for_a_product_without_personalisation_are_400(api, factory, seller, crafts, buyer):
    plain = factory.product(seller, crafts)
    assert_api_error(put(api, buyer, plain, 1, {"initials": "AB"}), 400, "invalid_personalisation")
    assert_api_error(put(api, buyer, plain, 1, {f"k{i}": "v" for i in range(6)}), 400)  # at most 5 values


def test_two_personalisations_of_one_product_are_two_lines_whose_stock_adds_up(api, factory, seller, crafts, buyer):
    scarf = scarf_for(factory, seller, crafts)
    assert put(api, buyer, scarf, 2, {"initials": "AT", "colour": "crimson"}).status == 200
    assert put(api, buyer, scarf, 1, {"initials": "DA"}).status == 200
    cart = put(api, buyer, scarf, 3, {"initials": " AT ", "colour": "crimson"}).json  # the same line: set to 3
    lines = lines_of(cart)
    assert [(line["quantity"], line["personalisation"]) for line in lines] == [
        (3, {"colour": "crimson", "initials": "AT"}),
        (1, {"initials": "DA"}),
    ]
    assert len({line["line_id"] for line in lines}) == 2 and cart["can_checkout"] is True
    cart = put(api, buyer, scarf, 2, {"initials": "DA"}).json  # 3 + 2 > the 5 in stock? no: exactly 5
    assert cart["can_checkout"] is True
    cart = put(api, buyer, scarf, 3, {"initials": "DA"}).json  # 3 + 3 > 5: the lines share the product's stock
    assert cart["can_checkout"] is False and all(
        "out_of_stock" in [p["code"] for p in line["problems"]] for line in lines_of(cart)
    )
    cart = put(api, buyer, scarf, 0, {"initials": "DA"}).json  # 0 removes that personalisation's line only
    assert [line["personalisation"] for line in lines_of(cart)] == [{"colour": "crimson", "initials": "AT"}]


def test_personalised_lines_reach_the_order_and_the_seller_unchanged_by_later_edits(
    api, factory, seller, crafts, buyer
):
    scarf = scarf_for(factory, seller, crafts)
    put(api, buyer, scarf, 2, {"initials": "AT", "colour": "indigo"})
    put(api, buyer, scarf, 1, {"initials": "DA"})
    with CallRecorder() as rec:
        reply = checkout(api, buyer)
    assert reply.status == 201, reply
    assert rec.dynamodb().calls == 2  # two lines of one product: one stock update of 3 in the one transaction
    (order,) = reply.json["orders"]
    assert [(line["quantity"], line["personalisation"]) for line in order["lines"]] == [
        (2, {"colour": "indigo", "initials": "AT"}),
        (1, {"initials": "DA"}),
    ]
    assert stock_of(api, seller, scarf) == 2

    edited = {**scarf["attributes"], "personalisation": [{**PERSONALISED[0], "max_length": 1}]}
    path = f"/v1/shops/{crafts['shop_id']}/products/{scarf['product_id']}"
    assert api.patch(path, {"attributes": edited}, token=seller).status == 200
    seller_view = api.get(f"/v1/shops/{crafts['shop_id']}/orders/{order['order_id']}", token=seller).json
    assert [line["personalisation"] for line in seller_view["lines"]] == [
        {"colour": "indigo", "initials": "AT"},
        {"initials": "DA"},
    ]
    assert seller_view["lines"][0]["attributes"]["personalisation"] == PERSONALISED  # as the buyer saw it


def test_changed_personalisation_fields_refuse_a_cart_line_set_before_them(api, factory, seller, crafts, buyer):
    scarf = scarf_for(factory, seller, crafts)
    put(api, buyer, scarf, 1, {"initials": "ATX"})
    edited = {**scarf["attributes"], "personalisation": [{**PERSONALISED[0], "max_length": 2}]}
    path = f"/v1/shops/{crafts['shop_id']}/products/{scarf['product_id']}"
    assert api.patch(path, {"attributes": edited}, token=seller).status == 200
    assert_api_error(checkout(api, buyer), 409, "price_changed")  # the terms changed: the cart takes them
    error = assert_api_error(checkout(api, buyer), 409, "lines_unavailable")
    assert [d["code"] for d in error["details"]] == ["personalisation_changed"]
    assert stock_of(api, seller, scarf) == 5


# --- made to order ----------------------------------------------------------------------------------------------


def test_a_made_to_order_item_shows_its_ship_date_on_the_product_page_the_cart_and_the_order(
    api, stack, factory, seller, crafts, buyer
):
    stack.clock = lambda: SPRING
    scarf = factory.product(seller, crafts, stock=5)  # made to order in 10 days
    page = api.get(f"/v1/storefronts/handicrafts/products/{scarf['product_id']}").json
    assert page["estimated_ship_date"] == "2026-04-25"
    cart = put(api, buyer, scarf, 1).json
    assert cart["shops"][0]["estimated_ship_date"] == "2026-04-25"
    (order,) = checkout(api, buyer).json["orders"]
    assert order["lines"][0]["estimated_ship_date"] == "2026-04-25"
    assert order["estimated_ship_date"] == "2026-04-25"
    stored = stack.buying.get_order(order["order_id"])
    assert not stored.is_late("2026-04-25T23:00:00.000Z") and stored.is_late("2026-04-26T00:00:00.000Z")


# --- seasons and pre-sales -------------------------------------------------------------------------------------


def autumn_pears(factory, seller, shop, **attrs):
    attributes = {**ATTRIBUTES["specialties"], "season_months": [9, 10, 11], **attrs}
    return factory.product(seller, shop, title="Korla fragrant pears", stock=50, attributes=attributes)


def test_out_of_season_a_product_cannot_be_bought(api, stack, factory, seller, orchard, buyer):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard)
    assert api.get(f"/v1/storefronts/specialties/products/{pears['product_id']}").json["season"]["state"] == (
        "out_of_season"
    )
    assert_api_error(put(api, buyer, pears, 1), 409, "out_of_season")
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 0

    stack.clock = lambda: AUTUMN
    assert put(api, buyer, pears, 1).status == 200  # in season, it can
    stack.clock = lambda: "2026-12-02T09:00:00.000Z"  # the season ended before the checkout
    error = assert_api_error(checkout(api, buyer), 409, "out_of_season")
    assert [d["code"] for d in error["details"]] == ["out_of_season"]
    assert stock_of(api, seller, pears) == 50
    assert api.get("/v1/cart", token=buyer).json["can_checkout"] is False


def pending_balance(api, seller: str, shop: dict) -> dict:
    """What the shop holds for orders paid and not completed (issue 17's ledger)."""
    reply = api.get(f"/v1/shops/{shop['shop_id']}/balance", token=seller)
    assert reply.status == 200, reply
    return reply.json["pending"]


def pay_by_card(api, stack, order: dict, amount: dict, event_id: str):
    raw = json.dumps(
        {"event_id": event_id, "type": "payment.succeeded", "order_id": order["order_id"], "amount": amount}
    ).encode()
    signature = sign_webhook(stack.settings.payment_webhook_secret, raw, int(time.time()))
    return api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": signature})


def test_a_presale_with_a_deposit_from_order_to_final_payment_and_shipment(api, stack, factory, seller, orchard, buyer):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard, presale={"ships_from": "2026-09-10", "deposit_percent": 30})
    listed = next(
        c
        for c in api.get("/v1/storefronts/specialties/products?limit=100").json["items"]
        if c["product_id"] == pears["product_id"]
    )
    assert listed["season"] == {
        "state": "presale",
        "season_months": [9, 10, 11],
        "ships_from": "2026-09-10",
        "deposit_percent": 30,
    }
    cart = put(api, buyer, pears, 2).json  # 2 x 98.00 (the specialties price in tests.support is 159.00)
    assert lines_of(cart)[0]["presale"] == {"ships_from": "2026-09-10", "deposit_percent": 30}
    assert cart["shops"][0]["estimated_ship_date"] == "2026-09-10"
    placed = checkout(api, buyer, payment="card")
    assert placed.status == 201, placed
    (order,) = placed.json["orders"]
    total = order["total"]["amount"]
    assert order["deposit"] == {
        "deposit": money(total * 30 // 100),
        "balance": money(total - total * 30 // 100),
        "deposit_paid_at": None,
    }
    assert order["amount_due"] == money(total * 30 // 100) and order["lines"][0]["estimated_ship_date"] == "2026-09-10"

    base = f"/v1/shops/{orchard['shop_id']}/orders/{order['order_id']}"
    ship = {"carrier": "SF Express", "tracking_number": "SF2026"}
    assert_api_error(api.post(f"{base}/ship", ship, token=seller), 409, "illegal_order_transition")  # no deposit
    wrong = pay_by_card(api, stack, order, order["total"], f"evt_full_{order['order_id']}")
    assert_api_error(wrong, 422, "amount_mismatch")  # the deposit is due, not the whole
    assert pay_by_card(api, stack, order, order["amount_due"], f"evt_dep_{order['order_id']}").json == {
        "status": "applied"
    }
    again = pay_by_card(api, stack, order, order["amount_due"], f"evt_dep2_{order['order_id']}")
    assert again.json == {"status": "duplicate"}
    deposit_paid = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert deposit_paid["status"] == "paid" and deposit_paid["paid_at"] is None
    assert deposit_paid["amount_due"] == order["deposit"]["balance"] and deposit_paid["deposit"]["deposit_paid_at"]
    assert pending_balance(api, seller, orchard) == order["deposit"]["deposit"]  # the ledger holds the deposit

    stack.clock = lambda: "2026-09-10T08:00:00.000Z"
    shipped = api.post(f"{base}/ship", ship, token=seller)
    assert shipped.status == 200 and shipped.json["status"] == "shipped", shipped
    balance = pay_by_card(api, stack, order, order["deposit"]["balance"], f"evt_bal_{order['order_id']}")
    assert balance.json == {"status": "applied"}
    final = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert final["paid_at"] and final["amount_due"] == money(0) and final["status"] == "shipped"
    assert [e["action"] for e in final["timeline"]] == ["placed", "deposit_paid", "shipped", "balance_paid"]
    assert pending_balance(api, seller, orchard) == order["total"]  # deposit + balance, two postings
    assert api.post(f"{base}/deliver", token=seller).json["status"] == "delivered"


def test_a_half_deposit_and_its_equal_balance_are_two_card_payments(api, stack, factory, seller, orchard, buyer):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard, presale={"ships_from": "2026-09-10", "deposit_percent": 50})
    put(api, buyer, pears, 2)
    (order,) = checkout(api, buyer, payment="card").json["orders"]
    half = order["deposit"]["deposit"]
    assert half == order["deposit"]["balance"]  # the same amount twice: only the event ids tell them apart
    deposit_event = f"evt_half_{order['order_id']}"
    assert pay_by_card(api, stack, order, half, deposit_event).json == {"status": "applied"}
    assert pay_by_card(api, stack, order, half, deposit_event).json == {"status": "duplicate"}  # redelivered
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["paid_at"] is None
    assert pending_balance(api, seller, orchard) == half

    assert pay_by_card(api, stack, order, half, f"evt_rest_{order['order_id']}").json == {"status": "applied"}
    final = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert final["paid_at"] and final["amount_due"] == money(0)
    assert pending_balance(api, seller, orchard) == order["total"]


def test_a_presale_delivered_before_its_balance_is_paid_cannot_be_returned_until_it_is(
    api, stack, factory, seller, orchard, buyer
):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard, presale={"ships_from": "2026-09-10", "deposit_percent": 30})
    put(api, buyer, pears, 1)
    (order,) = checkout(api, buyer, payment="card").json["orders"]
    assert pay_by_card(api, stack, order, order["amount_due"], f"evt_d_{order['order_id']}").json["status"] == "applied"
    base = f"/v1/shops/{orchard['shop_id']}/orders/{order['order_id']}"
    stack.clock = lambda: "2026-09-10T08:00:00.000Z"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF9"}, token=seller).status == 200
    assert api.post(f"{base}/deliver", token=seller).status == 200
    line_id = order["lines"][0]["line_id"]
    ask = {"lines": [{"line_id": line_id, "quantity": 1}]}
    path = f"/v1/orders/{order['order_id']}/returns"
    assert_api_error(api.post(path, ask, token=buyer), 409, "balance_unpaid")  # only the deposit was paid
    assert pending_balance(api, seller, orchard) == order["deposit"]["deposit"]

    balance = order["deposit"]["balance"]
    assert pay_by_card(api, stack, order, balance, f"evt_b_{order['order_id']}").json["status"] == "applied"
    assert api.post(path, ask, token=buyer).status == 201


def test_a_bank_transfer_presale_is_marked_paid_twice_by_the_seller(api, stack, factory, seller, orchard, buyer):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard, presale={"ships_from": "2026-09-10", "deposit_percent": 50})
    put(api, buyer, pears, 1)
    (order,) = checkout(api, buyer, payment="bank_transfer").json["orders"]
    base = f"/v1/shops/{orchard['shop_id']}/orders/{order['order_id']}"
    first = api.post(f"{base}/mark-paid", token=seller).json
    assert (first["status"], first["paid_at"], first["amount_due"]) == ("paid", None, order["deposit"]["balance"])
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=seller).status == 200
    second = api.post(f"{base}/mark-paid", token=seller).json
    assert second["paid_at"] and second["amount_due"] == money(0)
    assert_api_error(api.post(f"{base}/mark-paid", token=seller), 409, "already_paid")


def test_cancelling_a_presale_before_the_harvest_refunds_the_deposit(api, stack, factory, seller, orchard, buyer):
    stack.clock = lambda: SPRING
    pears = autumn_pears(factory, seller, orchard, presale={"ships_from": "2026-09-10", "deposit_percent": 30})
    put(api, buyer, pears, 2)
    (order,) = checkout(api, buyer, payment="bank_transfer").json["orders"]
    assert api.post(f"/v1/shops/{orchard['shop_id']}/orders/{order['order_id']}/mark-paid", token=seller).status == 200
    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert cancelled.json["refunds"] == [
        {
            "return_id": "cancellation",
            "amount": order["deposit"]["deposit"],
            "at": SPRING,
            "status": "recorded",  # a bank transfer: settled by the seller (card money: through the provider)
            "refund_id": None,
        }
    ]
    assert pending_balance(api, seller, orchard) == money(0)  # the deposit went back to the buyer
    assert stock_of(api, seller, pears) == 50


def test_a_presale_cannot_ship_from_the_past(api, stack, factory, seller, orchard):
    stack.clock = lambda: SPRING
    attributes = {**ATTRIBUTES["specialties"], "presale": {"ships_from": "2026-04-14"}}
    reply = api.post(
        f"/v1/shops/{orchard['shop_id']}/products",
        {
            "title": "Pears",
            "category": "fresh-fruit",
            "price": money(9800),
            "stock": 5,
            "status": "active",
            "attributes": attributes,
        },
        token=seller,
    )
    assert_api_error(reply, 400)
    assert "attributes.presale.ships_from" in error_fields(reply)


def test_the_season_schedule_moves_products_into_and_out_of_the_in_season_pages(api, stack, factory, seller, orchard):
    stack.clock = lambda: "2026-08-31T23:00:00.000Z"
    pears = autumn_pears(factory, seller, orchard)

    def in_season_ids() -> set[str]:
        page = api.get("/v1/storefronts/specialties/products?in_season=true&limit=100").json["items"]
        return {c["product_id"] for c in page}

    assert pears["product_id"] not in in_season_ids()
    stack.clock = lambda: "2026-09-01T01:00:00.000Z"
    assert run_season_sweep()["relisted"] >= 1
    assert pears["product_id"] in in_season_ids()
    assert run_season_sweep()["relisted"] == 0  # nothing more is due today
    stack.clock = lambda: "2026-12-01T01:00:00.000Z"
    run_season_sweep()
    assert pears["product_id"] not in in_season_ids()
