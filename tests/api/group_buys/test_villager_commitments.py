"""A village partner buys together for villagers (issue 19 with issues 10-11): commits for a villager of the
village they run (never another village's), withdraws it, sees only their own; when the group closes, the
villager's order is an assisted order collected at the village (placed by the partner, the county's fee), and
it crosses the county and is handed over like any village order."""

from __future__ import annotations

import uuid

import pytest

from bench.counting import CallRecorder
from chalicelib.domain.ledger import Account
from tests.api.group_buys.support import commitment
from tests.api.network import helpers as h
from tests.support import assert_api_error, stock_of

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}


@pytest.fixture
def county(api, factory):
    return h.county(api, factory, villages=2)


def villager(api, village, name: str) -> dict:
    reply = api.post(
        f"/v1/villages/{village.village_id}/villagers",
        {"name": name, "phone": "+86 998 555 0142", "consent": CONSENT},
        token=village.partner,
    )
    assert reply.status == 201, reply
    return reply.json


def for_villager(api, village, group_id: str, villager_id: str, quantity: int, key: str | None = None, **body):
    payload = {"quantity": quantity, "villager_id": villager_id, "payment_method": "cash_on_pickup", **body}
    return api.post(
        f"/v1/group-buys/{group_id}/commitments",
        payload,
        token=village.partner,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def withdraw(api, token: str, group_id: str, villager_id: str | None = None):
    query = f"?villager_id={villager_id}" if villager_id else ""
    return api.delete(f"/v1/group-buys/{group_id}/commitments{query}", token=token)


def set_rule(api, factory, county_id: str) -> None:
    body = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    assert api.put(f"/v1/admin/counties/{county_id}/fee-rule", body, token=factory.operator).status == 200


def test_a_partner_commits_for_villagers_of_their_village_idempotently(api, groups, factory, county):
    village = county.villages[0]
    aynur, memet = villager(api, village, "Tursunay Qadir"), villager(api, village, "Memet Ali")
    group = groups.start(factory.user("buyer"), groups.product(stock=100), target_quantity=50)
    gid = group["group_id"]
    key = uuid.uuid4().hex
    with CallRecorder() as rec:
        reply = for_villager(api, village, gid, aynur["villager_id"], 20, key)
    assert reply.status == 201, reply
    assert rec.totals().calls == 3  # as a buyer's commitment
    mine = reply.json["commitment"]
    assert mine["villager_id"] == aynur["villager_id"] and mine["village_id"] == village.village_id
    assert mine["delivery"]["pickup_point"] == village.village_id
    # the villager's id, never their name or phone (an erasure leaves nothing personal behind)
    assert mine["delivery"]["name"] == f"villager {aynur['villager_id']}" and mine["delivery"]["phone"] == ""
    assert mine["payment_method"] == "cash_on_pickup"

    again = for_villager(api, village, gid, aynur["villager_id"], 20, key)
    assert again.status == 200 and again.json == {**reply.json, "replayed": True}
    other = for_villager(api, village, gid, aynur["villager_id"], 25, key)
    assert_api_error(other, 422, "idempotency_key_reused")
    assert_api_error(for_villager(api, village, gid, aynur["villager_id"], 5), 409, "already_committed")
    # one commitment per villager: a second villager is a second participant
    assert for_villager(api, village, gid, memet["villager_id"], 10, payment_method="paid_by_partner").status == 201
    view = groups.view(gid)
    assert (view["committed_quantity"], view["participants"]) == (30, 2)

    # each sees only their own: the partner their villagers', a buyer theirs, nobody else anything
    with CallRecorder() as rec:
        partners = api.get(f"/v1/group-buys/{gid}/commitments", token=village.partner)
    assert partners.status == 200 and rec.totals().calls == 1
    seen = {c["villager_id"]: c["quantity"] for c in partners.json["items"]}
    assert seen == {aynur["villager_id"]: 20, memet["villager_id"]: 10}
    assert groups.view(gid, token=village.partner)["my_commitment"] is None
    buyer = factory.user("buyer")
    assert groups.commit(buyer, gid, 5).status == 201
    buyers = api.get(f"/v1/group-buys/{gid}/commitments", token=buyer).json["items"]
    assert [(c["quantity"], c["villager_id"]) for c in buyers] == [(5, None)]
    assert groups.view(gid, token=buyer)["my_commitment"]["quantity"] == 5
    neighbour = api.get(f"/v1/group-buys/{gid}/commitments", token=county.villages[1].partner).json
    assert neighbour["items"] == []
    for token in (buyer, county.villages[1].partner, None):
        assert b"Tursunay" not in api.get(f"/v1/group-buys/{gid}", token=token).body
    assert_api_error(api.get(f"/v1/group-buys/{gid}/commitments", token=groups.seller), 403)

    listed = api.get("/v1/me/group-buys", token=village.partner)
    assert listed.status == 200 and {c["villager_id"] for c in listed.json["items"]} == {
        aynur["villager_id"],
        memet["villager_id"],
    }


def test_the_partner_withdraws_a_villagers_commitment_before_the_close(api, groups, factory, county):
    village, other = county.villages
    aynur = villager(api, village, "Aynur Tohti")
    gid = groups.start(factory.user("buyer"), groups.product(stock=100), target_quantity=50)["group_id"]
    assert for_villager(api, village, gid, aynur["villager_id"], 20).status == 201

    # another village's partner cannot withdraw it, a buyer cannot name a villager: nothing changes
    assert_api_error(withdraw(api, other.partner, gid, aynur["villager_id"]), 404, "commitment_not_found")
    assert_api_error(withdraw(api, factory.user("buyer"), gid, aynur["villager_id"]), 403, "partner_only")
    assert_api_error(withdraw(api, groups.seller, gid, aynur["villager_id"]), 403)
    assert groups.view(gid)["committed_quantity"] == 20

    reply = withdraw(api, village.partner, gid, aynur["villager_id"])
    assert reply.status == 204, reply
    after = groups.view(gid)
    assert (after["committed_quantity"], after["participants"]) == (0, 0)
    assert_api_error(withdraw(api, village.partner, gid, aynur["villager_id"]), 404, "commitment_not_found")
    # withdrawn, the partner may commit for them again
    assert for_villager(api, village, gid, aynur["villager_id"], 10).status == 201


def test_nobody_commits_for_a_villager_who_is_not_theirs(api, groups, factory, county):
    village, other = county.villages
    aynur = villager(api, village, "Aynur Tohti")
    theirs = villager(api, other, "Not Yours")
    gid = groups.start(factory.user("buyer"), groups.product(stock=100), target_quantity=50)["group_id"]

    # the village is the partner's own: another village's partner does not reach this village's villager
    assert_api_error(for_villager(api, other, gid, aynur["villager_id"], 10), 404, "villager_not_found")
    assert_api_error(for_villager(api, village, gid, theirs["villager_id"], 10), 404, "villager_not_found")
    assert_api_error(for_villager(api, village, gid, "vgr_nope", 10), 404, "villager_not_found")
    # a buyer (or a seller) cannot pass a villager
    body = {"quantity": 10, "villager_id": aynur["villager_id"], "payment_method": "cash_on_pickup"}
    for token, code in ((factory.user("buyer"), "partner_only"), (groups.seller, "role_required")):
        reply = api.post(
            f"/v1/group-buys/{gid}/commitments", body, token=token, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert_api_error(reply, 403, code)
    # a partner does not commit for themself, nor pay for a villager by card; one recipient only
    reply = api.post(
        f"/v1/group-buys/{gid}/commitments", commitment(10), token=village.partner,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )  # fmt: skip
    assert_api_error(reply, 403, "role_required")
    assert_api_error(for_villager(api, village, gid, aynur["villager_id"], 10, payment_method="card"), 400)
    assert_api_error(
        for_villager(api, village, gid, aynur["villager_id"], 10, delivery=commitment(10)["delivery"]), 400
    )
    # an erased villager gets nothing
    api.post(f"/v1/villages/{village.village_id}/villagers/{aynur['villager_id']}/erase", token=village.partner)
    assert_api_error(for_villager(api, village, gid, aynur["villager_id"], 10), 409, "villager_erased")
    view = groups.view(gid)
    assert (view["committed_quantity"], view["participants"]) == (0, 0)


def test_the_villagers_order_is_an_assisted_order_collected_at_the_village(api, stack, groups, factory, county):
    """The fee rule of issue 11 applies: the order is placed for the villager by the partner when the group
    closes, its goods at the tier the total reached, the fee on them by the county's rule."""
    village = county.villages[0]
    set_rule(api, factory, county.county_id)
    aynur = villager(api, village, "Aynur Tohti")
    product = groups.product(stock=100)
    buyer = factory.user("buyer")
    gid = groups.start(buyer, product, target_quantity=50)["group_id"]
    placed = for_villager(api, village, gid, aynur["villager_id"], 10)
    assert placed.status == 201
    assert groups.commit(buyer, gid, 40).status == 201  # 50: the target and the 100.00 tier
    assert groups.view(gid)["status"] == "closed"
    assert stock_of(api, groups.seller, product) == 50

    order = stack.buying.get_order(placed.json["commitment"]["order_id"])
    assert order.group == {"group_id": gid} and order.lines[0].unit_amount == 10000
    assert order.buyer_id == order.assisted["placed_by"]  # placed by the partner, for the villager
    assert order.assisted["villager_id"] == aynur["villager_id"]
    assert order.assisted["village_id"] == village.village_id and order.pickup["village_id"] == village.village_id
    assert order.assisted["service_fee"] == 2000  # 3 % of 1,000.00 is 30.00: the rule's maximum, 20.00
    assert order.payment_method == "cash_on_delivery" and order.expires_at is None
    assert order.timeline[0].actor == "partner" and aynur["villager_id"] in order.timeline[0].note
    assert order.delivery["name"] == f"villager {aynur['villager_id']}" and not order.delivery.get("phone")

    # ships to the county, crosses it, arrives at the village, handed over: goods + fee paid in cash
    shop = h.Shop(groups.seller, groups.shop, product)
    h.ship(api, shop, {"order_id": order.order_id, "payment_method": "cash_on_delivery"})
    assert h.scan(api, county, order.order_id).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order.order_id]).status == 200
    handed = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": order.order_id, "villager_present": True, "villager_id": aynur["villager_id"]},
        token=village.partner,
    )
    assert handed.status == 200, handed
    assert handed.json["status"] == "delivered" and handed.json["paid"] is True
    assert stack.ledger.balance(Account.village(village.village_id, "cash"), "CNY").amount == 10 * 10000
    assert stack.ledger.balance(Account.village(village.village_id, "fees"), "CNY").amount == 2000


