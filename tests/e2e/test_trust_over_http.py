"""End to end over HTTP (issue 13, "Proof"): dispute -> escalation by the clock -> platform-funded refund ->
points reversed, with `requests` against the app served by chalice's local HTTP server on a free port.

The server runs in this process over moto (tests/conftest.py `stack`), so the test can move the one clock the
app reads (`container().clock`) and run the hourly schedule as EventBridge would (events/order_events
.complete_orders): completion (points earned), then the dispute nobody answered escalates by itself. Everything
else is plain HTTP: JSON in, JSON out, bearer tokens.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests

from tests.e2e.in_process_server import serving
from tests.support import PASSWORD, product_body, random_email

pytestmark = pytest.mark.e2e

T0 = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)
TIMEOUT = 20


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def server(stack):
    real = stack.clock
    stack.clock = lambda: iso(T0)
    try:
        with serving() as base:
            yield base
    finally:
        stack.clock = real


class Http:
    def __init__(self, base: str) -> None:
        self.base, self.session = base, requests.Session()

    def call(self, method: str, path: str, *, token: str | None = None, json=None, expect: int = 200):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.session.request(method, self.base + path, json=json, headers=headers, timeout=TIMEOUT)
        assert reply.status_code == expect, f"{method} {path} -> {reply.status_code} {reply.text[:500]}"
        return reply.json() if reply.content else None

    def user(self, role: str) -> str:
        email = random_email(f"e2e-{role}")
        self.call("POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": role}, expect=201)
        return self.call("POST", "/v1/auth/login", json={"email": email, "password": PASSWORD})["access_token"]


def hourly(stack, **after) -> dict:
    from chalicelib.events.order_events import complete_orders

    stack.clock = lambda: iso(T0 + dt.timedelta(**after))
    return complete_orders.func({}) if hasattr(complete_orders, "func") else complete_orders({})


def test_dispute_escalates_by_the_clock_the_platform_refunds_and_the_points_go_back(server, stack, factory):
    http = Http(server)
    operator = factory.operator
    seller, buyer = http.user("seller"), http.user("buyer")
    shop = http.call(
        "POST", "/v1/shops", token=seller, expect=201,
        json={"name": f"E2E felt {uuid.uuid4().hex[:6]}", "storefront": "handicrafts", "description": "felt",
              "region": {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}},
    )  # fmt: skip
    http.call("POST", f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator)
    body = product_body("handicrafts", title="Felt rug", price={"amount": 10000, "currency": "CNY"}, stock=10)
    product = http.call("POST", f"/v1/shops/{shop['shop_id']}/products", token=seller, json=body, expect=201)

    # the buyer buys two rugs (bank transfer); the shop is paid, ships, delivers
    http.call("PUT", f"/v1/cart/items/{product['product_id']}", token=buyer, json={"quantity": 2})
    placed = http.session.post(
        server + "/v1/checkout",
        json={"delivery": {"name": "Aynur Tohti", "phone": "+86 991 555 0101", "lines": ["12 Renmin Road"],
                           "city": "Kashgar", "region": "Xinjiang", "postal_code": "844000", "country": "CN"},
              "payment_method": "bank_transfer"},
        headers={"Authorization": f"Bearer {buyer}", "Idempotency-Key": "e2e-trust-1"}, timeout=TIMEOUT,
    )  # fmt: skip
    assert placed.status_code == 201, placed.text
    (order,) = placed.json()["orders"]
    base = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
    http.call("POST", f"{base}/mark-paid", token=seller)
    http.call("POST", f"{base}/ship", token=seller, json={"carrier": "SF Express", "tracking_number": "SF1"})
    http.call("POST", f"{base}/deliver", token=seller)

    # eight days on, the hourly run completes the order: 200 points (1 per 1 CNY)
    assert hourly(stack, days=8)["completed"] >= 1
    assert http.call("GET", "/v1/me/points", token=buyer)["balance"] == 200
    available = http.call("GET", f"/v1/shops/{shop['shop_id']}/balance", token=seller)["available"]["amount"]

    # one rug arrived torn: a dispute; the shop does not answer within 3 days, and the clock escalates it
    line = order["lines"][0]["line_id"]
    dispute = http.call(
        "POST", f"/v1/orders/{order['order_id']}/disputes", token=buyer, expect=201,
        json={"lines": [{"line_id": line, "quantity": 1}], "reason": "damaged", "description": "Torn", "evidence": []},
    )  # fmt: skip
    assert dispute["status"] == "awaiting_seller"
    assert hourly(stack, days=10)["disputes_escalated"] == 0  # two days: still the shop's turn
    assert hourly(stack, days=11, hours=1)["disputes_escalated"] == 1
    (escalated,) = http.call("GET", f"/v1/orders/{order['order_id']}/disputes", token=buyer)["items"]
    assert escalated["status"] == "escalated" and escalated["steps"][-1]["actor"] == "system"
    queue = http.call("GET", "/v1/admin/disputes?status=escalated", token=operator)["items"]
    assert dispute["dispute_id"] in {d["dispute_id"] for d in queue}

    # the operators refund under the quality-assurance guarantee: the platform pays, the seller is debited
    decided = http.call(
        "POST", f"/v1/admin/disputes/{dispute['dispute_id']}/decide", token=operator,
        json={"refund_amount": 10000, "funded_by": "platform", "note": "Torn in transit"},
    )  # fmt: skip
    assert decided["status"] == "decided"
    assert decided["refund"]["amount"] == 10000 and decided["refund"]["funded_by"] == "platform"
    assert http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)["refunded"]["amount"] == 10000
    after = http.call("GET", f"/v1/shops/{shop['shop_id']}/balance", token=seller)["available"]["amount"]
    assert after == available - 10000

    # half the goods came back as money: half the points earned on them go back
    mine = http.call("GET", "/v1/me/points", token=buyer)
    assert mine["balance"] == 100
    assert [e["kind"] for e in mine["items"]][:2] == ["points.reversed", "points.earned"]
    timeline = http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)["timeline"]
    actions = [e["action"] for e in timeline]
    assert actions[-4:] == ["dispute_opened", "dispute_escalated", "dispute_decided", "refunded"], actions
