"""End to end over HTTP (issue 11, "Demo data and proof"): a village partner orders for a villager who pays cash at
the handover, remits the cash, and the county confirms it with a variance, the village's statement adding up; a
city buyer buys from a producer the partner sells for, and the completed sale credits the producer net of the
platform's commission and of the partner's.

As tests/e2e/test_trust_over_http.py: the app is served by chalice's local HTTP server in this process over moto
(tests/conftest.py `stack`), so the test can move the one clock the app reads and run the hourly schedule as
EventBridge would (events/order_events.complete_orders). Everything operators, county staff, partners, sellers
and buyers do is plain HTTP: JSON in, JSON out, bearer tokens.
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
CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
NEW_PASSWORD = PASSWORD + "-mine"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def share(amount: int, bp: int) -> int:
    """`bp` basis points of a positive `amount` in minor units, half up (the ledger's half away from zero)."""
    return (amount * bp + 5_000) // 10_000


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

    def call(self, method: str, path: str, *, token=None, json=None, expect: int = 200, headers=None):
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        reply = self.session.request(method, self.base + path, json=json, headers=sent, timeout=TIMEOUT)
        assert reply.status_code == expect, f"{method} {path} -> {reply.status_code} {reply.text[:500]}"
        return reply.json() if reply.content else None

    def login(self, email: str, password: str = PASSWORD) -> str:
        return self.call("POST", "/v1/auth/login", json={"email": email, "password": password})["access_token"]

    def user(self, role: str) -> str:
        email = random_email(f"e2e-{role}")
        self.call("POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": role}, expect=201)
        return self.login(email)

    def first_sign_in(self, email: str, temporary_password: str) -> str:
        """An account an operator created: the temporary password gets no token until it is replaced."""
        refused = self.call("POST", "/v1/auth/login", json={"email": email, "password": temporary_password},
                            expect=401)  # fmt: skip
        assert refused["error"]["code"] == "new_password_required"
        body = {"email": email, "temporary_password": temporary_password, "new_password": NEW_PASSWORD}
        return self.call("POST", "/v1/auth/new-password", json=body)["access_token"]


def hourly(stack, **after) -> dict:
    from chalicelib.events.order_events import complete_orders

    stack.clock = lambda: iso(T0 + dt.timedelta(**after))
    return complete_orders.func({}) if hasattr(complete_orders, "func") else complete_orders({})


def operator_token(http: Http, stack) -> str:
    email = random_email("e2e-operator")
    stack.identity.register(email, PASSWORD, "operator")  # operators are made in Cognito, not by sign-up
    return http.login(email)


def county_with_a_village(http: Http, operator: str) -> dict:
    """The operators open a county centre with one staff member and a village service centre with its partner."""
    tag = uuid.uuid4().hex[:6]
    county = http.call(
        "POST", "/v1/admin/counties", token=operator, expect=201,
        json={"name": f"Shufu centre {tag}", "province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu",
              "address": f"{tag} Tuanjie Road, Shufu"},
    )  # fmt: skip
    county_id = county["county_id"]
    staff_email = random_email("e2e-staff")
    staff = http.call("POST", f"/v1/admin/counties/{county_id}/staff", token=operator, json={"email": staff_email},
                      expect=201)  # fmt: skip
    partner_email = random_email("e2e-partner")
    village = http.call(
        "POST", f"/v1/admin/counties/{county_id}/villages", token=operator, expect=201,
        json={"name": f"Tokzak centre {tag}", "village": f"Tokzak {tag}", "address": f"{tag} Bazaar Street",
              "hours": "09:00-21:00 daily", "partner_email": partner_email},
    )  # fmt: skip
    return {
        "county_id": county_id,
        "staff": http.first_sign_in(staff_email, staff["temporary_password"]),
        "village_id": village["village_id"],
        "partner": http.first_sign_in(partner_email, village["partner"]["temporary_password"]),
    }


