"""Producers a village partner sells for (issue 11, "assisted selling"): a profile kept with their consent, a
shop they own and the partner manages (pending approval like any shop; its catalogue, pictures and orders through
the ordinary shop routes), and their money: a sale completes into `producer:<id>:payable` net of the platform's
commission and of the partner's (the county's rule, to `village:<id>:commissions`), in the one completion posting.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chalicelib.domain.ledger import Account
from chalicelib.domain.seller_money import refund
from tests.api.network import helpers as h
from tests.support import assert_api_error, buy, png_bytes

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
CASH = {"method": "cash_via_partner"}
BANK = {
    "method": "bank_account",
    "details": {"holder_name": "Gulnar Ismail", "bank_name": "ABC Kashgar", "account_number": "6228 4800 1234 5678"},
}
SHIP = {"carrier": "China Post", "tracking_number": "CP123456789CN"}


@pytest.fixture(scope="module")
def shufu(api, factory):
    return h.county(api, factory, villages=2)


@pytest.fixture
def clock(stack):
    """The stack's clock, moved by hand (completion waits for the return window)."""
    original = stack.clock
    state = {"now": dt.datetime.now(dt.UTC)}

    def advance(**delta) -> None:
        state["now"] += dt.timedelta(**delta)

    stack.clock = lambda: state["now"].isoformat(timespec="milliseconds").replace("+00:00", "Z")
    yield advance
    stack.clock = original


def path(village: h.Village, suffix: str = "") -> str:
    return f"/v1/villages/{village.village_id}/producers{suffix}"


def add(api, village: h.Village, name: str = "Gulnar Ismail", payout: dict = CASH, **extra) -> dict:
    reply = api.post(
        path(village), {"name": name, "consent": CONSENT, "payout": payout, **extra}, token=village.partner
    )
    assert reply.status == 201, reply
    return reply.json


def open_shop(api, village: h.Village, producer: dict, **extra) -> dict:
    body = {"name": f"Doppa caps {uuid.uuid4().hex[:8]}", "storefront": "handicrafts", "description": "Caps", **extra}
    reply = api.post(path(village, f"/{producer['producer_id']}/shops"), body, token=village.partner)
    assert reply.status == 201, reply
    return reply.json


def approved_shop(api, factory, village: h.Village) -> tuple[dict, dict]:
    producer = add(api, village)
    shop = open_shop(api, village, producer)["shop"]
    reply = api.post(f"/v1/admin/shops/{shop['shop_id']}/approve", token=factory.operator)
    assert reply.status == 200, reply
    return producer, reply.json


# --- profiles ------------------------------------------------------------------------------------------------


def test_a_partner_adds_a_producer_paid_to_a_bank_account_shown_masked(api, shufu):
    village = shufu.villages[0]
    body = add(api, village, " Gulnar Ismail ", BANK, phone="+86 998 555 0177")
    assert body["producer_id"].startswith("pdr_") and body["village_id"] == village.village_id
    assert body["name"] == "Gulnar Ismail" and body["phone"] == "+86 998 555 0177"
    assert body["consent"]["method"] == "signed_form" and body["shop_id"] is None
    details = body["payout"]["details"]
    assert body["payout"]["method"] == "bank_account" and details["account_last4"] == "5678"
    assert "6228480012345678" not in str(body)
    assert api.get(path(village, f"/{body['producer_id']}"), token=village.partner).json == body
    listed = api.get(path(village, "?limit=100"), token=village.partner)
    assert listed.status == 200 and body["producer_id"] in [p["producer_id"] for p in listed.json["items"]]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Memet", "payout": CASH}, "consent"),  # consent is required
        ({"name": "Memet", "consent": CONSENT}, "payout"),
        ({"name": "Memet", "consent": CONSENT, "payout": {"method": "bank_account"}}, "payout.details"),
        ({"name": "Memet", "consent": CONSENT, "payout": {**BANK, "method": "cash_via_partner"}}, "payout.details"),
        ({"name": "Memet", "consent": CONSENT, "payout": {"method": "wechat"}}, "payout"),
        ({"name": "", "consent": CONSENT, "payout": CASH}, "name"),
        (
            {
                "name": "Memet",
                "consent": {"method": "witnessed_verbal", "recorded_at": CONSENT["recorded_at"]},
                "payout": CASH,
            },
            "consent.witness",
        ),  # fmt: skip
    ],
)
def test_a_producer_without_consent_or_a_valid_payout_is_400(api, shufu, body, field):
    village = shufu.villages[0]
    reply = api.post(path(village), body, token=village.partner)
    error = assert_api_error(reply, 400)
    assert any(d["field"].startswith(field) for d in error.get("details", [])), error


