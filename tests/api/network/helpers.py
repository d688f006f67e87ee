"""Building the rural service network through its API: counties, staff, villages, partners, pickup orders at
any stage, and running the manifest jobs the way the order-events consumer does."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from tests.support import PASSWORD, Reply, drain_order_events, random_email

SHIP = {"carrier": "China Post", "tracking_number": "CP000000000CN"}


def queued_jobs(stack) -> list[dict]:
    """Relays the outbox and takes everything off the order-events queue: the order events are handled as the
    consumer handles them, the manifest job steps are returned (as SQS records) without running them."""
    from chalicelib.events.order_events import handle_records
    from chalicelib.services.manifests import STEPS

    records = drain_order_events(stack)
    jobs = [r for r in records if json.loads(r["body"]).get("type") in STEPS]
    others = [r for r in records if r not in jobs]
    if others:
        result = handle_records(others)
        assert result == {"batchItemFailures": []}, result
    return jobs


def run_jobs(stack) -> int:
    """Runs every queued manifest job step as the order-events consumer does (one step per event, each queueing
    the next through the outbox; the order events are handled too), until none is left; returns how many
    steps ran."""
    from chalicelib.events.order_events import handle_records

    ran = 0
    while jobs := queued_jobs(stack):
        result = handle_records(jobs)
        assert result == {"batchItemFailures": []}, result
        ran += len(jobs)
    return ran


def first_sign_in(api, email: str, temporary_password: str, new_password: str = PASSWORD) -> str:
    """An operator-created account: the temporary password is refused for a token, then replaced."""
    refused = api.post("/v1/auth/login", {"email": email, "password": temporary_password})
    assert refused.status == 401 and refused.json["error"]["code"] == "new_password_required", refused
    reply = api.post(
        "/v1/auth/new-password",
        {"email": email, "temporary_password": temporary_password, "new_password": new_password},
    )
    assert reply.status == 200, reply
    return reply.json["access_token"]


@dataclass
class Village:
    village_id: str
    partner: str  # token
    partner_email: str
    body: dict


@dataclass
class County:
    county_id: str
    staff: str  # token
    staff_email: str
    body: dict
    villages: list[Village] = field(default_factory=list)


def county(api, factory, *, name: str | None = None, villages: int = 1) -> County:
    operator = factory.operator
    tag = uuid.uuid4().hex[:6]
    body = {
        "name": name or f"County centre {tag}",
        "province": "Xinjiang",
        "prefecture": "Kashgar",
        "county": "Shufu",
        "address": f"{tag} Tuanjie Road, Shufu",
    }
    created = api.post("/v1/admin/counties", body, token=operator)
    assert created.status == 201, created
    county_id = created.json["county_id"]
    email = random_email("staff")
    staff = api.post(f"/v1/admin/counties/{county_id}/staff", {"email": email}, token=operator)
    assert staff.status == 201, staff
    token = first_sign_in(api, email, staff.json["temporary_password"])
    out = County(county_id, token, email, created.json)
    for _ in range(villages):
        out.villages.append(village(api, factory, county_id))
    return out


def village(api, factory, county_id: str) -> Village:
    tag = uuid.uuid4().hex[:6]
    email = random_email("partner")
    body = {
        "name": f"Village centre {tag}",
        "village": f"Village {tag}",
        "address": f"{tag} Bazaar Street",
        "hours": "09:00-21:00 daily",
        "partner_email": email,
    }
    created = api.post(f"/v1/admin/counties/{county_id}/villages", body, token=factory.operator)
    assert created.status == 201, created
    token = first_sign_in(api, email, created.json["partner"]["temporary_password"])
    return Village(created.json["village_id"], token, email, created.json)


PICKUP = {"name": "Aynur Tohti", "phone": "+86 991 555 0101"}


@dataclass
class Shop:
    seller: str
    shop: dict
    product: dict


def shop(factory, stock: int = 1000) -> Shop:
    seller = factory.user("seller")
    s = factory.shop(seller, "handicrafts")
    return Shop(seller, s, factory.product(seller, s, stock=stock))


def pickup_order(api, buyer: str, shop: Shop, village_id: str, *, quantity: int = 2, payment: str = "bank_transfer",
                 recipient: dict | None = None) -> dict:  # fmt: skip
    """An order collected at `village_id` (buyer view)."""
    assert api.put(f"/v1/cart/items/{shop.product['product_id']}", {"quantity": quantity}, token=buyer).status == 200
    body = {"delivery": {"pickup_point": village_id, **(recipient or PICKUP)}, "payment_method": payment}
    reply = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": f"key-{uuid.uuid4().hex}"})
    assert reply.status == 201, reply
    (order,) = reply.json["orders"]
    return order


def ship(api, shop: Shop, order: dict, tracking: str | None = None) -> dict:
    path = f"/v1/shops/{shop.shop['shop_id']}/orders/{order['order_id']}"
    if order["payment_method"] == "bank_transfer" and not order["paid_at"]:
        assert api.post(f"{path}/mark-paid", token=shop.seller).status == 200
    tracking = tracking or f"CP{uuid.uuid4().hex[:10].upper()}CN"
    reply = api.post(f"{path}/ship", {"carrier": "China Post", "tracking_number": tracking}, token=shop.seller)
    assert reply.status == 200, reply
    return reply.json


def scan(api, county: County, code: str) -> Reply:
    return api.post(f"/v1/county/{county.county_id}/scans", {"code": code}, token=county.staff)


def build(api, county: County, village_id: str) -> Reply:
    return api.post(f"/v1/county/{county.county_id}/manifests", {"village_id": village_id}, token=county.staff)


def dispatch(api, county: County, manifest_id: str) -> Reply:
    return api.post(f"/v1/county/{county.county_id}/manifests/{manifest_id}/dispatch", token=county.staff)


def receive(api, village: Village, manifest_id: str, codes: list[str]) -> Reply:
    return api.post(
        f"/v1/villages/{village.village_id}/manifests/{manifest_id}/receive", {"codes": codes}, token=village.partner
    )


def pickup_code(stack, order_id: str, ready_at: str) -> str:
    from chalicelib.domain.network import pickup_code as derive

    return derive(stack.settings.pickup_code_secret, order_id, ready_at)


def buyer_order(api, buyer: str, order_id: str) -> dict:
    reply = api.get(f"/v1/orders/{order_id}", token=buyer)
    assert reply.status == 200, reply
    return reply.json


def to_stage(api, stack, county: County, village: Village, shop: Shop, buyer: str, stage: str) -> dict:
    """A new pickup order of `buyer` brought to `stage`: shipped, at_county, to_village, ready_for_pickup,
    missing or delivered (buyer view). Each stage after at_county uses its own manifest."""
    order = pickup_order(api, buyer, shop, village.village_id)
    if stage == "pending":
        return order
    order = ship(api, shop, order)
    if stage == "shipped":
        return order
    assert scan(api, county, order["order_id"]).status == 200
    if stage == "at_county":
        return buyer_order(api, buyer, order["order_id"])
    built = build(api, county, village.village_id)
    assert built.status in (200, 201), built
    run_jobs(stack)
    manifest_id = built.json["manifest_id"]
    assert dispatch(api, county, manifest_id).status == 200
    run_jobs(stack)
    if stage == "to_village":
        return buyer_order(api, buyer, order["order_id"])
    codes = [] if stage == "missing" else [order["order_id"]]
    assert receive(api, village, manifest_id, codes).status == 200
    run_jobs(stack)
    order = buyer_order(api, buyer, order["order_id"])
    if stage in ("ready_for_pickup", "missing"):
        return order
    code = order["pickup"]["pickup_code"]
    reply = api.post(
        f"/v1/villages/{village.village_id}/handovers",
        {"order_id": order["order_id"], "pickup_code": code},
        token=village.partner,
    )
    assert reply.status == 200, reply
    return buyer_order(api, buyer, order["order_id"])


def clone_parcels(stack, template_order_id: str, n: int) -> list[str]:
    """`n` copies of an order (new ids, same state), stored as the adapter stores orders (BatchWriteItem):
    many parcels without going through checkout n times. Returns their ids."""
    from dataclasses import replace

    from chalicelib.adapters.models import OrderModel
    from chalicelib.adapters.orders import _order_item

    template = stack.buying.get_order(template_order_id)
    client = stack.buying._client
    ids, pending = [], []
    for i in range(n):
        order_id = f"ord_clone{uuid.uuid4().hex[:12]}{i:05d}"
        lines = tuple(replace(line, line_id=f"{order_id}-{k + 1}") for k, line in enumerate(template.lines))
        clone = replace(template, order_id=order_id, lines=lines, checkout_id=f"chk_clone{i}")
        pending.append({"PutRequest": {"Item": _order_item(clone).serialize()}})
        ids.append(order_id)
    table = OrderModel.Meta.table_name
    for start in range(0, len(pending), 25):
        request = {table: pending[start : start + 25]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return ids
