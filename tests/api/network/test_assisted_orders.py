"""Assisted orders (issue 11): a village partner quotes and orders for a villager, collected at the village,
with the county's service fee; checkout's rules apply; the villager takes the parcel in person without a code."""

from __future__ import annotations

import uuid

import pytest

from bench.counting import CallRecorder
from tests.api.network import helpers as h
from tests.support import assert_api_error

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
PRICE = 15900  # tests.support.product_body's


@pytest.fixture(scope="module")
def setting(api, factory):
    county = h.county(api, factory, villages=2)
    village = county.villages[0]
    villager = api.post(
        f"/v1/villages/{village.village_id}/villagers",
        {"name": "Aynur Tohti", "phone": "+86 998 555 0142", "consent": CONSENT},
        token=village.partner,
    ).json
    return county, village, villager, h.shop(factory), h.shop(factory)


def quote(api, village, body):
    return api.post(f"/v1/villages/{village.village_id}/orders/quote", body, token=village.partner)


def place(api, village, body, key: str | None = None):
    key = key or f"assisted-{uuid.uuid4().hex}"
    return api.post(
        f"/v1/villages/{village.village_id}/orders", body, token=village.partner, headers={"Idempotency-Key": key}
    )


def set_rule(api, factory, county_id: str, **rule):
    body = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY", **rule}
    return api.put(f"/v1/admin/counties/{county_id}/fee-rule", body, token=factory.operator)


def stock_of(api, shop: h.Shop) -> int:
    path = f"/v1/shops/{shop.shop['shop_id']}/products/{shop.product['product_id']}"
    return api.get(path, token=shop.seller).json["stock"]


def test_an_operator_sets_the_countys_fee_rule_and_only_an_operator(api, factory, setting):
    county, village, *_ = setting
    reply = set_rule(api, factory, county.county_id)
    assert reply.status == 200, reply
    assert reply.json["percent_bp"] == 300 and reply.json["county_id"] == county.county_id
    bad = set_rule(api, factory, county.county_id, min_amount=3000)
    assert_api_error(bad, 400)
    assert_api_error(set_rule(api, factory, "cty_nope"), 404)
    refused = api.put(
        f"/v1/admin/counties/{county.county_id}/fee-rule",
        {"percent_bp": 9, "min_amount": 0, "max_amount": 0, "currency": "CNY"},
        token=village.partner,
    )
    assert_api_error(refused, 403)