def test_another_villages_partner_cannot_see_add_or_act_on_a_producer(api, shufu):
    mine, theirs = shufu.villages
    producer = add(api, mine)
    pid = producer["producer_id"]
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", f"/{pid}", None),
        ("GET", f"/{pid}/statement", None),
        ("POST", f"/{pid}/erase", None),
        ("POST", f"/{pid}/shops", {"name": "Stolen", "storefront": "handicrafts", "description": ""}),
        ("POST", "", {"name": "Intruder", "consent": CONSENT, "payout": CASH}),
    ):
        reply = api.request(method, path(mine, suffix), json_body=body, token=theirs.partner)
        assert_api_error(reply, 403)
    # their own village's path does not reach my producer either
    for suffix in (f"/{pid}", f"/{pid}/statement"):
        assert_api_error(api.get(path(theirs, suffix), token=theirs.partner), 404, "producer_not_found")
    assert api.get(path(mine, f"/{pid}"), token=mine.partner).json == producer  # unchanged


def test_erasing_a_producer_removes_their_personal_data_and_keeps_the_shop(api, shufu):
    village = shufu.villages[0]
    producer = add(api, village, "Patigul Rozi", BANK, phone="+86 998 555 0188")
    shop = open_shop(api, village, producer)["shop"]
    reply = api.post(path(village, f"/{producer['producer_id']}/erase"), token=village.partner)
    assert reply.status == 200, reply
    body = reply.json
    assert body["erased"] is True and body["name"] is None and body["phone"] is None
    assert body["payout"] == {"method": "bank_account", "details": None} and body["shop_id"] == shop["shop_id"]
    assert_api_error(api.post(path(village, f"/{producer['producer_id']}/erase"), token=village.partner), 409)


# --- the producer's shop -----------------------------------------------------------------------------------


def test_a_producers_shop_is_owned_by_the_producer_managed_by_the_partner_and_pending_approval(api, shufu):
    village = shufu.villages[0]
    producer = add(api, village)
    opened = open_shop(api, village, producer)
    shop = opened["shop"]
    assert shop["status"] == "pending" and shop["owner_id"] == producer["producer_id"]
    assert shop["managed_by"] and opened["producer"]["shop_id"] == shop["shop_id"]
    assert shop["region"] == {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
    again = api.post(
        path(village, f"/{producer['producer_id']}/shops"),
        {"name": "Second shop", "storefront": "specialties", "description": ""},
        token=village.partner,
    )
    assert_api_error(again, 409, "producer_has_shop")
    bad = api.post(
        path(village, f"/{add(api, village)['producer_id']}/shops"),
        {"name": "B2B", "storefront": "b2b", "description": ""},
        token=village.partner,
    )
    assert_api_error(bad, 400)


def test_the_partner_runs_the_producers_catalogue_and_pictures_through_the_ordinary_routes(api, stack, factory, shufu):
    village = shufu.villages[0]
    _, shop = approved_shop(api, factory, village)
    product = factory.product(village.partner, shop, stock=10)
    base = f"/v1/shops/{shop['shop_id']}/products"
    edited = api.patch(f"{base}/{product['product_id']}", {"title": "Embroidered doppa"}, token=village.partner)
    assert edited.status == 200 and edited.json["title"] == "Embroidered doppa", edited
    listed = api.get(f"{base}?limit=10", token=village.partner)
    assert [p["product_id"] for p in listed.json["items"]] == [product["product_id"]]
    picture = png_bytes()
    announced = api.post(
        f"{base}/{product['product_id']}/media", {"content_type": "image/png", "size": len(picture)},
        token=village.partner,
    )  # fmt: skip
    assert announced.status == 201, announced
    key = announced.json["upload"]["fields"]["key"]
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=key, Body=picture, ContentType="image/png")
    done = api.post(
        f"{base}/{product['product_id']}/media/{announced.json['media_id']}/complete", token=village.partner
    )
    assert done.status == 200, done
    # the shop is public once approved; its money is not the partner's to take out
    assert api.get(f"/v1/shops/{shop['shop_id']}").status == 200
    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}/balance", token=village.partner), 403)


# --- the partner's commission, per county (operators) --------------------------------------------------


