"""The partner's cash (issue 11), end to end over the API: a villager's order paid in cash at the handover, the
cash remitted to the county, the county confirming with a variance, the statement adding up on both sides."""

from __future__ import annotations

import uuid

import pytest

from bench.counting import CallRecorder
from chalicelib.domain.ledger import Account
from tests.api.network import helpers as h
from tests.support import assert_api_error

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
PRICE = 15900


@pytest.fixture(scope="module")
def shufu(api, factory):
    county = h.county(api, factory, villages=1)
    rule = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    assert api.put(f"/v1/admin/counties/{county.county_id}/fee-rule", rule, token=factory.operator).status == 200
    return county


def villager_in(api, village) -> str:
    reply = api.post(
        f"/v1/villages/{village.village_id}/villagers", {"name": "Aynur Tohti", "consent": CONSENT},
        token=village.partner,
    )  # fmt: skip
    assert reply.status == 201, reply
    return reply.json["villager_id"]


def handed_over(api, county, village, villager_id: str, shop: h.Shop, quantity: int, payment="cash_on_pickup"):
    body = {"villager_id": villager_id, "lines": [{"product_id": shop.product["product_id"], "quantity": quantity}],
            "payment": payment}  # fmt: skip
    placed = api.post(
        f"/v1/villages/{village.village_id}/orders", body, token=village.partner,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )  # fmt: skip
    assert placed.status == 201, placed
    order = placed.json["orders"][0]
    h.ship(api, shop, {"order_id": order["order_id"], "payment_method": order["payment_method"], "paid_at": None})
    assert h.scan(api, county, order["order_id"]).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order["order_id"]]).status == 200
    reply = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": order["order_id"], "villager_present": True, "villager_id": villager_id},
        token=village.partner,
    )
    assert reply.status == 200, reply
    return reply.json


def balance(stack, account: Account) -> int:
    return stack.ledger.balance(account, "CNY").amount


def test_cash_collected_remitted_and_confirmed_with_a_variance(api, stack, factory, shufu):
    village = h.village(api, factory, shufu.county_id)
    villager_id = villager_in(api, village)
    shop = h.shop(factory)
    parcel = handed_over(api, shufu, village, villager_id, shop, 2)  # 318.00 + fee 9.54
    assert parcel["paid"] is True
    cash, fees = Account.village(village.village_id, "cash"), Account.village(village.village_id, "fees")
    assert (balance(stack, cash), balance(stack, fees)) == (2 * PRICE, 954)
    vpath = f"/v1/villages/{village.village_id}"

    too_much = api.post(f"{vpath}/remittances", {"amount": 2 * PRICE + 1}, token=village.partner)
    assert_api_error(too_much, 409, "insufficient_balance")
    sent = api.post(f"{vpath}/remittances", {"amount": 2 * PRICE}, token=village.partner)
    assert sent.status == 201, sent
    remittance = sent.json
    assert remittance["status"] == "pending" and remittance["amount"]["amount"] == 2 * PRICE
    assert balance(stack, cash) == 0
    assert_api_error(api.post(f"{vpath}/remittances", {"amount": 1}, token=village.partner), 409)

    cpath = f"/v1/county/{shufu.county_id}/remittances"
    pending = api.get(f"{cpath}?status=pending&limit=100", token=shufu.staff).json["items"]
    assert remittance["remittance_id"] in [r["remittance_id"] for r in pending]
    confirm = f"{cpath}/{remittance['remittance_id']}/confirm"
    counted = api.post(confirm, {"amount_received": 2 * PRICE - 500}, token=shufu.staff)  # 5.00 short
    assert counted.status == 200, counted
    assert counted.json["status"] == "confirmed" and counted.json["variance"]["amount"] == 500
    assert_api_error(api.post(confirm, {"amount_received": 2 * PRICE}, token=shufu.staff), 409, "remittance_confirmed")
    confirmed = api.get(f"{cpath}?status=confirmed&limit=100", token=shufu.staff).json["items"]
    assert any(r["remittance_id"] == remittance["remittance_id"] and r["variance"]["amount"] == 500 for r in confirmed)
    mine = api.get(f"{vpath}/remittances", token=village.partner).json["items"]
    assert mine[0]["variance"]["amount"] == 500  # both sides see it
    assert balance(stack, Account.county(shufu.county_id, "variance")) >= 500
    assert balance(stack, Account.village(village.village_id, "remittances")) == 0

    with CallRecorder() as rec:
        statement = api.get(f"{vpath}/ledger", token=village.partner)
    assert statement.status == 200, statement
    assert rec.totals().calls == 5
    s = statement.json
    assert s["opening"]["amount"] == 0 and s["closing"]["amount"] == 0
    assert [e["amount"]["amount"] for e in s["items"]] == [2 * PRICE, -2 * PRICE]
    assert [e["kind"] for e in s["items"]] == ["assisted.handover", "remittance.sent"]
    assert s["items"][0]["order_id"] == parcel["order_id"]
    assert s["items"][1]["remittance_id"] == remittance["remittance_id"]
    assert (s["cash_on_hand"]["amount"], s["fees_earned"]["amount"], s["in_transit"]["amount"]) == (0, 954, 0)
    fees_view = api.get(f"{vpath}/ledger?account=fees", token=village.partner).json
    assert fees_view["closing"]["amount"] == 954 and len(fees_view["items"]) == 1
    later = api.get(f"{vpath}/ledger?from=2099-01-01T00:00:00Z&to=2099-02-01T00:00:00Z", token=village.partner)
    assert later.status == 200 and later.json["items"] == [] and later.json["opening"]["amount"] == 0
    assert_api_error(api.get(f"{vpath}/ledger?from=yesterday", token=village.partner), 400)


def test_an_order_the_partner_paid_for_collects_only_the_fee(api, stack, factory, shufu):
    village = h.village(api, factory, shufu.county_id)
    villager_id = villager_in(api, village)
    parcel = handed_over(api, shufu, village, villager_id, h.shop(factory), 1, payment="paid_by_partner")
    assert parcel["assisted"]["due_at_pickup"]["amount"] == 477
    assert balance(stack, Account.village(village.village_id, "cash")) == 0
    assert balance(stack, Account.village(village.village_id, "fees")) == 477


def test_another_countys_staff_cannot_confirm(api, factory, shufu):
    village = shufu.villages[0]
    other = h.county(api, factory, villages=0)
    remittances = api.get(f"/v1/villages/{village.village_id}/remittances", token=village.partner)
    assert remittances.status == 200
    reply = api.post(
        f"/v1/county/{other.county_id}/remittances/rmt_nope/confirm", {"amount_received": 1}, token=other.staff
    )
    assert_api_error(reply, 404, "remittance_not_found")
    refused = api.post(
        f"/v1/county/{shufu.county_id}/remittances/rmt_nope/confirm", {"amount_received": 1}, token=other.staff
    )
    assert_api_error(refused, 403)