def test_a_villager_paid_by_the_partner_is_a_bank_transfer_order(api, stack, groups, factory, county):
    village = county.villages[0]
    aynur = villager(api, village, "Aynur Tohti")
    gid = groups.start(factory.user("buyer"), groups.product(stock=100))["group_id"]  # target: the MOQ, 10
    placed = for_villager(api, village, gid, aynur["villager_id"], 10, payment_method="paid_by_partner")
    assert placed.status == 201
    assert groups.view(gid)["status"] == "closed"
    order = stack.buying.get_order(placed.json["commitment"]["order_id"])
    assert order.payment_method == "bank_transfer" and order.assisted["payment"] == "paid_by_partner"
    assert order.assisted["service_fee"] == 0  # no rule for this county: no fee
    assert order.lines[0].unit_amount == 12000


def test_the_partner_is_told_of_the_close_once_per_villager(api, stack, groups, factory, county):
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    village = county.villages[0]
    first, second = villager(api, village, "Tursunay Qadir"), villager(api, village, "Memet Ali")
    gid = groups.start(factory.user("buyer"), groups.product(stock=100), target_quantity=50)["group_id"]
    orders = [
        for_villager(api, village, gid, v["villager_id"], q).json["commitment"]["order_id"]
        for v, q in ((first, 20), (second, 30))
    ]
    assert groups.view(gid)["status"] == "closed"
    assert handle_records(drain_order_events(stack)) == {"batchItemFailures": []}
    assert handle_records(drain_order_events(stack)) == {"batchItemFailures": []}  # delivered twice: told once
    told = [
        n
        for n in api.get("/v1/me/notifications?limit=100", token=village.partner).json["items"]
        if n["type"] == "group.closed" and n["group_id"] == gid
    ]
    assert sorted(n["order_id"] for n in told) == sorted(orders)
    assert {n["villager_id"] for n in told} == {first["villager_id"], second["villager_id"]}