def test_the_quote_shows_one_order_per_shop_the_fee_and_the_total(api, factory, setting):
    county, village, villager, first, second = setting
    assert set_rule(api, factory, county.county_id).status == 200
    lines = [
        {"product_id": first.product["product_id"], "quantity": 2},
        {"product_id": second.product["product_id"], "quantity": 1},
    ]
    with CallRecorder() as rec:
        reply = quote(api, village, {"villager_id": villager["villager_id"], "lines": lines})
    assert reply.status == 200, reply
    assert rec.totals().calls == 2
    q = reply.json
    assert [o["shop_id"] for o in q["orders"]] == [first.shop["shop_id"], second.shop["shop_id"]]
    # 3 % of 318.00 = 9.54; 3 % of 159.00 = 4.77 (both between 1.00 and 20.00)
    assert [o["service_fee"]["amount"] for o in q["orders"]] == [954, 477]
    assert q["goods_total"] == {"amount": 3 * PRICE, "currency": "CNY"}
    assert q["service_fee"]["amount"] == 954 + 477
    assert q["total"]["amount"] == 3 * PRICE + 954 + 477
    assert q["orders"][0]["lines"][0]["unit_price"]["amount"] == PRICE
    assert q["fee_rule"] == {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    assert stock_of(api, first) == 1000  # a quote reserves nothing


@pytest.mark.parametrize(
    "rule, quantity, fee",
    [
        ({"percent_bp": 250}, 1, 398),  # 397.5 fen rounds half away from zero
        ({"percent_bp": 10, "min_amount": 500}, 1, 500),  # 15.9 fen -> the minimum
        ({"percent_bp": 2000, "max_amount": 1000}, 3, 1000),  # 9,540 fen -> the maximum
        ({"currency": "USD"}, 1, 0),  # a rule in another currency charges nothing
    ],
)
def test_the_fee_follows_the_rule_in_integers(api, factory, setting, rule, quantity, fee):
    county, village, villager, first, _ = setting
    assert set_rule(api, factory, county.county_id, **rule).status == 200
    line = {"product_id": first.product["product_id"], "quantity": quantity}
    reply = quote(api, village, {"villager_id": villager["villager_id"], "lines": [line]})
    assert reply.status == 200, reply
    assert reply.json["service_fee"]["amount"] == fee


def test_checkouts_rules_apply_to_a_quote(api, factory, setting):
    _, village, villager, first, _ = setting
    seller = factory.user("seller")
    wholesale = factory.shop(seller, "b2b")
    lot = factory.product(seller, wholesale)
    lines = [
        {"product_id": first.product["product_id"], "quantity": 5000},
        {"product_id": lot["product_id"], "quantity": 1},
        {"product_id": "prd_nope", "quantity": 1},
    ]
    reply = quote(api, village, {"villager_id": villager["villager_id"], "lines": lines})
    error = assert_api_error(reply, 409, "lines_unavailable")
    codes: dict[str, set] = {}
    for d in error["details"]:
        codes.setdefault(d["field"], set()).add(d["code"])
    assert codes[f"lines.{first.product['product_id']}"] == {"out_of_stock"}
    assert "below_moq" in codes[f"lines.{lot['product_id']}"]
    assert codes["lines.prd_nope"] == {"unavailable"}


def test_a_partner_orders_for_a_villager_collected_at_the_village(api, factory, setting):
    county, village, villager, first, second = setting
    assert set_rule(api, factory, county.county_id).status == 200
    before = stock_of(api, first)
    body = {
        "villager_id": villager["villager_id"],
        "lines": [
            {"product_id": first.product["product_id"], "quantity": 2},
            {"product_id": second.product["product_id"], "quantity": 1},
        ],
        "payment": "cash_on_pickup",
    }
    key = f"assisted-{uuid.uuid4().hex}"
    with CallRecorder() as rec:
        placed = place(api, village, body, key)
    assert placed.status == 201, placed
    assert rec.totals().calls == 3
    result = placed.json
    assert result["replayed"] is False and result["payment"] == "cash_on_pickup"
    assert len(result["orders"]) == 2 and result["service_fee"]["amount"] == 954 + 477
    order = result["orders"][0]
    assert order["village_id"] == village.village_id and order["status"] == "pending_payment"
    assert order["payment_method"] == "cash_on_delivery"
    # the order names the villager by id only (their name and phone stay on the profile, which erasure blanks)
    assert order["recipient"] == {"name": f"villager {villager['villager_id']}", "phone_last4": ""}
    assert order["assisted"]["villager_id"] == villager["villager_id"]
    assert order["assisted"]["service_fee"]["amount"] == 954
    assert order["assisted"]["due_at_pickup"]["amount"] == 2 * PRICE + 954
    assert stock_of(api, first) == before - 2

    again = place(api, village, body, key)
    assert again.status == 200 and again.json == {**result, "replayed": True}
    assert stock_of(api, first) == before - 2
    other = place(api, village, {**body, "payment": "paid_by_partner"}, key)
    assert_api_error(other, 422, "idempotency_key_reused")

    # the seller sees an ordinary order to ship to the county centre, placed by the partner
    seller_view = api.get(f"/v1/shops/{first.shop['shop_id']}/orders/{order['order_id']}", token=first.seller).json
    assert seller_view["status"] == "pending_payment"

    # ships, crosses the county, arrives: handed over to the villager in person, without a code
    shipped = h.ship(api, first, {"order_id": order["order_id"], "payment_method": "cash_on_delivery"})
    assert h.scan(api, county, shipped["order_id"]).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order["order_id"]]).status == 200
    handovers = f"/v1/villages/{village.village_id}/handovers"
    stranger = api.post(
        handovers,
        {"order_id": order["order_id"], "villager_present": True, "villager_id": "vgr_someoneelse"},
        token=village.partner,
    )
    assert_api_error(stranger, 422, "not_this_villagers_order")
    assert_api_error(api.post(handovers, {"order_id": order["order_id"]}, token=village.partner), 422)
    handed = api.post(
        handovers,
        {"order_id": order["order_id"], "villager_present": True, "villager_id": villager["villager_id"]},
        token=village.partner,
    )
    assert handed.status == 200, handed
    assert handed.json["status"] == "delivered"
    seller_view = api.get(f"/v1/shops/{first.shop['shop_id']}/orders/{order['order_id']}", token=first.seller).json
    assert seller_view["status"] == "delivered"


