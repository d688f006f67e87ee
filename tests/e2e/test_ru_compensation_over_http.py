"""End to end over HTTP (issue 12, "Proof"): a Russian buyer pays a rouble order by Mir card on the simulated
acquirer's hosted page (devtools/ru_acquirer.py), whose signed notification reaches the API over HTTP; the seller
hands the parcel to a registered carrier, which posts a signed tracking event; the delivery promise passes (the
clock moved, the 5-minute schedule run as EventBridge would) and the `percent_refund` compensation goes back
through the acquirer's `Cancel`, on the order's timeline.

As tests/e2e/test_trust_over_http.py: the app is served by chalice's local HTTP server in this process over moto
(tests/conftest.py `stack`), so the test can move the one clock the app reads; everything the buyer, seller,
operator, carrier and acquirer do is plain HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal

import pytest
import requests

from chalicelib.domain.carriers import signature
from tests.api.test_markets import RU_ADDRESS, ru_world
from tests.e2e.in_process_server import serving
from tests.support import PASSWORD, random_email, settle

pytestmark = pytest.mark.e2e

TIMEOUT = 20
ZONES = [
    {"zone": "core", "cities": ["Moscow", "Saint Petersburg", "Kazan"], "promise_days": 15},
    {"zone": "rest", "promise_days": 30},
]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def server(stack):
    real = stack.clock
    try:
        with serving() as base:
            yield base
    finally:
        stack.clock = real


class Http:
    def __init__(self, base: str) -> None:
        self.base, self.session = base, requests.Session()

    def call(self, method: str, path: str, *, token=None, json=None, expect: int = 200, headers=None, data=None):
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        reply = self.session.request(
            method, self.base + path, json=json, data=data, headers=sent, timeout=TIMEOUT, allow_redirects=False
        )
        assert reply.status_code == expect, f"{method} {path} -> {reply.status_code} {reply.text[:500]}"
        return reply.json() if reply.content and "json" in reply.headers.get("content-type", "") else reply

    def user(self, role: str) -> str:
        email = random_email(f"e2e-{role}")
        self.call("POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": role}, expect=201)
        return self.call("POST", "/v1/auth/login", json={"email": email, "password": PASSWORD})["access_token"]


def test_a_mir_card_order_misses_its_promise_and_the_refund_goes_back_through_the_acquirer(server, stack, api, factory):
    http = Http(server)
    world = ru_world(api, factory, stack)  # an exporting shop, a product sold in ru, the CNY-RUB and CNY-EUR rates
    sim = stack.ru_acquirer_sim
    sim.register(*stack.settings.ru_acquirer_credentials)  # notifications over HTTP, to the URL Init was given
    operator = factory.operator
    http.call("PUT", "/v1/admin/markets/ru/zones", token=operator, json=ZONES)
    http.call("PUT", "/v1/admin/markets/ru/compensation", token=operator, json={"type": "percent_refund", "value": 10})
    carrier = http.call("POST", "/v1/admin/carriers", token=operator, json={"name": "Почта России"}, expect=201)

    # a Russian buyer sees roubles, puts two in the cart and checks out by Mir card
    buyer = http.user("buyer")
    product_id = world["sold"]["product_id"]
    page = http.call("GET", f"/v1/storefronts/handicrafts/products/{product_id}?market=ru&city=Kazan")
    assert page["price"]["currency"] == "RUB" and page["delivery_promise"]["zone"] == "core"
    http.call("PUT", f"/v1/cart/items/{product_id}", token=buyer, json={"quantity": 2, "market": "ru"})
    placed = http.call(
        "POST",
        "/v1/checkout",
        token=buyer,
        json={"delivery": RU_ADDRESS, "payment_method": "mir_card", "market": "ru"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        expect=201,
    )
    (order,) = placed["orders"]
    (payment,) = placed["payments"]
    charged = placed["charged"]["amount"]
    assert payment["amount"] == {"amount": charged, "currency": "RUB"}

    # on the acquirer's hosted page: pay; its signed notification reaches the API over HTTP
    hosted = requests.get(payment["payment_url"], timeout=TIMEOUT)
    assert hosted.status_code == 200
    back = requests.post(payment["payment_url"], data={"action": "pay"}, allow_redirects=False, timeout=TIMEOUT)
    assert back.status_code == 303
    assert sim.flush() == 1
    paid = http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)
    assert paid["status"] == "paid"
    promised_by = paid["delivery_promise"]["promised_by"]

    # the seller ships and hands the parcel to the carrier, which posts where it is (signed, no token)
    base = f"/v1/shops/{world['shop']['shop_id']}/orders/{order['order_id']}"
    http.call("POST", f"{base}/ship", token=world["seller"], json={"carrier": "Почта России", "tracking_number": "RA1"})
    handed = {
        "event": "handed_to_carrier",
        "at": stack.clock(),
        "carrier_id": carrier["carrier_id"],
        "tracking_number": "RA1",
    }
    http.call("POST", f"{base}/tracking", token=world["seller"], json=handed)
    body = json.dumps({"event": "import_customs", "at": stack.clock(), "location": "Москва"}).encode()
    ts = str(int(dt.datetime.fromisoformat(stack.clock().replace("Z", "+00:00")).timestamp()))
    signed = {
        "Content-Type": "application/json",
        "X-Carrier-Id": carrier["carrier_id"],
        "X-Carrier-Timestamp": ts,
        "X-Carrier-Signature": signature(carrier["signing_secret"], ts, body),
    }
    http.call("POST", f"{base}/tracking", data=body, headers=signed)

    # the promised day passes without a delivery: the 5-minute schedule compensates, once
    from chalicelib.events.order_events import expire_orders

    late = dt.datetime.fromisoformat(promised_by).replace(tzinfo=dt.UTC) + dt.timedelta(days=1, hours=1)
    stack.clock = lambda: iso(late)
    run = expire_orders.func({}) if hasattr(expire_orders, "func") else expire_orders({})
    assert run["promises"]["done"] == 1
    again = expire_orders.func({}) if hasattr(expire_orders, "func") else expire_orders({})
    assert again["promises"]["done"] == 0
    settle(stack)  # the outbox relay and the order-events queue: the refund goes to the provider port

    # the acquirer refunded 10 % of the rouble charge through Cancel
    after = http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)
    total_cny = after["total"]["amount"]
    refund_cny = after["delivery_promise"]["compensation"]["amount"]
    assert refund_cny == (total_cny + 5) // 10  # 10 % of the goods, half up
    refunded = sim.payments[payment["payment_id"]]
    assert refunded["Status"] == "PARTIAL_REFUNDED"
    # the same share of the rouble charge (half up): 3200 / 31998 x 410678 kopecks = 41070.35 -> 41070
    assert refunded["Refunded"] == int(Decimal(refund_cny * charged) / total_cny + Decimal("0.5")) == 41070
    assert after["delivery_promise"]["status"] == "compensated"
    assert after["delivery_promise"]["compensation"]["type"] == "percent_refund"
    assert after["refunds"][-1]["status"] == "issued" and after["refunds"][-1]["refund_id"]
    actions = [e["action"] for e in after["timeline"]]
    assert "promise_missed" in actions and actions[-1].startswith("refund")
    assert [t["event"] for t in after["tracking"]] == ["handed_to_carrier", "import_customs"]
    messages = [n["message"] for n in http.call("GET", "/v1/me/notifications", token=buyer)["items"]]
    assert any(re.search("missed its delivery promise", m) for m in messages)
