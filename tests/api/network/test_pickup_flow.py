"""A parcel's whole journey to a village service centre, through the API: checkout to a pickup point, the
seller ships to the county centre, county staff scan it in and put it on a manifest, dispatch it, the partner
receives it (one parcel missing), the buyer sees their code, the partner hands it over, a return at the village
travels back to the seller, who refunds it."""

from __future__ import annotations

from tests.api.network.helpers import (
    PICKUP,
    build,
    buyer_order,
    county,
    dispatch,
    pickup_code,
    pickup_order,
    receive,
    run_jobs,
    scan,
    ship,
    shop,
)
from tests.support import assert_api_error, drain_order_events


def notifications_of(api, stack, token: str) -> list[dict]:
    from chalicelib.events.order_events import handle_records

    records = drain_order_events(stack)
    if records:
        assert handle_records(records) == {"batchItemFailures": []}
    reply = api.get("/v1/me/notifications?limit=100", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def test_a_parcel_travels_to_the_village_and_is_handed_over_and_returned(api, stack, factory):
    shufu = county(api, factory)
    village = shufu.villages[0]
    seller = shop(factory)
    buyer = factory.user("buyer")

    kept = pickup_order(api, buyer, seller, village.village_id)
    lost = pickup_order(api, buyer, seller, village.village_id, quantity=1)
    assert kept["pickup"]["ship_to"] == shufu.body["address"]
    assert kept["pickup"]["hours"] == "09:00-21:00 daily" and kept["pickup"]["pickup_code"] is None
    assert kept["delivery"] == {"pickup_point": village.village_id, **PICKUP}

    kept = ship(api, seller, kept, tracking="CP111111111CN")
    lost = ship(api, seller, lost)
    seller_view = api.get(f"/v1/shops/{seller.shop['shop_id']}/orders/{kept['order_id']}", token=seller.seller)
    assert seller_view.json["pickup"]["ship_to"] == shufu.body["address"]
    assert seller_view.json["pickup"]["pickup_code"] is None

    # county scans: by tracking number, by order id, twice
    first = scan(api, shufu, "cp111111111cn")
    assert first.status == 200 and first.json["already"] is False, first
    assert first.json["parcel"]["status"] == "at_county"
    assert first.json["parcel"]["recipient"] == {"name": PICKUP["name"], "phone_last4": "0101"}
    again = scan(api, shufu, kept["order_id"])
    assert again.status == 200 and again.json["already"] is True
    assert scan(api, shufu, lost["order_id"]).json["already"] is False

    at_county = api.get(f"/v1/county/{shufu.county_id}/parcels?status=at_county", token=shufu.staff)
    assert {p["order_id"] for p in at_county.json["items"]} == {kept["order_id"], lost["order_id"]}

    built = build(api, shufu, village.village_id)
    assert built.status == 201, built
    manifest = built.json
    assert manifest["status"] == "ready" and manifest["parcel_count"] == 2
    assert build(api, shufu, village.village_id).json["manifest_id"] == manifest["manifest_id"]  # joins, adds none

    view = api.get(f"/v1/county/{shufu.county_id}/manifests/{manifest['manifest_id']}", token=shufu.staff)
    assert view.status == 200, view
    assert {line["order_id"] for line in view.json["items"]} == {kept["order_id"], lost["order_id"]}

    dispatched = dispatch(api, shufu, manifest["manifest_id"])
    assert dispatched.status == 200 and dispatched.json["status"] == "dispatched", dispatched
    assert buyer_order(api, buyer, kept["order_id"])["status"] == "to_village"

    waiting = api.get(f"/v1/villages/{village.village_id}/manifests?status=dispatched", token=village.partner)
    assert [m["manifest_id"] for m in waiting.json["items"]] == [manifest["manifest_id"]]

    received = receive(api, village, manifest["manifest_id"], ["CP111111111CN"])
    assert received.status == 200, received
    assert received.json["status"] == "received"
    assert (received.json["received_count"], received.json["missing_count"]) == (1, 1)
    assert buyer_order(api, buyer, lost["order_id"])["status"] == "missing"
    missing = api.get(f"/v1/county/{shufu.county_id}/parcels?status=missing", token=shufu.staff)
    assert [p["order_id"] for p in missing.json["items"]] == [lost["order_id"]]

    mine = buyer_order(api, buyer, kept["order_id"])
    assert mine["status"] == "ready_for_pickup"
    code = mine["pickup"]["pickup_code"]
    assert code == pickup_code(stack, kept["order_id"], mine["pickup"]["ready_at"]) and len(code) == 6
    messages = [n["message"] for n in notifications_of(api, stack, buyer) if n["order_id"] == kept["order_id"]]
    assert any(code in m and "09:00-21:00 daily" in m and village.body["name"] in m for m in messages), messages

    ready = api.get(f"/v1/villages/{village.village_id}/parcels?status=ready_for_pickup", token=village.partner)
    assert [p["order_id"] for p in ready.json["items"]] == [kept["order_id"]]
    assert code.encode() not in ready.body

    wrong = "000000" if code != "000000" else "111111"
    refused = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": kept["order_id"], "pickup_code": wrong},
        token=village.partner,
    )
    assert_api_error(refused, 422, "wrong_pickup_code")
    handed = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": kept["order_id"], "pickup_code": code},
        token=village.partner,
    )
    assert handed.status == 200, handed
    delivered = buyer_order(api, buyer, kept["order_id"])
    assert delivered["status"] == "delivered" and delivered["return_window_closes"]
    assert [e["status"] for e in delivered["timeline"]] == [
        "pending_payment", "paid", "shipped", "at_county", "to_village", "ready_for_pickup", "delivered",
    ]  # fmt: skip
    assert all(e["actor_id"] for e in delivered["timeline"])
    trust = api.get(f"/v1/shops/{seller.shop['shop_id']}/trust").json  # issue 13: the dispute rate's denominator
    assert trust["disputes"]["orders"] == 1, trust

    # the village return: back to the county, forwarded to the seller, refunded when received
    opened = api.post(
        f"/v1/villages/{village.village_id}/returns",
        {"order_id": kept["order_id"], "lines": [{"line_id": kept["lines"][0]["line_id"], "quantity": 1}]},
        token=village.partner,
    )
    assert opened.status == 201, opened
    ret = opened.json
    assert ret["leg"] == "at_village"
    back = api.post(f"/v1/villages/{village.village_id}/manifests", token=village.partner)
    assert back.status == 201, back
    sent = api.post(
        f"/v1/villages/{village.village_id}/manifests/{back.json['manifest_id']}/dispatch", token=village.partner
    )
    assert sent.status == 200 and sent.json["status"] == "dispatched", sent
    early = api.post(f"/v1/shops/{seller.shop['shop_id']}/returns/{ret['return_id']}/receive", token=seller.seller)
    assert_api_error(early, 409, "return_in_transit")
    arrived = api.post(
        f"/v1/county/{shufu.county_id}/manifests/{back.json['manifest_id']}/receive",
        {"codes": [ret["return_id"]]},
        token=shufu.staff,
    )
    assert arrived.status == 200 and arrived.json["status"] == "received", arrived
    forwarded = api.post(
        f"/v1/county/{shufu.county_id}/returns/{ret['return_id']}/forward",
        {"carrier": "China Post", "tracking_number": "CP222222222CN"},
        token=shufu.staff,
    )
    assert forwarded.status == 200 and forwarded.json["leg"] == "to_seller", forwarded
    refunded = api.post(f"/v1/shops/{seller.shop['shop_id']}/returns/{ret['return_id']}/receive", token=seller.seller)
    assert refunded.status == 200, refunded
    assert buyer_order(api, buyer, kept["order_id"])["refunded"]["amount"] == kept["lines"][0]["unit_price"]["amount"]
    assert run_jobs(stack) == 0