def test_the_timeline_says_how_the_parcel_was_handed_over(api, stack, setting):
    county, village, villager, first, _ = setting
    body = {
        "villager_id": villager["villager_id"],
        "lines": [{"product_id": first.product["product_id"], "quantity": 1}],
        "payment": "paid_by_partner",
    }
    placed = place(api, village, body)
    assert placed.status == 201, placed
    order = placed.json["orders"][0]
    assert order["payment_method"] == "bank_transfer" and order["assisted"]["payment"] == "paid_by_partner"
    assert order["assisted"]["due_at_pickup"] == order["assisted"]["service_fee"]
    shipped = h.ship(api, first, {"order_id": order["order_id"], "payment_method": "bank_transfer", "paid_at": None})
    assert h.scan(api, county, shipped["order_id"]).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order["order_id"]]).status == 200
    reply = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": order["order_id"], "villager_present": True, "villager_id": villager["villager_id"]},
        token=village.partner,
    )
    assert reply.status == 200, reply
    stored = stack.buying.get_order(order["order_id"])
    assert stored.timeline[0].actor == "partner" and villager["villager_id"] in stored.timeline[0].note
    assert stored.timeline[-1].action == "collected" and stored.timeline[-1].note == "villager present"
    assert stored.assisted["placed_by"] and stored.buyer_id == stored.assisted["placed_by"]


def test_an_erased_or_foreign_villager_gets_no_order(api, factory, setting):
    _, village, _, first, _ = setting
    neighbour = setting[0].villages[1]
    theirs = api.post(
        f"/v1/villages/{neighbour.village_id}/villagers", {"name": "Not Yours", "consent": CONSENT},
        token=neighbour.partner,
    ).json  # fmt: skip
    lines = [{"product_id": first.product["product_id"], "quantity": 1}]
    body = {"villager_id": theirs["villager_id"], "lines": lines, "payment": "cash_on_pickup"}
    assert_api_error(place(api, village, body), 404, "villager_not_found")
    assert_api_error(quote(api, village, {"villager_id": theirs["villager_id"], "lines": lines}), 404)
    gone = api.post(
        f"/v1/villages/{village.village_id}/villagers", {"name": "Soon Gone", "consent": CONSENT}, token=village.partner
    ).json
    api.post(f"/v1/villages/{village.village_id}/villagers/{gone['villager_id']}/erase", token=village.partner)
    body = {"villager_id": gone["villager_id"], "lines": lines, "payment": "cash_on_pickup"}
    assert_api_error(place(api, village, body), 409, "villager_erased")
    # another village's partner: refused on this village, and this village's villager is not theirs
    ours = {"villager_id": setting[2]["villager_id"], "lines": lines, "payment": "cash_on_pickup"}
    refused = api.post(
        f"/v1/villages/{village.village_id}/orders", ours, token=neighbour.partner,
        headers={"Idempotency-Key": "k-neighbour"},
    )  # fmt: skip
    assert_api_error(refused, 403)
    assert_api_error(place(api, neighbour, ours), 404, "villager_not_found")


def test_an_order_needs_an_idempotency_key(api, setting):
    _, village, villager, first, _ = setting
    body = {
        "villager_id": villager["villager_id"],
        "lines": [{"product_id": first.product["product_id"], "quantity": 1}],
        "payment": "cash_on_pickup",
    }
    reply = api.post(f"/v1/villages/{village.village_id}/orders", body, token=village.partner)
    assert_api_error(reply, 400)


def fees_of(stack, village_id: str, purpose: str = "fees") -> int:
    from chalicelib.domain.ledger import Account

    return stack.ledger.balance(Account.village(village_id, purpose), "CNY").amount


def delivered_for(api, county, village, villager_id: str, shop: h.Shop, quantity: int) -> dict:
    body = {
        "villager_id": villager_id,
        "lines": [{"product_id": shop.product["product_id"], "quantity": quantity}],
        "payment": "cash_on_pickup",
    }
    placed = place(api, village, body)
    assert placed.status == 201, placed
    order = placed.json["orders"][0]
    h.ship(api, shop, {"order_id": order["order_id"], "payment_method": "cash_on_delivery"})
    assert h.scan(api, county, order["order_id"]).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order["order_id"]]).status == 200
    handed = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": order["order_id"], "villager_present": True, "villager_id": villager_id},
        token=village.partner,
    )
    assert handed.status == 200, handed
    return handed.json


