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


# --- operators list, read, suspend and reactivate carriers ----------------------------------------------------


def suspend(api, factory, carrier, reason="Contract ended"):
    return api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/suspend", {"reason": reason}, token=factory.operator)


def reactivate(api, factory, carrier):
    return api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/reactivate", token=factory.operator)


def test_an_operator_pages_through_the_carriers_newest_first_one_query_a_page(api, factory):
    from bench.counting import CallRecorder

    made = [register(api, factory, name) for name in ("Boxberry", "CDEK", "Cainiao Russia")]
    seen, cursor, pages = [], None, 0
    while True:
        path = "/v1/admin/carriers?limit=2" + (f"&cursor={cursor}" if cursor else "")
        with CallRecorder() as rec:
            reply = api.get(path, token=factory.operator)
        assert reply.status == 200, reply
        assert rec.dynamodb().calls == 1 and set(rec.dynamodb().operations) == {"Query"}
        assert len(reply.json["items"]) <= 2
        seen += reply.json["items"]
        pages += 1
        cursor = reply.json["next_cursor"]
        if not cursor:
            break
    assert pages >= 2
    mine = [c for c in seen if c["carrier_id"] in {m["carrier_id"] for m in made}]
    assert [c["name"] for c in mine] == ["Cainiao Russia", "CDEK", "Boxberry"]  # newest first
    assert len({c["carrier_id"] for c in seen}) == len(seen)  # no carrier on two pages
    first = mine[0]
    assert first["status"] == "active" and first["created_at"] == made[2]["created_at"]
    assert first["created_by"] and first["suspended_at"] is None and first["reason"] is None
    assert "signing_secret" not in first  # shown once, at registration


def test_an_operator_reads_one_carrier_and_an_unknown_one_is_404(api, factory):
    carrier = register(api, factory, "Pochta Rossii")
    reply = api.get(f"/v1/admin/carriers/{carrier['carrier_id']}", token=factory.operator)
    assert reply.status == 200, reply
    assert reply.json["name"] == "Pochta Rossii" and reply.json["status"] == "active"
    assert "signing_secret" not in reply.json
    assert_api_error(api.get("/v1/admin/carriers/car_nobody", token=factory.operator), 404, "carrier_not_found")
    for action in ("suspend", "reactivate"):
        body = {"reason": "Contract ended"} if action == "suspend" else None
        missing = api.post(f"/v1/admin/carriers/car_nobody/{action}", body, token=factory.operator)
        assert_api_error(missing, 404, "carrier_not_found")


def test_only_operators_list_read_suspend_reactivate_and_rotate_carriers(api, factory):
    from tests.api.network.helpers import county

    carrier = register(api, factory)
    partner = county(api, factory).villages[0].partner
    callers = {"buyer": factory.user("buyer"), "seller": factory.user("seller"), "partner": partner}
    base = f"/v1/admin/carriers/{carrier['carrier_id']}"
    calls = [
        ("GET", "/v1/admin/carriers", None),
        ("GET", base, None),
        ("POST", f"{base}/suspend", {"reason": "Contract ended"}),
        ("POST", f"{base}/reactivate", None),
        ("POST", f"{base}/rotate-secret", None),
    ]
    for who, token in callers.items():
        for method, path, body in calls:
            reply = api.get(path, token=token) if method == "GET" else api.post(path, body, token=token)
            assert reply.status == 403, (who, method, path, reply)
    for method, path, body in calls:
        reply = api.get(path) if method == "GET" else api.post(path, body)
        assert_api_error(reply, 401)
    after = api.get(base, token=factory.operator).json
    assert after["status"] == "active" and after["suspended_at"] is None and after["key_version"] == 1  # unchanged


def test_suspending_a_suspended_carrier_or_reactivating_an_active_one_is_409(api, factory):
    carrier = register(api, factory)
    assert_api_error(reactivate(api, factory, carrier), 409, "carrier_active")
    first = suspend(api, factory, carrier, "Secret leaked")
    assert first.status == 200, first
    assert_api_error(suspend(api, factory, carrier, "Again"), 409, "carrier_suspended")
    kept = api.get(f"/v1/admin/carriers/{carrier['carrier_id']}", token=factory.operator).json
    assert kept["reason"] == "Secret leaked" and kept["suspended_at"] == first.json["suspended_at"]
    assert reactivate(api, factory, carrier).status == 200
    assert_api_error(reactivate(api, factory, carrier), 409, "carrier_active")


def test_a_suspension_needs_a_reason_of_at_most_500_characters_and_nothing_else(api, factory):
    carrier = register(api, factory)
    path = f"/v1/admin/carriers/{carrier['carrier_id']}/suspend"
    for body in ({"reason": "x" * 501}, {"reason": ""}, {"reason": "   "}, {}, {"reason": "ok", "until": "later"}):
        assert_api_error(api.post(path, body, token=factory.operator), 400)
    assert_api_error(api.post(path, None, token=factory.operator), 400)
    assert api.get(f"/v1/admin/carriers/{carrier['carrier_id']}", token=factory.operator).json["status"] == "active"
    assert suspend(api, factory, carrier, "x" * 500).status == 200