def test_a_villagers_cash_order_is_handed_over_remitted_and_confirmed_with_a_variance(server, stack):
    http = Http(server)
    operator = operator_token(http, stack)
    net = county_with_a_village(http, operator)
    partner, staff = net["partner"], net["staff"]
    vpath, cpath = f"/v1/villages/{net['village_id']}", f"/v1/county/{net['county_id']}"
    rule = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    http.call("PUT", f"/v1/admin/counties/{net['county_id']}/fee-rule", token=operator, json=rule)

    seller = http.user("seller")
    shop = http.call(
        "POST", "/v1/shops", token=seller, expect=201,
        json={"name": f"E2E scarves {uuid.uuid4().hex[:6]}", "storefront": "handicrafts", "description": "silk",
              "region": {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}},
    )  # fmt: skip
    http.call("POST", f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator)
    price = 15_900
    body = product_body("handicrafts", price={"amount": price, "currency": "CNY"}, stock=10)
    product = http.call("POST", f"/v1/shops/{shop['shop_id']}/products", token=seller, json=body, expect=201)

    villager = http.call(
        "POST", f"{vpath}/villagers", token=partner, expect=201,
        json={"name": "Aynur Tohti", "phone": "+86 998 555 0142", "consent": CONSENT},
    )  # fmt: skip

    # the partner quotes two scarves for the villager: 3 % of 318.00 = 9.54, between the rule's 1.00 and 20.00
    goods, fee = 2 * price, share(2 * price, 300)
    assert fee == 954
    line = {"product_id": product["product_id"], "quantity": 2}
    order_body = {"villager_id": villager["villager_id"], "lines": [line]}
    quoted = http.call("POST", f"{vpath}/orders/quote", token=partner, json=order_body)
    assert quoted["goods_total"] == {"amount": goods, "currency": "CNY"}
    assert quoted["service_fee"] == {"amount": fee, "currency": "CNY"}
    assert quoted["total"]["amount"] == goods + fee and quoted["fee_rule"] == rule

    # ... and places it, cash on pickup; a retry with the same key is the same order
    key = {"Idempotency-Key": f"e2e-assisted-{uuid.uuid4().hex}"}
    placed = http.call("POST", f"{vpath}/orders", token=partner, headers=key, expect=201,
                       json={**order_body, "payment": "cash_on_pickup"})  # fmt: skip
    assert placed["replayed"] is False and placed["service_fee"]["amount"] == fee
    (order,) = placed["orders"]
    again = http.call("POST", f"{vpath}/orders", token=partner, headers=key,
                      json={**order_body, "payment": "cash_on_pickup"})  # fmt: skip
    assert again["replayed"] is True and again["orders"][0]["order_id"] == order["order_id"]
    assert order["status"] == "pending_payment" and order["village_id"] == net["village_id"]
    assert order["assisted"]["due_at_pickup"] == {"amount": goods + fee, "currency": "CNY"}

    # the seller ships to the county centre; the county scans it in and sends it to the village on a manifest
    tracking = f"E2E{uuid.uuid4().hex[:8].upper()}"
    http.call("POST", f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/ship", token=seller,
              json={"carrier": "China Post", "tracking_number": tracking})  # fmt: skip
    scanned = http.call("POST", f"{cpath}/scans", token=staff, json={"code": tracking})
    assert scanned["parcel"]["status"] == "at_county"
    manifest = http.call("POST", f"{cpath}/manifests", token=staff, json={"village_id": net["village_id"]},
                         expect=201)  # fmt: skip
    lines = http.call("GET", f"{cpath}/manifests/{manifest['manifest_id']}?limit=100", token=staff)["items"]
    assert [line["order_id"] for line in lines] == [order["order_id"]]
    http.call("POST", f"{cpath}/manifests/{manifest['manifest_id']}/dispatch", token=staff)

    # the village receives it; the villager comes in person and pays cash: the partner hands it over
    http.call("POST", f"{vpath}/manifests/{manifest['manifest_id']}/receive", token=partner,
              json={"codes": [tracking]})  # fmt: skip
    handed = http.call(
        "POST", f"{vpath}/handovers", token=partner,
        json={"order_id": order["order_id"], "villager_present": True, "villager_id": villager["villager_id"]},
    )  # fmt: skip
    assert handed["status"] == "delivered" and handed["paid"] is True
    seller_view = http.call("GET", f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}", token=seller)
    assert seller_view["status"] == "delivered"
    held = http.call("GET", f"{vpath}/ledger", token=partner)
    assert (held["cash_on_hand"]["amount"], held["fees_earned"]["amount"]) == (goods, fee)  # the fee is theirs

    # the partner remits the goods' cash; the county counts 5.00 less than was sent
    remittance = http.call("POST", f"{vpath}/remittances", token=partner, json={"amount": goods}, expect=201)
    assert remittance["status"] == "pending" and remittance["amount"] == {"amount": goods, "currency": "CNY"}
    pending = http.call("GET", f"{cpath}/remittances?status=pending&limit=100", token=staff)["items"]
    assert remittance["remittance_id"] in [r["remittance_id"] for r in pending]
    counted = http.call("POST", f"{cpath}/remittances/{remittance['remittance_id']}/confirm", token=staff,
                        json={"amount_received": goods - 500})  # fmt: skip
    assert counted["status"] == "confirmed" and counted["variance"] == {"amount": 500, "currency": "CNY"}
    assert counted["amount_received"]["amount"] == goods - 500

    # the village's cash statement balances: opening + movements = closing; the fee earned stays with the partner
    cash = http.call("GET", f"{vpath}/ledger", token=partner)
    moves = [e["amount"]["amount"] for e in cash["items"]]
    assert [e["kind"] for e in cash["items"]] == ["assisted.handover", "remittance.sent"]
    assert moves == [goods, -goods] and cash["items"][0]["order_id"] == order["order_id"]
    assert cash["opening"]["amount"] + sum(moves) == cash["closing"]["amount"] == 0
    assert (cash["cash_on_hand"]["amount"], cash["fees_earned"]["amount"], cash["in_transit"]["amount"]) == (0, fee, 0)
    fees = http.call("GET", f"{vpath}/ledger?account=fees", token=partner)
    assert fees["opening"]["amount"] + sum(e["amount"]["amount"] for e in fees["items"]) == fees["closing"]["amount"]
    assert fees["closing"]["amount"] == fee
    transit = http.call("GET", f"{vpath}/ledger?account=remittances", token=partner)
    assert [(e["kind"], e["amount"]["amount"]) for e in transit["items"]] == [
        ("remittance.sent", goods),
        ("remittance.confirmed", -goods),
    ]
    assert transit["closing"]["amount"] == 0
    assert {e["remittance_id"] for e in transit["items"]} == {remittance["remittance_id"]}

    # the variance, on both sides' remittance lists
    (mine,) = http.call("GET", f"{vpath}/remittances", token=partner)["items"]
    assert mine["status"] == "confirmed" and mine["variance"]["amount"] == 500
    confirmed = http.call("GET", f"{cpath}/remittances?status=confirmed&limit=100", token=staff)["items"]
    (theirs,) = [r for r in confirmed if r["remittance_id"] == remittance["remittance_id"]]
    assert theirs["variance"]["amount"] == 500 and theirs["amount_received"]["amount"] == goods - 500