def test_the_fee_is_earned_at_the_handover_and_given_back_with_returned_goods(api, stack, factory, setting):
    county, *_, first, _ = setting
    assert set_rule(api, factory, county.county_id).status == 200
    village = h.village(api, factory, county.county_id)
    villager = api.post(
        f"/v1/villages/{village.village_id}/villagers", {"name": "Fee Payer", "consent": CONSENT},
        token=village.partner,
    ).json  # fmt: skip
    assert fees_of(stack, village.village_id) == 0
    parcel = delivered_for(api, county, village, villager["villager_id"], first, 3)  # 477.00: fee 14.31
    assert parcel["assisted"]["service_fee"]["amount"] == 1431
    assert fees_of(stack, village.village_id) == 1431
    assert fees_of(stack, village.village_id, "cash") == 3 * PRICE  # the goods' cash, owed until remitted
    assert parcel["paid"] is True  # cash on pickup: paid at the handover
    line_id = parcel["lines"][0]["line_id"]

    def give_back(quantity: int) -> None:
        reply = api.post(
            f"/v1/villages/{village.village_id}/returns",
            {"order_id": parcel["order_id"], "lines": [{"line_id": line_id, "quantity": quantity}]},
            token=village.partner,
        )
        assert reply.status == 201, reply

    give_back(1)  # a third of the goods: 477 of 1,431 fen
    assert fees_of(stack, village.village_id) == 1431 - 477
    give_back(2)  # the rest: the whole fee is back
    assert fees_of(stack, village.village_id) == 0
    stored = stack.ledger.get_posting(f"assisted-handover:{parcel['order_id']}")
    assert stored is not None and sum(e.amount for e in stored.posting.entries) == 0


def test_a_suspended_shop_takes_no_assisted_order(api, factory, setting):
    """The transaction's condition on each shop (issue 9), as in checkout: suspended -> 409, nothing taken."""
    _, village, villager, *_ = setting
    shop = h.shop(factory)
    assert api.post(f"/v1/admin/shops/{shop.shop['shop_id']}/suspend", token=factory.operator).status == 200
    body = {
        "villager_id": villager["villager_id"],
        "lines": [{"product_id": shop.product["product_id"], "quantity": 1}],
        "payment": "cash_on_pickup",
    }
    error = assert_api_error(place(api, village, body), 409, "shop_unavailable")
    assert error["details"][0]["field"] == f"shops.{shop.shop['shop_id']}"
    assert stock_of(api, shop) == 1000


def test_goods_paid_by_the_partner_are_posted_with_the_orders_and_show_on_the_village_statement(
    api, stack, factory, setting
):
    county, village, villager, first, second = setting
    ledger_path = f"/v1/villages/{village.village_id}/ledger?account=goods"
    before = api.get(ledger_path, token=village.partner).json["goods_paid"]["amount"]
    body = {
        "villager_id": villager["villager_id"],
        "lines": [
            {"product_id": first.product["product_id"], "quantity": 2},
            {"product_id": second.product["product_id"], "quantity": 1},
        ],
        "payment": "paid_by_partner",
    }
    key = f"assisted-{uuid.uuid4().hex}"
    with CallRecorder() as rec:
        placed = place(api, village, body, key)
    assert placed.status == 201, placed
    assert rec.totals().calls == 4  # + the ledger's read of the goods balance; one transaction for all
    goods = 3 * PRICE
    statement = api.get(ledger_path, token=village.partner)
    assert statement.status == 200, statement
    assert statement.json["goods_paid"] == {"amount": before + goods, "currency": "CNY"}
    entry = statement.json["items"][-1]
    assert entry["kind"] == "assisted.goods_paid" and entry["amount"] == {"amount": goods, "currency": "CNY"}
    checkout_id = placed.json["checkout_id"]
    posting = stack.ledger.get_posting(f"assisted-goods:{checkout_id}").posting
    assert posting.refs["villager_id"] == villager["villager_id"]
    # a replay posts nothing more
    again = place(api, village, body, key)
    assert again.status == 200 and again.json["replayed"] is True
    assert api.get(ledger_path, token=village.partner).json["goods_paid"]["amount"] == before + goods


def test_a_refused_paid_by_partner_order_posts_no_goods(api, stack, factory, setting):
    county, village, villager, *_ = setting
    shop = h.shop(factory)
    # suspended: its products still say active until the shop's job runs, so only the transaction refuses
    suspended = api.post(f"/v1/admin/shops/{shop.shop['shop_id']}/suspend", token=factory.operator)
    assert suspended.status == 200, suspended
    ledger_path = f"/v1/villages/{village.village_id}/ledger?account=goods"
    before = api.get(ledger_path, token=village.partner).json["goods_paid"]
    body = {
        "villager_id": villager["villager_id"],
        "lines": [{"product_id": shop.product["product_id"], "quantity": 1}],
        "payment": "paid_by_partner",
    }
    assert_api_error(place(api, village, body), 409, "shop_unavailable")
    assert api.get(ledger_path, token=village.partner).json["goods_paid"] == before