def test_a_suspended_carriers_signed_event_is_refused_as_a_bad_signature_until_it_is_reactivated(
    api, stack, factory, world
):
    from bench.counting import CallRecorder

    carrier = register(api, factory)
    buyer, order, path = handed_over(api, stack, factory, world, carrier)
    before = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    asked_at = stack.clock()
    suspended = suspend(api, factory, carrier, "Secret leaked")
    assert suspended.status == 200, suspended
    assert suspended.json["status"] == "suspended" and suspended.json["reason"] == "Secret leaked"
    assert asked_at <= suspended.json["suspended_at"] <= stack.clock() and suspended.json["suspended_by"]
    with CallRecorder() as rec:
        refused = carrier_post(api, stack, carrier, path, "delivered")
    bad = assert_api_error(carrier_post(api, stack, carrier, path, "delivered", secret="0" * 64), 401)
    assert assert_api_error(refused, 401, "bad_signature") == bad  # the very error of a bad signature
    assert rec.dynamodb().calls == 1 and set(rec.dynamodb().operations) == {"GetItem"}  # the carrier, nothing else
    assert rec.dynamodb().items_written == 0
    after = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert after["version"] == before["version"] and after["status"] == "shipped"
    listed = api.get("/v1/admin/carriers", token=factory.operator).json["items"]
    assert [c["status"] for c in listed if c["carrier_id"] == carrier["carrier_id"]] == ["suspended"]

    back = reactivate(api, factory, carrier)
    assert back.status == 200 and back.json["status"] == "active" and back.json["reason"] is None, back
    accepted = carrier_post(api, stack, carrier, path, "delivered")
    assert accepted.status == 200 and accepted.json["status"] == "delivered", accepted


def test_a_seller_cannot_hand_a_parcel_to_a_suspended_carrier(api, stack, factory, world):
    carrier = register(api, factory)
    assert suspend(api, factory, carrier).status == 200
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    path = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}/tracking"
    before = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    named = {"event": "handed_to_carrier", "at": stack.clock(), "carrier_id": carrier["carrier_id"]}
    assert_api_error(api.post(path, named, token=world["seller"]), 409, "carrier_suspended")
    # another seller learns nothing of it: refused on ownership, as for an active carrier
    assert_api_error(api.post(path, named, token=factory.user("seller")), 403, "not_shop_owner")
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"] == before["version"]
    assert reactivate(api, factory, carrier).status == 200
    assert api.post(path, named, token=world["seller"]).status == 200


def test_a_rotated_secret_replaces_the_old_one_at_once(api, stack, factory, world):
    carrier = register(api, factory)
    buyer, order, path = handed_over(api, stack, factory, world, carrier)
    rotated = api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/rotate-secret", token=factory.operator)
    assert rotated.status == 200, rotated
    new_secret = rotated.json["signing_secret"]
    assert rotated.json["key_version"] == 2 and len(new_secret) == 64 and new_secret != carrier["signing_secret"]
    before = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"]
    assert_api_error(carrier_post(api, stack, carrier, path, "import_customs"), 401, "bad_signature")
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["version"] == before
    accepted = carrier_post(api, stack, carrier, path, "import_customs", secret=new_secret)
    assert accepted.status == 200, accepted
    shown = api.get(f"/v1/admin/carriers/{carrier['carrier_id']}", token=factory.operator).json
    assert shown["key_version"] == 2 and shown["secret_rotated_at"] == rotated.json["secret_rotated_at"]
    assert "signing_secret" not in shown
    again = api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/rotate-secret", token=factory.operator)
    assert again.json["key_version"] == 3
    assert_api_error(carrier_post(api, stack, carrier, path, "arrived_in_city", secret=new_secret), 401)
    missing = api.post("/v1/admin/carriers/car_nobody/rotate-secret", token=factory.operator)
    assert_api_error(missing, 404, "carrier_not_found")
    for role in ("buyer", "seller"):
        refused = api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/rotate-secret", token=factory.user(role))
        assert_api_error(refused, 403)


def test_a_leaked_secret_is_stopped_by_suspending_rotating_and_reactivating(api, stack, factory, world):
    carrier = register(api, factory)
    _, _, path = handed_over(api, stack, factory, world, carrier)
    assert suspend(api, factory, carrier, "Secret leaked").status == 200
    rotated = api.post(f"/v1/admin/carriers/{carrier['carrier_id']}/rotate-secret", token=factory.operator)
    assert rotated.status == 200, rotated
    assert_api_error(
        carrier_post(api, stack, carrier, path, "import_customs", secret=rotated.json["signing_secret"]), 401
    )
    assert reactivate(api, factory, carrier).status == 200
    assert_api_error(carrier_post(api, stack, carrier, path, "import_customs"), 401, "bad_signature")
    accepted = carrier_post(api, stack, carrier, path, "import_customs", secret=rotated.json["signing_secret"])
    assert accepted.status == 200, accepted