def test_an_operator_sets_a_countys_producer_commission(api, factory, shufu):
    url = f"/v1/admin/counties/{shufu.county_id}/producer-commission"
    reply = api.put(url, {"percent_bp": 800, "currency": "CNY"}, token=factory.operator)
    assert reply.status == 200, reply
    assert reply.json["percent_bp"] == 800 and reply.json["county_id"] == shufu.county_id
    assert_api_error(api.put(url, {"percent_bp": 6000, "currency": "CNY"}, token=factory.operator), 400)
    assert_api_error(api.put(url, {"percent_bp": 800}, token=factory.operator), 400)
    assert_api_error(api.put(url, {"percent_bp": 800, "currency": "CNY"}, token=shufu.villages[0].partner), 403)
    missing = api.put("/v1/admin/counties/cty_nope/producer-commission", {"percent_bp": 1, "currency": "CNY"},
                      token=factory.operator)  # fmt: skip
    assert_api_error(missing, 404)
    listed = api.get("/v1/admin/commissions", token=factory.operator)  # storefront commissions only
    assert listed.status == 200 and all(v["storefront"] != "producers" for v in listed.json["items"]), listed


# --- money: a city buyer buys the producer's product -------------------------------------------------------


def test_a_city_buyers_purchase_completes_into_the_producers_account_net_of_both_commissions(
    api, stack, factory, clock
):
    county = h.county(api, factory)
    village = county.villages[0]
    url = f"/v1/admin/counties/{county.county_id}/producer-commission"
    assert api.put(url, {"percent_bp": 1000, "currency": "CNY"}, token=factory.operator).status == 200
    producer, shop = approved_shop(api, factory, village)
    product = factory.product(village.partner, shop, price={"amount": 20_000, "currency": "CNY"}, stock=10)
    buyer = factory.user("buyer")
    (order,) = buy(api, buyer, {product["product_id"]: 1}, payment="bank_transfer")
    for action in ("mark-paid", "ship", "deliver"):
        reply = api.post(
            f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/{action}",
            SHIP if action == "ship" else None,
            token=village.partner,
        )
        assert reply.status == 200, reply
    clock(days=8)
    from chalicelib.events.order_events import complete_due

    assert complete_due()["done"] >= 1

    statement = api.get(path(village, f"/{producer['producer_id']}/statement"), token=village.partner)
    assert statement.status == 200, statement
    (credit,) = statement.json["items"]
    # 20,000 sold: 5 % (1,000) to the platform, 10 % (2,000) to the partner, 17,000 to the producer
    assert credit["kind"] == "order.completed" and credit["order_id"] == order["order_id"]
    assert credit["amount"] == {"amount": 17_000, "currency": "CNY"}
    assert statement.json["closing"] == {"amount": 17_000, "currency": "CNY"}
    assert statement.json["account"] == f"producer:{producer['producer_id']}:payable"
    ledger = stack.ledger
    assert ledger.balance(Account.village(village.village_id, "commissions"), "CNY").amount == 2_000
    assert ledger.balance(Account.shop(shop["shop_id"], "available"), "CNY").amount == 0  # not a seller payable
    assert ledger.balance(Account.shop(shop["shop_id"], "pending"), "CNY").amount == 0
    completed = stack.buying.get_order(order["order_id"])
    assert completed.commission["partner_amount"] == 2_000 and completed.commission["amount"] == 1_000

    # a refund after completion reverses each share in proportion (here: half of it)
    posting, after = refund(completed, 10_000, "ret_half", stack.clock())
    amounts = {e.account: e.amount for e in posting.entries}
    assert amounts == {
        "external:buyer-payments": 10_000,
        f"producer:{producer['producer_id']}:payable": -8_500,
        "platform:commission": -500,
        f"village:{village.village_id}:commissions": -1_000,
    }
    assert after.commission["partner_amount"] == 1_000 and after.commission["amount"] == 500


def test_without_a_county_rule_the_partner_earns_nothing_and_the_producer_gets_the_rest(api, stack, factory, clock):
    county = h.county(api, factory)
    village = county.villages[0]
    producer, shop = approved_shop(api, factory, village)
    product = factory.product(village.partner, shop, price={"amount": 10_000, "currency": "CNY"}, stock=10)
    (order,) = buy(api, factory.user("buyer"), {product["product_id"]: 1}, payment="bank_transfer")
    for action in ("mark-paid", "ship", "deliver"):
        reply = api.post(
            f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/{action}",
            SHIP if action == "ship" else None,
            token=village.partner,
        )
        assert reply.status == 200, reply
    clock(days=8)
    from chalicelib.events.order_events import complete_due

    complete_due()
    assert stack.ledger.balance(Account.producer(producer["producer_id"]), "CNY").amount == 9_500
    assert stack.ledger.balance(Account.village(village.village_id, "commissions"), "CNY").amount == 0
