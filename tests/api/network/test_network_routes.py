"""The rural service network's routes one by one: operators' map, the public directory, first sign-in of the
accounts operators create, checkout to a pickup point, county scans, the handover and its lock, and the pickup
code that only the buyer ever sees."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from bench.counting import CallRecorder
from tests.api.network.helpers import (
    PICKUP,
    build,
    buyer_order,
    county,
    first_sign_in,
    pickup_order,
    run_jobs,
    scan,
    ship,
    shop,
    to_stage,
    village,
)
from tests.support import PASSWORD, assert_api_error, random_email

# --- operators ---------------------------------------------------------------------------------------------


def test_an_operator_adds_a_county_and_binds_staff_with_a_temporary_password_shown_once(api, factory):
    operator = factory.operator
    created = api.post(
        "/v1/admin/counties",
        {"name": "Wensu Centre", "province": "Xinjiang", "prefecture": "Aksu", "county": "Wensu", "address": "1 Road"},
        token=operator,
    )
    assert created.status == 201, created
    county_id = created.json["county_id"]
    email = random_email("staff")
    bound = api.post(f"/v1/admin/counties/{county_id}/staff", {"email": email.upper()}, token=operator)
    assert bound.status == 201, bound
    assert bound.json["email"] == email and bound.json["newly_bound"] is True
    temporary = bound.json["temporary_password"]
    assert temporary and len(temporary) >= 12
    again = api.post(f"/v1/admin/counties/{county_id}/staff", {"email": email}, token=operator)
    assert again.status == 200 and again.json["newly_bound"] is False and again.json["temporary_password"] is None

    token = first_sign_in(api, email, temporary)
    me = api.get("/v1/me", token=token).json
    assert me["roles"] == ["county_staff"] and me["user_id"] == bound.json["user_id"]

    other = api.post(
        "/v1/admin/counties",
        {"name": "Other", "province": "Xinjiang", "prefecture": "Aksu", "county": "Awat", "address": "2 Road"},
        token=operator,
    ).json
    assert_api_error(
        api.post(f"/v1/admin/counties/{other['county_id']}/staff", {"email": email}, token=operator),
        409,
        "staff_of_another_county",
    )
    assert_api_error(api.post("/v1/admin/counties/cty_nope/staff", {"email": email}, token=operator), 404)


def test_an_existing_account_becomes_staff_without_a_new_password(api, factory):
    email = random_email("seller")
    factory.user("seller", email=email)
    shufu = county(api, factory, villages=0)
    bound = api.post(f"/v1/admin/counties/{shufu.county_id}/staff", {"email": email}, token=factory.operator)
    assert bound.status == 201 and bound.json["temporary_password"] is None
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    assert sorted(api.get("/v1/me", token=token).json["roles"]) == ["county_staff", "seller"]
    parcels = api.get(f"/v1/county/{shufu.county_id}/parcels", token=token)
    assert parcels.status == 200 and parcels.json["items"] == []


def test_a_village_is_run_by_one_partner_and_the_directory_never_shows_them(api, factory):
    shufu = county(api, factory, villages=1)
    partner_email = shufu.villages[0].partner_email
    body = {
        "name": "Second centre",
        "village": "Second",
        "address": "1 Street",
        "hours": "10:00-18:00",
        "partner_email": partner_email,
    }
    assert_api_error(
        api.post(f"/v1/admin/counties/{shufu.county_id}/villages", body, token=factory.operator),
        409,
        "partner_runs_another_village",
    )
    listed = api.get(f"/v1/counties/{shufu.county_id}/villages")
    assert listed.status == 200
    (entry,) = listed.json["items"]
    assert entry["hours"] == "09:00-21:00 daily" and "partner" not in entry
    assert partner_email.encode() not in listed.body
    assert shufu.county_id in {c["county_id"] for c in _all(api, "/v1/counties")}
    assert_api_error(api.get("/v1/counties/cty_nope/villages"), 404, "county_not_found")


def _all(api, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        reply = api.get(path + "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply
        items += reply.json["items"]
        cursor = reply.json["next_cursor"]
        if not cursor:
            return items


def test_the_directory_is_paginated(api, factory):
    shufu = county(api, factory, villages=3)
    listed = _all(api, f"/v1/counties/{shufu.county_id}/villages")
    assert [v["village_id"] for v in listed] == [v.village_id for v in shufu.villages]


# --- first sign-in -----------------------------------------------------------------------------------------


def test_a_temporary_password_must_be_replaced_before_a_token_is_given(api, factory):
    shufu = county(api, factory, villages=0)
    email = random_email("staff")
    temporary = api.post(f"/v1/admin/counties/{shufu.county_id}/staff", {"email": email}, token=factory.operator).json[
        "temporary_password"
    ]
    assert_api_error(api.post("/v1/auth/login", {"email": email, "password": temporary}), 401, "new_password_required")
    assert_api_error(
        api.post("/v1/auth/new-password", {"email": email, "temporary_password": temporary, "new_password": "weak"}),
        400,
    )
    assert_api_error(
        api.post(
            "/v1/auth/new-password",
            {"email": email, "temporary_password": "Wrong-pass-123", "new_password": "Village-pass-42"},
        ),
        401,
        "invalid_credentials",
    )
    token = first_sign_in(api, email, temporary, "Village-pass-42")
    assert api.get("/v1/me", token=token).status == 200
    assert api.post("/v1/auth/login", {"email": email, "password": "Village-pass-42"}).status == 200
    assert_api_error(
        api.post(
            "/v1/auth/new-password",
            {"email": email, "temporary_password": "Village-pass-42", "new_password": "Village-pass-43"},
        ),
        409,
        "password_already_set",
    )


# --- buying to a village -------------------------------------------------------------------------------------


def test_checkout_to_a_pickup_point_records_the_village_and_its_county_in_two_calls(api, factory):
    shufu = county(api, factory)
    seller = shop(factory)
    buyer = factory.user("buyer")
    assert api.put(f"/v1/cart/items/{seller.product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    body = {"delivery": {"pickup_point": shufu.villages[0].village_id, **PICKUP}, "payment_method": "cash_on_delivery"}
    with CallRecorder() as rec:
        reply = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": "pickup-1"})
    assert reply.status == 201, reply
    assert rec.dynamodb().calls == 2
    (order,) = reply.json["orders"]
    assert order["pickup"]["village_id"] == shufu.villages[0].village_id
    assert order["pickup"]["county_id"] == shufu.county_id
    assert order["pickup"]["ship_to"] == shufu.body["address"]


def test_checkout_to_an_unknown_pickup_point_is_refused_and_the_cart_kept(api, factory):
    seller = shop(factory)
    buyer = factory.user("buyer")
    assert api.put(f"/v1/cart/items/{seller.product['product_id']}", {"quantity": 1}, token=buyer).status == 200
    body = {"delivery": {"pickup_point": "vil_nope", **PICKUP}, "payment_method": "cash_on_delivery"}
    reply = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": "pickup-2"})
    assert_api_error(reply, 422, "pickup_point_not_found")
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1
    mixed = {"delivery": {"pickup_point": "vil_x", **PICKUP, "city": "Kashgar"}, "payment_method": "card"}
    assert_api_error(api.post("/v1/checkout", mixed, token=buyer, headers={"Idempotency-Key": "pickup-3"}), 400)


def test_the_seller_cannot_mark_a_pickup_order_delivered(api, factory):
    shufu = county(api, factory)
    seller = shop(factory)
    order = ship(api, seller, pickup_order(api, factory.user("buyer"), seller, shufu.villages[0].village_id))
    reply = api.post(f"/v1/shops/{seller.shop['shop_id']}/orders/{order['order_id']}/deliver", token=seller.seller)
    assert_api_error(reply, 409, "collected_at_village")


# --- county scans --------------------------------------------------------------------------------------------


def test_a_scan_of_an_unknown_unshipped_or_foreign_parcel(api, factory):
    shufu, aksu = county(api, factory), county(api, factory)
    seller = shop(factory)
    buyer = factory.user("buyer")
    unshipped = pickup_order(api, buyer, seller, shufu.villages[0].village_id)
    foreign = ship(api, seller, pickup_order(api, buyer, seller, aksu.villages[0].village_id), tracking="CPAKSU1CN")
    assert_api_error(scan(api, shufu, "ord_doesnotexist"), 404, "parcel_not_found")
    assert_api_error(scan(api, shufu, "NOSUCHTRACKING"), 404, "parcel_not_found")
    assert_api_error(scan(api, shufu, foreign["order_id"]), 404, "parcel_not_found")
    assert_api_error(scan(api, shufu, "CPAKSU1CN"), 404, "parcel_not_found")
    assert_api_error(scan(api, shufu, unshipped["order_id"]), 409, "illegal_order_transition")
    with CallRecorder() as rec:
        assert scan(api, aksu, "cpaksu1cn").status == 200
    assert rec.dynamodb().calls == 2


def test_two_parcels_with_one_tracking_number_must_be_scanned_by_order_number(api, factory):
    shufu = county(api, factory)
    seller = shop(factory)
    buyer = factory.user("buyer")
    a = ship(api, seller, pickup_order(api, buyer, seller, shufu.villages[0].village_id), tracking="SAME1")
    ship(api, seller, pickup_order(api, buyer, seller, shufu.villages[0].village_id), tracking="SAME1")
    assert_api_error(scan(api, shufu, "SAME1"), 409, "ambiguous_code")
    assert scan(api, shufu, a["order_id"]).status == 200


def test_a_missing_parcel_found_at_the_county_is_scanned_in_again(api, stack, factory):
    shufu = county(api, factory)
    seller = shop(factory)
    buyer = factory.user("buyer")
    order = to_stage(api, stack, shufu, shufu.villages[0], seller, buyer, "missing")
    assert order["status"] == "missing"
    found = scan(api, shufu, order["order_id"])
    assert found.status == 200 and found.json["parcel"]["status"] == "at_county"
    assert found.json["parcel"]["manifest_id"] is None
    assert build(api, shufu, shufu.villages[0].village_id).status == 201


def test_a_manifest_needs_waiting_parcels_and_a_village_of_the_county(api, factory):
    shufu, aksu = county(api, factory), county(api, factory)
    assert_api_error(build(api, shufu, shufu.villages[0].village_id), 409, "no_parcels")
    assert_api_error(build(api, shufu, aksu.villages[0].village_id), 404, "village_not_found")


# --- the handover ----------------------------------------------------------------------------------------------


def _handover(api, v, order_id: str, code: str):
    return api.post(
        f"/v1/villages/{v.village_id}/handovers", {"order_id": order_id, "pickup_code": code}, token=v.partner
    )


def test_five_wrong_codes_lock_the_handover_for_fifteen_minutes(api, stack, factory):
    shufu = county(api, factory)
    v = shufu.villages[0]
    buyer = factory.user("buyer")
    order = to_stage(api, stack, shufu, v, shop(factory), buyer, "ready_for_pickup")
    code = order["pickup"]["pickup_code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        error = assert_api_error(_handover(api, v, order["order_id"], wrong), 422, "wrong_pickup_code")
        assert f"{left} tries left" in error["details"][0]["message"]
    locked = _handover(api, v, order["order_id"], wrong)
    assert_api_error(locked, 429, "handover_locked")
    assert 890 <= int(locked.headers["retry-after"]) <= 901
    assert_api_error(_handover(api, v, order["order_id"], code), 429, "handover_locked")  # even the right one
    parcel = api.get(f"/v1/villages/{v.village_id}/parcels", token=v.partner).json["items"]
    assert next(p for p in parcel if p["order_id"] == order["order_id"])["handover_locked_until"]

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    stack.clock = lambda: later.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    try:
        handed = _handover(api, v, order["order_id"], code)
    finally:
        from chalicelib.domain.ids import utc_now

        stack.clock = utc_now
    assert handed.status == 200 and handed.json["status"] == "delivered"
    assert_api_error(_handover(api, v, order["order_id"], code), 409, "illegal_order_transition")


def test_a_code_is_six_digits(api, stack, factory):
    shufu = county(api, factory)
    v = shufu.villages[0]
    assert_api_error(_handover(api, v, "ord_x", "12345"), 400)
    assert_api_error(_handover(api, v, "ord_x", "abcdef"), 400)
    assert_api_error(_handover(api, v, "ord_x", "123456"), 404, "parcel_not_found")


# --- the pickup code: the buyer's alone ----------------------------------------------------------------------


def test_the_pickup_code_never_appears_in_partner_or_county_answers_or_in_the_logs(api, stack, factory, capsys):
    shufu = county(api, factory)
    v = shufu.villages[0]
    buyer = factory.user("buyer")
    seller = shop(factory)
    capsys.readouterr()
    order = to_stage(api, stack, shufu, v, seller, buyer, "ready_for_pickup")
    code = order["pickup"]["pickup_code"]
    assert re.fullmatch(r"\d{6}", code)

    seen: list[bytes] = []
    county_base, village_base = f"/v1/county/{shufu.county_id}", f"/v1/villages/{v.village_id}"
    manifest_id = order["timeline"][-2]["note"]
    for path in (
        f"{county_base}/parcels?status=to_village",
        f"{county_base}/parcels?status=at_county",
        f"{county_base}/manifests?status=dispatched",
        f"{county_base}/manifests/{manifest_id}",
    ):
        seen.append(api.get(path, token=shufu.staff).body)
    for path in (
        f"{village_base}/parcels?status=ready_for_pickup",
        f"{village_base}/manifests?status=received",
        f"{village_base}/manifests/{manifest_id}",
    ):
        seen.append(api.get(path, token=v.partner).body)
    seen.append(api.get(f"/v1/shops/{seller.shop['shop_id']}/orders/{order['order_id']}", token=seller.seller).body)
    seen.append(_handover(api, v, order["order_id"], code).body)
    run_jobs(stack)
    logs = capsys.readouterr().out

    assert all(code.encode() not in body for body in seen)
    assert b'"pickup_code": null' in seen[-2] or b'"pickup_code":null' in seen[-2].replace(b" ", b"")
    assert code not in logs
    logged = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/v1/villages/{village_id}/handovers" for line in logged)  # the capture works
    assert PICKUP["phone"] not in logs
    partner_and_county = seen[:-2] + seen[-1:]  # the seller ships to the buyer: their view has the phone
    assert all(PICKUP["phone"].encode() not in body for body in partner_and_county)
    assert buyer_order(api, buyer, order["order_id"])["pickup"]["pickup_code"] is None  # delivered: no code


@pytest.mark.parametrize("stage", ["at_county", "to_village", "missing", "delivered"])
def test_the_buyer_sees_a_code_only_while_the_parcel_is_ready(api, stack, factory, stage):
    shufu = county(api, factory)
    order = to_stage(api, stack, shufu, shufu.villages[0], shop(factory), factory.user("buyer"), stage)
    assert order["status"] == stage
    assert order["pickup"]["pickup_code"] is None


def test_a_second_village_partner_is_created_for_a_new_village(api, factory):
    shufu = county(api, factory, villages=0)
    made = village(api, factory, shufu.county_id)
    assert api.get(f"/v1/villages/{made.village_id}/parcels", token=made.partner).status == 200


@pytest.mark.parametrize("role", ["partner", "county_staff"])
def test_partners_and_county_staff_cannot_register_themselves(api, role):
    reply = api.post("/v1/auth/register", {"email": random_email(role), "password": PASSWORD, "role": role})
    assert_api_error(reply, 400)