def test_a_city_buyers_purchase_credits_the_producer_net_of_both_commissions(server, stack):
    http = Http(server)
    operator = operator_token(http, stack)
    net = county_with_a_village(http, operator)
    partner, vpath = net["partner"], f"/v1/villages/{net['village_id']}"

    # the rules: the platform takes 7 % of handicrafts (at least 5.00), the county's partners 12 %
    platform_bp, partner_bp = 700, 1200
    http.call("PUT", "/v1/admin/commissions/handicrafts", token=operator,
              json={"percent_bp": platform_bp, "min_amount": {"amount": 500, "currency": "CNY"}})  # fmt: skip
    set_rule = http.call("PUT", f"/v1/admin/counties/{net['county_id']}/producer-commission", token=operator,
                         json={"percent_bp": partner_bp, "currency": "CNY"})  # fmt: skip
    assert set_rule["percent_bp"] == partner_bp

    # the partner adds a producer, opens their shop (approved by the operators) and lists a product in it
    producer = http.call(
        "POST", f"{vpath}/producers", token=partner, expect=201,
        json={"name": "Gulnar Ismail", "consent": CONSENT, "payout": {"method": "cash_via_partner"}},
    )  # fmt: skip
    ppath = f"{vpath}/producers/{producer['producer_id']}"
    opened = http.call("POST", f"{ppath}/shops", token=partner, expect=201,
                       json={"name": f"Doppa caps {uuid.uuid4().hex[:6]}", "storefront": "handicrafts",
                             "description": "Embroidered caps"})  # fmt: skip
    shop = opened["shop"]
    assert shop["status"] == "pending" and shop["owner_id"] == producer["producer_id"]
    http.call("POST", f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator)
    price = 12_345
    body = product_body("handicrafts", title="Doppa cap", price={"amount": price, "currency": "CNY"}, stock=10)
    product = http.call("POST", f"/v1/shops/{shop['shop_id']}/products", token=partner, json=body, expect=201)

    # a buyer in the city buys three caps; the partner records the payment, ships and delivers
    buyer = http.user("buyer")
    http.call("PUT", f"/v1/cart/items/{product['product_id']}", token=buyer, json={"quantity": 3})
    placed = http.call(
        "POST", "/v1/checkout", token=buyer, expect=201, headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"delivery": {"name": "Dilnur Ablimit", "phone": "+86 991 555 0101", "lines": ["12 Renmin Road"],
                           "city": "Urumqi", "region": "Xinjiang", "postal_code": "830000", "country": "CN"},
              "payment_method": "bank_transfer"},
    )  # fmt: skip
    (order,) = placed["orders"]
    base = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
    http.call("POST", f"{base}/mark-paid", token=partner)
    http.call("POST", f"{base}/ship", token=partner, json={"carrier": "China Post", "tracking_number": "CP1CN"})
    http.call("POST", f"{base}/deliver", token=partner)

    statement = f"{ppath}/statement"
    assert http.call("GET", statement, token=partner)["items"] == []  # nothing until the order completes
    assert hourly(stack, days=2)["completed"] == 0  # still inside the return window
    assert hourly(stack, days=8)["completed"] >= 1
    assert http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)["status"] == "completed"

    # 370.35 sold: 7 % (25.92) to the platform, 12 % (44.44) to the partner, the rest to the producer
    goods = 3 * price
    platform, commission = max(share(goods, platform_bp), 500), share(goods, partner_bp)
    assert (goods, platform, commission) == (37_035, 2_592, 4_444)
    credited = http.call("GET", statement, token=partner)
    (credit,) = credited["items"]
    assert credit["kind"] == "order.completed" and credit["order_id"] == order["order_id"]
    assert credit["amount"] == {"amount": goods - platform - commission, "currency": "CNY"}
    assert goods - platform - commission == 29_999
    assert credited["opening"]["amount"] + credit["amount"]["amount"] == credited["closing"]["amount"] == 29_999
    assert credited["account"] == f"producer:{producer['producer_id']}:payable"
    # the partner's share is in the village's own statement
    assert http.call("GET", f"{vpath}/ledger", token=partner)["commissions_earned"]["amount"] == commission
