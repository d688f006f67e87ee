"""Issue 12: carriers post the tracking events of the parcels handed to them, on the sellers' route, signed with
the secret an operator gave them (no marketplace account): a bad or stale signature is 401 and changes nothing,
another carrier's parcel is 404."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from chalicelib.domain.carriers import signature
from tests.api.test_delivery_promise import ZONES, move_clock, paid_order
from tests.api.test_markets import ru_world
from tests.support import assert_api_error, connect_ru_acquirer


@pytest.fixture
def world(api, factory, stack):
    w = ru_world(api, factory, stack)
    connect_ru_acquirer(stack, api)
    assert api.put("/v1/admin/markets/ru/zones", ZONES, token=factory.operator).status == 200
    return w


def register(api, factory, name="Cainiao Russia") -> dict:
    reply = api.post("/v1/admin/carriers", {"name": name}, token=factory.operator)
    assert reply.status == 201, reply
    assert reply.json["name"] == name and len(reply.json["signing_secret"]) == 64
    return reply.json


def epoch(stack) -> str:
    return str(int(dt.datetime.fromisoformat(stack.clock().replace("Z", "+00:00")).timestamp()))


def carrier_post(api, stack, carrier, path, event, *, secret=None, timestamp=None, **extra):
    body = json.dumps({"event": event, "at": stack.clock(), **extra}).encode()
    ts = timestamp or epoch(stack)
    headers = {
        "Content-Type": "application/json",
        "X-Carrier-Id": carrier["carrier_id"],
        "X-Carrier-Timestamp": ts,
        "X-Carrier-Signature": signature(secret or carrier["signing_secret"], ts, body),
    }
    return api.request("POST", path, body=body, headers=headers)


def handed_over(api, stack, factory, world, carrier) -> tuple[str, dict, str]:
    """A paid ru order, shipped, and handed to `carrier` by the seller. Returns (buyer, order, tracking path)."""
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}"
    shipped = api.post(f"{base}/ship", {"carrier": carrier["name"], "tracking_number": "LP0042"}, token=world["seller"])
    assert shipped.status == 200, shipped
    event = {
        "event": "handed_to_carrier",
        "at": stack.clock(),
        "location": "Urumqi",
        "carrier_id": carrier["carrier_id"],
        "tracking_number": "LP0042",
    }
    handed = api.post(f"{base}/tracking", event, token=world["seller"])
    assert handed.status == 200, handed
    assert handed.json["carrier"] == {
        "carrier_id": carrier["carrier_id"],
        "name": carrier["name"],
        "tracking_number": "LP0042",
    }
    return buyer, order, f"{base}/tracking"


def test_only_operators_register_carriers(api, factory, world):
    assert_api_error(api.post("/v1/admin/carriers", {"name": "X"}, token=world["seller"]), 403)
    assert_api_error(api.post("/v1/admin/carriers", {"name": ""}, token=factory.operator), 400)
    first, second = register(api, factory, "Boxberry"), register(api, factory, "CDEK")
    assert first["carrier_id"] != second["carrier_id"] and first["signing_secret"] != second["signing_secret"]


def test_the_carrier_a_parcel_was_handed_to_posts_its_events_and_the_buyer_sees_them(api, stack, factory, world):
    carrier = register(api, factory)
    buyer, order, path = handed_over(api, stack, factory, world, carrier)
    reply = carrier_post(api, stack, carrier, path, "import_customs", location="Moscow")
    assert reply.status == 200, reply
    seen = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert seen["tracking"][-1]["event"] == "import_customs" and seen["tracking"][-1]["location"] == "Moscow"
    entry = seen["timeline"][-1]
    assert entry["actor"] == "carrier" and entry["actor_id"] == f"carrier:{carrier['carrier_id']}"
    delivered = carrier_post(api, stack, carrier, path, "delivered")
    assert delivered.status == 200 and delivered.json["status"] == "delivered"
    assert delivered.json["delivery_promise"]["status"] == "kept"


def test_a_bad_or_stale_signature_is_401_and_changes_nothing(api, stack, factory, world):
    carrier = register(api, factory)
    buyer, order, path = handed_over(api, stack, factory, world, carrier)
    before = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert_api_error(carrier_post(api, stack, carrier, path, "delivered", secret="0" * 64), 401, "bad_signature")
    stale = str(int(epoch(stack)) - 301)
    assert_api_error(carrier_post(api, stack, carrier, path, "delivered", timestamp=stale), 401, "stale_signature")
    forged_id = {**carrier, "carrier_id": "car_someone_else"}
    assert_api_error(carrier_post(api, stack, forged_id, path, "delivered"), 401, "bad_signature")
    # a captured request replayed later than the window
    body = json.dumps({"event": "delivered", "at": stack.clock()}).encode()
    ts = epoch(stack)
    headers = {"X-Carrier-Id": carrier["carrier_id"], "X-Carrier-Timestamp": ts}
    headers["X-Carrier-Signature"] = signature(carrier["signing_secret"], ts, body)
    move_clock(stack, 1)
    assert_api_error(api.request("POST", path, body=body, headers=headers), 401, "stale_signature")
    after = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert after["version"] == before["version"] and after["status"] == "shipped"


def test_a_carrier_cannot_post_on_a_parcel_handed_to_another(api, stack, factory, world):
    mine, other = register(api, factory, "CDEK"), register(api, factory, "Boxberry")
    buyer, order, path = handed_over(api, stack, factory, world, mine)
    before = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"]
    assert_api_error(carrier_post(api, stack, other, path, "delivered"), 404, "order_not_found")
    wrong_shop = path.replace(world["shop"]["shop_id"], "shp_other")
    assert_api_error(carrier_post(api, stack, mine, wrong_shop, "delivered"), 404)
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"] == before
    # an order never handed to a carrier: no carrier may post on it
    second, _ = paid_order(api, stack, factory.user("buyer"), world["sold"]["product_id"])
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{second['order_id']}/tracking"
    assert_api_error(carrier_post(api, stack, mine, base, "export_customs"), 404)


def test_the_seller_names_only_a_registered_carrier_and_only_when_handing_over(api, stack, factory, world):
    carrier = register(api, factory)
    order, _ = paid_order(api, stack, factory.user("buyer"), world["sold"]["product_id"])
    path = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}/tracking"
    unknown = {"event": "handed_to_carrier", "at": stack.clock(), "carrier_id": "car_nobody"}
    assert_api_error(api.post(path, unknown, token=world["seller"]), 400, "carrier_not_found")
    wrong = {"event": "export_customs", "at": stack.clock(), "carrier_id": carrier["carrier_id"]}
    assert_api_error(api.post(path, wrong, token=world["seller"]), 400)
    other_seller = factory.user("seller")
    named = {"event": "handed_to_carrier", "at": stack.clock(), "carrier_id": carrier["carrier_id"]}
    assert_api_error(api.post(path, named, token=other_seller), 403, "not_shop_owner")
