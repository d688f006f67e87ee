"""End to end over HTTP (issue 19): on the real local stack (atomic moto server, demo seed, `chalice local`),
three buyers and a village partner (for a villager of the demo village, Tokzak) reach a b2b product's higher
tier together, each below the MOQ, and every one of them receives an order at that tier's unit price; the
seller sees four ordinary orders marked with the group, the stock is taken once for all; the villager's order
is collected at the village: shipped to the county centre, scanned, carried on a manifest, received at the
village and handed over to the villager in person."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from devtools.seed import COUNTY_STAFF, OPERATOR, PARTNER
from devtools.seed import PASSWORD as DEMO_PASSWORD
from tests.e2e.test_local_stack import Http, local_stack  # noqa: F401 - the module's stack fixture
from tests.support import ADDRESS, PASSWORD, product_body, random_email

pytestmark = pytest.mark.e2e


def _user(http: Http, role: str) -> str:
    email = random_email(f"e2e-{role}")
    http.call("POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": role}, expect=201)
    return http.login(email, PASSWORD)


def test_three_buyers_reach_a_wholesale_tier_together_and_all_get_orders_at_its_price(local_stack):  # noqa: F811
    http = Http(local_stack.url)
    seller = _user(http, "seller")
    region = {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
    shop = http.call(
        "POST",
        "/v1/shops",
        token=seller,
        expect=201,
        json={
            "name": f"E2E Wholesale {uuid.uuid4().hex[:6]}",
            "storefront": "b2b",
            "description": "e2e",
            "region": region,
        },
    )
    operator = http.login(OPERATOR, DEMO_PASSWORD)
    http.call("POST", f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator)
    product = http.call(
        "POST", f"/v1/shops/{shop['shop_id']}/products", token=seller, expect=201, json=product_body("b2b", stock=80)
    )  # MOQ 10, multiples of 5, 120.00 from 10 and 100.00 from 50

    buyers = [_user(http, "buyer") for _ in range(3)]
    partner = http.login(PARTNER, DEMO_PASSWORD)  # runs Tokzak (devtools/seed.py)
    shufu = next(c for c in http.call("GET", "/v1/counties")["items"] if c["county"] == "Shufu")
    tokzak = next(
        v for v in http.call("GET", f"/v1/counties/{shufu['county_id']}/villages")["items"] if v["village"] == "Tokzak"
    )
    village = f"/v1/villages/{tokzak['village_id']}"
    villager = http.call(
        "POST",
        f"{village}/villagers",
        token=partner,
        expect=201,
        json={
            "name": "E2E Group Villager",
            "consent": {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"},
        },
    )
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(timespec="seconds").replace("+00:00", "Z")
    group = http.call(
        "POST",
        "/v1/group-buys",
        token=buyers[0],
        expect=201,
        json={"product_id": product["product_id"], "target_quantity": 50, "deadline": deadline},
    )
    gid = group["group_id"]
    listed = http.call("GET", f"/v1/products/{product['product_id']}/group-buys")["items"]
    assert [g["group_id"] for g in listed] == [gid]

    for_villager = {"quantity": 10, "villager_id": villager["villager_id"], "payment_method": "cash_on_pickup"}
    reply = http.session.post(
        f"{local_stack.url}/v1/group-buys/{gid}/commitments",
        json=for_villager,
        headers={"Authorization": f"Bearer {partner}", "Idempotency-Key": f"e2e-{uuid.uuid4().hex}"},
        timeout=20,
    )
    assert reply.status_code == 201, reply.text
    villager_order_id = reply.json()["commitment"]["order_id"]
    assert reply.json()["commitment"]["village_id"] == tokzak["village_id"]

    for token, quantity in zip(buyers, (20, 15, 5), strict=True):
        body = {"quantity": quantity, "delivery": ADDRESS, "payment_method": "bank_transfer"}
        reply = http.session.post(
            f"{local_stack.url}/v1/group-buys/{gid}/commitments",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"e2e-{uuid.uuid4().hex}"},
            timeout=20,
        )
        assert reply.status_code == 201, reply.text

    closed = http.call("GET", f"/v1/group-buys/{gid}")
    assert closed["status"] == "closed" and closed["committed_quantity"] == 50
    assert closed["price_per_unit"] == {"amount": 10000, "currency": "CNY"}
    for token, quantity in zip(buyers, (20, 15, 5), strict=True):
        (order,) = http.call("GET", "/v1/orders", token=token)["items"]
        assert order["group"] == {"group_id": gid}
        assert order["lines"][0]["unit_price"] == {"amount": 10000, "currency": "CNY"}
        assert order["total"] == {"amount": 10000 * quantity, "currency": "CNY"}
    seller_orders = http.call("GET", f"/v1/shops/{shop['shop_id']}/orders", token=seller)["items"]
    assert len(seller_orders) == 4 and {o["group"]["group_id"] for o in seller_orders} == {gid}
    stock = http.call("GET", f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", token=seller)["stock"]
    assert stock == 30

    # the villager's order: at the tier's price, collected at Tokzak; it crosses the county like any village order
    staff = http.login(COUNTY_STAFF, DEMO_PASSWORD)
    county = f"/v1/county/{shufu['county_id']}"
    tracking = f"E2EG{uuid.uuid4().hex[:8].upper()}"
    shipped = http.call(
        "POST",
        f"/v1/shops/{shop['shop_id']}/orders/{villager_order_id}/ship",
        token=seller,
        json={"carrier": "China Post", "tracking_number": tracking},
    )
    assert shipped["lines"][0]["unit_price"] == {"amount": 10000, "currency": "CNY"}
    assert http.call("POST", f"{county}/scans", token=staff, json={"code": tracking})["parcel"]["status"] == "at_county"
    manifest = http.call(
        "POST", f"{county}/manifests", token=staff, json={"village_id": tokzak["village_id"]}, expect=201
    )
    http.call("POST", f"{county}/manifests/{manifest['manifest_id']}/dispatch", token=staff)
    http.call(
        "POST", f"{village}/manifests/{manifest['manifest_id']}/receive", token=partner, json={"codes": [tracking]}
    )
    ready = http.call("GET", f"{village}/parcels?status=ready_for_pickup&limit=100", token=partner)["items"]
    (parcel,) = [p for p in ready if p["order_id"] == villager_order_id]
    assert parcel["assisted"]["villager_id"] == villager["villager_id"]
    assert parcel["total"] == {"amount": 10 * 10000, "currency": "CNY"}
    handed = http.call(
        "POST",
        f"{village}/handovers",
        token=partner,
        json={"order_id": villager_order_id, "villager_present": True, "villager_id": villager["villager_id"]},
    )
    assert handed["status"] == "delivered"

    # the closing's events went through the outbox: make run's relay and queue consumer tell each participant
    deadline_at = time.monotonic() + 60
    told: list[str] = []
    while time.monotonic() < deadline_at and len(told) < 3:
        told = [
            token
            for token in buyers
            if any(
                n["type"] == "group.closed" and n["group_id"] == gid
                for n in http.call("GET", "/v1/me/notifications", token=token)["items"]
            )
        ]
        time.sleep(1)
    assert len(told) == 3
