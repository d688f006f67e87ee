"""End to end: the real local stack (`python -m devtools.local_stack`: atomic moto server, provisioning from
infra/, demo seed, `chalice local`) on free ports, driven over HTTP with `requests` like a client would.

The stack runs as a child process in its own process group and is stopped with SIGINT, the developer's
Ctrl-C; the last test checks that this stops everything and frees both ports. Teardown kills whatever is
left, also when a test fails.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from devtools.local_stack import LocalStackProcess, port_is_free
from devtools.seed import BUYER, DEMO_COUPON_KOPECKS, OPERATOR
from devtools.seed import PASSWORD as DEMO_PASSWORD
from tests.support import PASSWORD, png_bytes, product_body, random_email

pytestmark = pytest.mark.e2e

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
TIMEOUT = 20


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    stack = LocalStackProcess(log_path=tmp_path_factory.mktemp("e2e") / "local_stack.log")
    try:
        stack.start()
    except BaseException:
        stack.stop(grace=5)
        pytest.fail(f"the local stack did not start:\n{stack.log_text()[-4000:]}")
    try:
        yield stack
    finally:
        stack.stop(grace=10)  # idempotent: SIGINT, then SIGKILL to the whole process group


class Http:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, *, token: str | None = None, json=None, expect: int = 200):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.session.request(method, self.base + path, json=json, headers=headers, timeout=TIMEOUT)
        assert reply.status_code == expect, f"{method} {path} -> {reply.status_code} {reply.text[:500]}"
        return reply.json() if reply.content else None

    def login(self, email: str, password: str) -> str:
        body = self.call("POST", "/v1/auth/login", json={"email": email, "password": password})
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0
        return body["access_token"]


def test_seller_lists_a_product_with_a_picture_and_a_buyer_downloads_it(local_stack):
    http = Http(local_stack.url)

    # a seller registers and logs in
    email = random_email("e2e-seller")
    account = http.call(
        "POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": "seller"}, expect=201
    )
    assert account["email"] == email and account["roles"] == ["seller"]
    seller = http.login(email, PASSWORD)
    assert http.call("GET", "/v1/me", token=seller)["user_id"] == account["user_id"]

    # opens a shop, which waits for moderation
    shop = http.call(
        "POST",
        "/v1/shops",
        token=seller,
        expect=201,
        json={
            "name": f"E2E Atlas Weavers {uuid.uuid4().hex[:6]}",
            "storefront": "handicrafts",
            "description": "end-to-end test shop",
            "region": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Lop"},
        },
    )
    assert shop["status"] == "pending"
    shop_id = shop["shop_id"]

    # the demo operator (seeded through Cognito's admin path) approves it
    operator = http.login(OPERATOR, DEMO_PASSWORD)
    assert http.call("POST", f"/v1/admin/shops/{shop_id}/approve", token=operator)["status"] == "active"

    # the seller adds an active product
    marker = f"e2e{uuid.uuid4().hex[:8]}"
    product = http.call(
        "POST",
        f"/v1/shops/{shop_id}/products",
        token=seller,
        expect=201,
        json=product_body("handicrafts", title=f"{marker} Atlas silk scarf"),
    )
    product_id = product["product_id"]

    # uploads a picture through the presigned POST, then completes it
    picture = png_bytes(320, 240, (30, 90, 170))
    grant = http.call(
        "POST",
        f"/v1/shops/{shop_id}/products/{product_id}/media",
        token=seller,
        expect=201,
        json={"content_type": "image/png", "size": len(picture)},
    )
    upload = grant["upload"]
    assert set(upload) == {"url", "fields"} and grant["expires_in"] > 0
    posted = requests.post(
        upload["url"], data=upload["fields"], timeout=TIMEOUT, files={"file": ("scarf.png", picture, "image/png")}
    )
    assert posted.status_code in (200, 201, 204), posted.text[:500]
    done = http.call(
        "POST", f"/v1/shops/{shop_id}/products/{product_id}/media/{grant['media_id']}/complete", token=seller
    )
    assert done["media_id"] == grant["media_id"]
    assert (done["width"], done["height"]) == (320, 240)

    # a buyer (anonymous) finds it in its storefront: by a word of its title, and on the newest-first page
    found = http.call("GET", f"/v1/storefronts/handicrafts/products?q={marker}")["items"]
    assert [item["product_id"] for item in found] == [product_id]
    assert found[0]["thumbnail_url"]
    newest = http.call("GET", "/v1/storefronts/handicrafts/products?sort=newest&limit=5")["items"]
    assert newest[0]["product_id"] == product_id

    # opens the product page
    page = http.call("GET", f"/v1/storefronts/handicrafts/products/{product_id}")
    assert page["product_id"] == product_id and page["shop"]["shop_id"] == shop_id
    assert [m["media_id"] for m in page["media"]] == [grant["media_id"]]

    # and downloads the picture and its thumbnail from the URLs it was given
    original = requests.get(page["media"][0]["url"], timeout=TIMEOUT)
    assert original.status_code == 200
    assert original.content == picture and original.content.startswith(PNG_MAGIC)
    thumbnail = requests.get(page["media"][0]["thumbnail_url"], timeout=TIMEOUT)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(JPEG_MAGIC)


def test_demo_data_is_served(local_stack):
    http = Http(local_stack.url)
    storefronts = http.call("GET", "/v1/storefronts")
    keys = [sf["storefront"] for sf in storefronts["items"]]
    assert sorted(keys) == ["b2b", "handicrafts", "specialties"]
    total = 0
    for key in keys:
        shops = http.call("GET", f"/v1/storefronts/{key}/shops?limit=100")["items"]
        assert len(shops) >= 3, key
        items = http.call("GET", f"/v1/storefronts/{key}/products?limit=100")["items"]
        assert all(item["thumbnail_url"] for item in items), key
        total += len([i for i in items if not i["title"].startswith("e2e")])
    assert total >= 30
    # the demo accounts work
    for email in ("seller@bazaar.local", "buyer@bazaar.local"):
        assert http.login(email, DEMO_PASSWORD)
    # the demo business (issue 14): verified, on net terms, an open RFQ with quotes, an invoice
    business = http.login("business@bazaar.local", DEMO_PASSWORD)
    me = http.call("GET", "/v1/me/business", token=business)
    assert me["status"] == "verified" and me["net_terms_available"] and me["credit"]["receivable"]["amount"] > 0
    rfqs = {r["status"]: r for r in http.call("GET", "/v1/rfqs", token=business)["items"]}
    assert set(rfqs) == {"open", "awarded"}
    quotes = http.call("GET", f"/v1/rfqs/{rfqs['open']['rfq_id']}/quotes", token=business)["items"]
    assert len(quotes) == 2 and quotes[0]["revision"] == 1
    assert [i["status"] for i in http.call("GET", "/v1/me/invoices", token=business)["items"]] == ["open"]
    # the demo buyer's coupon (issue 12): the delivery-promise job issued it for a seeded order whose promise passed
    buyer = http.login(BUYER, DEMO_PASSWORD)
    (coupon,) = http.call("GET", "/v1/me/coupons", token=buyer)["items"]
    assert coupon["status"] == "active" and coupon["reason"] == "delivery_promise"
    assert coupon["value"] == {"amount": DEMO_COUPON_KOPECKS, "currency": "RUB"}
    missed = http.call("GET", f"/v1/orders/{coupon['order_id']}", token=buyer)
    assert missed["market"]["market"] == "ru" and missed["delivery_promise"]["compensation"]["code"] == coupon["code"]
    assert f"demo coupon {coupon['code']} (500,00 ₽" in local_stack.log_text()
    # a seeded picture downloads
    item = http.call("GET", "/v1/storefronts/specialties/products?q=korla&limit=1")["items"][0]
    thumb = requests.get(item["thumbnail_url"], timeout=TIMEOUT)
    assert thumb.status_code == 200 and thumb.content.startswith(JPEG_MAGIC)


def test_the_demo_carrier_posts_the_signed_event_the_seed_log_shows(local_stack):
    """Issue 12: `make run` logs the demo carrier and the devtools.carrier command; that command works."""
    import re

    from devtools.carrier import post_event

    line = re.search(
        r"--carrier (\S+) --secret (\S+) --shop (\S+) --order (\S+) --event (\S+) --location (\S+)",
        local_stack.log_text(),
    )
    assert line, local_stack.log_text()[-2000:]
    carrier_id, secret, shop_id, order_id, event, location = line.groups()
    status, answer = post_event(local_stack.url, carrier_id, secret, shop_id, order_id, event, location=location)
    assert status == 200, answer
    assert answer["tracking"][-1]["event"] == event and answer["carrier"]["carrier_id"] == carrier_id
    http = Http(local_stack.url)
    operator = http.login(OPERATOR, DEMO_PASSWORD)
    listed = http.call("GET", "/v1/admin/carriers", token=operator)["items"]
    assert [c["status"] for c in listed if c["carrier_id"] == carrier_id] == ["active"]


def test_over_http_storefront_reads_carry_etags_and_304_and_media_urls_are_stable_and_immutable(local_stack):
    base = local_stack.url
    url = f"{base}/v1/storefronts/specialties/products?limit=5"
    first = requests.get(url, timeout=TIMEOUT)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=30"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    unchanged = requests.get(url, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["ETag"] == etag

    # the same URLs every time (no signature, no expiry), served with a year-long immutable Cache-Control
    again = requests.get(url, timeout=TIMEOUT).json()["items"]
    items = first.json()["items"]
    assert [i["thumbnail_url"] for i in again] == [i["thumbnail_url"] for i in items]
    for item in items:
        for key in ("thumbnail_url", "medium_url"):
            assert "?" not in item[key], item[key]
            picture = requests.get(item[key], timeout=TIMEOUT)
            assert picture.status_code == 200 and picture.content
            assert picture.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # signed in: private, never stored
    buyer = Http(base).login("buyer@bazaar.local", DEMO_PASSWORD)
    cart = requests.get(f"{base}/v1/cart", headers={"Authorization": f"Bearer {buyer}"}, timeout=TIMEOUT)
    assert cart.status_code == 200 and cart.headers["Cache-Control"] == "private, no-store"


def test_an_order_reaches_the_sellers_notifications_through_the_queue(local_stack):
    import time

    http = Http(local_stack.url)
    seller = http.login("seller@bazaar.local", DEMO_PASSWORD)
    buyer = http.login("buyer@bazaar.local", DEMO_PASSWORD)
    shops = http.call("GET", "/v1/me/shops", token=seller)["items"]
    shop = next(s for s in shops if s["status"] == "active")
    product = next(
        p
        for p in http.call("GET", f"/v1/shops/{shop['shop_id']}/products", token=seller)["items"]
        if p["listed"] and p["stock"] > 0 and p["storefront"] != "b2b"
    )
    http.call("PUT", f"/v1/cart/items/{product['product_id']}", token=buyer, json={"quantity": 1})
    reply = http.session.post(
        f"{http.base}/v1/checkout",
        json={
            "delivery": {
                "name": "E2E Buyer",
                "phone": "+86 991 555 0101",
                "lines": ["1 Bazaar St"],
                "city": "Kashgar",
                "region": "Xinjiang",
                "postal_code": "844000",
                "country": "CN",
            },
            "payment_method": "cash_on_delivery",
        },
        headers={"Authorization": f"Bearer {buyer}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=TIMEOUT,
    )
    assert reply.status_code == 201, reply.text
    order_id = reply.json()["orders"][0]["order_id"]

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        notes = http.call("GET", "/v1/me/notifications", token=seller)["items"]
        if any(n["order_id"] == order_id and n["type"] == "order.created" for n in notes):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the seller was not notified of the new order")


def test_a_parcel_to_a_village_service_centre_over_http(local_stack):
    """Issue 10 over HTTP with the demo accounts: the buyer orders to the Tokzak village centre, the seller ships
    to the county centre, county staff scan in, build and dispatch a manifest, the partner receives it (one parcel
    missing), the buyer sees their code (on the order and in a notification), the partner hands the parcel over,
    the seller records the cash, a return opened at the village travels back on a return manifest, the county
    forwards it, the seller receives it and the refund is recorded."""
    import time

    http = Http(local_stack.url)
    buyer = http.login("buyer@bazaar.local", DEMO_PASSWORD)
    seller = http.login("seller@bazaar.local", DEMO_PASSWORD)
    staff = http.login("county@bazaar.local", DEMO_PASSWORD)
    partner = http.login("partner@bazaar.local", DEMO_PASSWORD)

    shufu = next(c for c in http.call("GET", "/v1/counties")["items"] if c["county"] == "Shufu")
    centres = http.call("GET", f"/v1/counties/{shufu['county_id']}/villages")["items"]
    tokzak = next(v for v in centres if v["village"] == "Tokzak")
    county, village = f"/v1/county/{shufu['county_id']}", f"/v1/villages/{tokzak['village_id']}"

    shop = next(s for s in http.call("GET", "/v1/me/shops", token=seller)["items"] if s["status"] == "active")
    product = next(
        p
        for p in http.call("GET", f"/v1/shops/{shop['shop_id']}/products?limit=100", token=seller)["items"]
        if p["listed"] and p["stock"] > 2 and p["storefront"] != "b2b"
    )
    parcels = []
    for n in range(2):
        http.call("PUT", f"/v1/cart/items/{product['product_id']}", token=buyer, json={"quantity": 1})
        reply = http.session.post(
            f"{http.base}/v1/checkout",
            json={
                "delivery": {"pickup_point": tokzak["village_id"], "name": "E2E Villager", "phone": "+86 998 555 0177"},
                "payment_method": "cash_on_delivery",
            },
            headers={"Authorization": f"Bearer {buyer}", "Idempotency-Key": uuid.uuid4().hex},
            timeout=TIMEOUT,
        )
        assert reply.status_code == 201, reply.text
        order = reply.json()["orders"][0]
        assert order["pickup"]["ship_to"] == shufu["address"]
        tracking = f"E2E{uuid.uuid4().hex[:8].upper()}{n}"
        http.call(
            "POST",
            f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/ship",
            token=seller,
            json={"carrier": "China Post", "tracking_number": tracking},
        )
        scanned = http.call("POST", f"{county}/scans", token=staff, json={"code": tracking})
        assert scanned["already"] is False and scanned["parcel"]["status"] == "at_county"
        parcels.append((order, tracking))
    (kept, kept_tracking), (lost, _) = parcels

    manifest = http.call("POST", f"{county}/manifests", token=staff, json={"village_id": tokzak["village_id"]},
                         expect=201)  # fmt: skip
    lines = http.call("GET", f"{county}/manifests/{manifest['manifest_id']}?limit=100", token=staff)["items"]
    assert {kept["order_id"], lost["order_id"]} <= {line["order_id"] for line in lines}
    sent = http.call("POST", f"{county}/manifests/{manifest['manifest_id']}/dispatch", token=staff)
    assert sent["status"] in ("dispatching", "dispatched")
    waiting = http.call("GET", f"{village}/manifests?status=dispatched", token=partner)["items"]
    assert manifest["manifest_id"] in {m["manifest_id"] for m in waiting}
    received = http.call(
        "POST", f"{village}/manifests/{manifest['manifest_id']}/receive", token=partner, json={"codes": [kept_tracking]}
    )
    assert received["status"] in ("receiving", "received")
    missing = http.call("GET", f"{county}/parcels?status=missing&limit=100", token=staff)["items"]
    assert lost["order_id"] in {p["order_id"] for p in missing}

    mine = http.call("GET", f"/v1/orders/{kept['order_id']}", token=buyer)
    assert mine["status"] == "ready_for_pickup"
    code = mine["pickup"]["pickup_code"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the order-events pump turns the event into the buyer's notification
        notes = http.call("GET", "/v1/me/notifications?limit=100", token=buyer)["items"]
        if any(n["order_id"] == kept["order_id"] and code in n["message"] for n in notes):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the buyer was not notified with the pickup code")
    ready = http.call("GET", f"{village}/parcels?status=ready_for_pickup&limit=100", token=partner)
    assert kept["order_id"] in {p["order_id"] for p in ready["items"]} and code not in str(ready)

    handed = http.call("POST", f"{village}/handovers", token=partner,
                       json={"order_id": kept["order_id"], "pickup_code": code})  # fmt: skip
    assert handed["status"] == "delivered"
    # cash on delivery: the cash taken at the village reaches the seller, who records it (a return refunds only
    # money that was received: issue 9)
    http.call("POST", f"/v1/shops/{shop['shop_id']}/orders/{kept['order_id']}/mark-paid", token=seller)

    opened = http.call(
        "POST",
        f"{village}/returns",
        token=partner,
        json={"order_id": kept["order_id"], "lines": [{"line_id": kept["lines"][0]["line_id"], "quantity": 1}]},
        expect=201,
    )
    back = http.call("POST", f"{village}/manifests", token=partner, expect=201)
    http.call("POST", f"{village}/manifests/{back['manifest_id']}/dispatch", token=partner)
    http.call("POST", f"{county}/manifests/{back['manifest_id']}/receive", token=staff,
              json={"codes": [opened["return_id"]]})  # fmt: skip
    forwarded = http.call(
        "POST", f"{county}/returns/{opened['return_id']}/forward", token=staff,
        json={"carrier": "China Post", "tracking_number": "E2ERETURN1"},
    )  # fmt: skip
    assert forwarded["leg"] == "to_seller"
    http.call("POST", f"/v1/shops/{shop['shop_id']}/returns/{opened['return_id']}/receive", token=seller)
    refunded = http.call("GET", f"/v1/orders/{kept['order_id']}", token=buyer)
    assert refunded["refunded"]["amount"] == kept["lines"][0]["unit_price"]["amount"]
    assert [e["action"] for e in refunded["timeline"]][-2:] == ["return_requested", "refunded"]


def _provider_key(local_stack) -> str:
    import boto3

    secrets = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client("secretsmanager", endpoint_url=f"http://127.0.0.1:{local_stack.moto_port}")
    # provisioned as bazaar-local-..., or under the CloudFormation stack's prefix (make e2e-cloudformation)
    (name,) = [
        secret["Name"]
        for secret in secrets.list_secrets()["SecretList"]
        if secret["Name"].endswith("-PaymentProviderSecret")
    ]
    return secrets.get_secret_value(SecretId=name)["SecretString"]


def _wait_for(what: str, check, seconds: float = 20):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_card_payments_go_through_the_simulated_provider_and_a_late_one_is_refunded(local_stack):
    """`make run` starts the card provider simulator: its signed webhook reaches the app over HTTP; a payment
    for an order cancelled meanwhile is refunded through it (the outbox relay, the consumer, the provider)."""
    http = Http(local_stack.url)
    seller = http.login("seller@bazaar.local", DEMO_PASSWORD)
    buyer = http.login("buyer@bazaar.local", DEMO_PASSWORD)
    shop = next(s for s in http.call("GET", "/v1/me/shops", token=seller)["items"] if s["status"] == "active")
    product = next(
        p
        for p in http.call("GET", f"/v1/shops/{shop['shop_id']}/products", token=seller)["items"]
        if p["listed"] and p["stock"] > 2 and p["storefront"] != "b2b"
    )
    provider = f"http://127.0.0.1:{local_stack.provider_port}"
    key = {"Authorization": f"Bearer {_provider_key(local_stack)}"}

    def card_order() -> dict:
        http.call("PUT", f"/v1/cart/items/{product['product_id']}", token=buyer, json={"quantity": 1})
        reply = http.session.post(
            f"{http.base}/v1/checkout",
            json={
                "delivery": {
                    "name": "E2E Buyer",
                    "phone": "+86 991 555 0101",
                    "lines": ["1 Bazaar St"],
                    "city": "Kashgar",
                    "region": "Xinjiang",
                    "postal_code": "844000",
                    "country": "CN",
                },
                "payment_method": "card",
            },
            headers={"Authorization": f"Bearer {buyer}", "Idempotency-Key": uuid.uuid4().hex},
            timeout=TIMEOUT,
        )
        assert reply.status_code == 201, reply.text
        return reply.json()["orders"][0]

    def pay(order: dict) -> str:
        body = {"order_id": order["order_id"], "amount": order["total"]}
        reply = http.session.post(f"{provider}/v1/payments", json=body, headers=key, timeout=TIMEOUT)
        assert reply.status_code == 201, reply.text
        return reply.json()["payment_id"]

    paid = card_order()
    pay(paid)
    _wait_for(
        "the payment webhook",
        lambda: http.call("GET", f"/v1/orders/{paid['order_id']}", token=buyer)["status"] == "paid",
    )

    late = card_order()
    http.call("POST", f"/v1/orders/{late['order_id']}/cancel", token=buyer)
    payment_id = pay(late)
    timeline = _wait_for(
        "the refund of a late payment",
        lambda: [
            e
            for e in http.call("GET", f"/v1/orders/{late['order_id']}", token=buyer)["timeline"]
            if e["action"] == "refund_issued"
        ],
    )
    at_provider = http.session.get(f"{provider}/v1/payments/{payment_id}", headers=key, timeout=TIMEOUT).json()
    assert at_provider["refunded"] == late["total"]["amount"] and len(at_provider["refunds"]) == 1
    assert at_provider["refunds"][0] in timeline[0]["note"]


def test_bulk_trade_from_verification_to_a_paid_invoice_over_http(local_stack):
    """Issue 14 end to end: a business is verified and given net terms, posts an RFQ, two sellers quote, the
    buyer accepts one on net terms (an order at the quoted price), the seller ships (an invoice), records the
    payment, and the business's credit is back; the other seller is told through the queue."""
    import time

    from tests.api.trade.support import business_body, later

    http = Http(local_stack.url)
    operator = http.login(OPERATOR, DEMO_PASSWORD)

    def account(role: str) -> str:
        email = random_email(f"e2e-{role}")
        http.call("POST", "/v1/auth/register", json={"email": email, "password": PASSWORD, "role": role}, expect=201)
        return http.login(email, PASSWORD)

    buyer = account("buyer")
    business = http.call("POST", "/v1/me/business", token=buyer, json=business_body(), expect=201)
    assert business["status"] == "pending"
    http.call("POST", f"/v1/admin/businesses/{business['business_id']}/verify", token=operator, json={})
    http.call(
        "PUT",
        f"/v1/admin/businesses/{business['business_id']}/terms",
        token=operator,
        json={"terms_days": 30, "credit_limit": {"amount": 5_000_000, "currency": "CNY"}},
    )
    assert http.call("GET", "/v1/me/business", token=buyer)["credit"]["available"]["amount"] == 5_000_000

    sellers = []
    for name in ("E2E Hotan Orchards", "E2E Aksu Farms"):
        token = account("seller")
        shop = http.call(
            "POST",
            "/v1/shops",
            token=token,
            expect=201,
            json={
                "name": f"{name} {uuid.uuid4().hex[:6]}",
                "storefront": "b2b",
                "description": "e2e",
                "region": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
            },
        )
        http.call("POST", f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator)
        http.call("PUT", f"/v1/shops/{shop['shop_id']}/rfq-profile", token=token, json={"categories": ["dried-fruit"]})
        sellers.append((token, shop["shop_id"]))

    rfq = http.call(
        "POST",
        "/v1/rfqs",
        token=buyer,
        expect=201,
        json={
            "category": "dried-fruit",
            "title": "E2E jujubes",
            "specification": "Grade 1, 10 kg cartons",
            "quantity": 300,
            "unit": "carton",
            "currency": "CNY",
            "deliver_to": {"province": "Zhejiang", "prefecture": "Hangzhou"},
            "quote_deadline": later(days=3),
        },
    )
    quotes = []
    for (token, shop_id), amount in zip(sellers, (9_200, 8_900), strict=True):
        seen = http.call("GET", f"/v1/shops/{shop_id}/rfq-opportunities", token=token)["items"]
        assert rfq["rfq_id"] in [r["rfq_id"] for r in seen]
        quote = http.call(
            "POST",
            f"/v1/shops/{shop_id}/rfqs/{rfq['rfq_id']}/quotes",
            token=token,
            expect=201,
            json={
                "unit_amount": {"amount": amount, "currency": "CNY"},
                "moq": 200,
                "lead_time_days": 10,
                "valid_until": later(days=20),
            },
        )
        quotes.append(quote)
    compared = http.call("GET", f"/v1/rfqs/{rfq['rfq_id']}/quotes", token=buyer)["items"]
    assert [q["unit_price"]["amount"] for q in compared] == [8_900, 9_200]

    (winner_token, winner_shop), (loser_token, _) = sellers[1], sellers[0]
    accepted = http.session.post(
        f"{http.base}/v1/rfqs/{rfq['rfq_id']}/quotes/{quotes[1]['quote_id']}/accept",
        json={
            "quantity": 300,
            "delivery": {
                "name": "E2E Buyer",
                "phone": "+86 571 555 0101",
                "lines": ["88 Wensan Road"],
                "city": "Hangzhou",
                "region": "Zhejiang",
                "postal_code": "310012",
                "country": "CN",
            },
            "payment_method": "net_terms",
        },
        headers={"Authorization": f"Bearer {buyer}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=TIMEOUT,
    )
    assert accepted.status_code == 201, accepted.text
    order = accepted.json()["order"]
    assert order["lines"][0]["unit_price"]["amount"] == 8_900 and order["payment_method"] == "net_terms"
    assert order["total"]["amount"] == 2_670_000
    assert http.call("GET", "/v1/me/business", token=buyer)["credit"]["available"]["amount"] == 2_330_000

    shipped = http.call(
        "POST",
        f"/v1/shops/{winner_shop}/orders/{order['order_id']}/ship",
        token=winner_token,
        json={"carrier": "SF Express", "tracking_number": "SF123"},
    )
    invoice = http.call("GET", f"/v1/me/invoices/{shipped['invoice_id']}", token=buyer)
    assert (invoice["number"], invoice["status"], invoice["total"]["amount"]) == ("00000001", "open", 2_670_000)
    paid = http.call(
        "POST",
        f"/v1/shops/{winner_shop}/invoices/{invoice['invoice_id']}/mark-paid",
        token=winner_token,
        json={"reference": "ICBC 0001"},
    )
    assert paid["status"] == "paid"
    credit = http.call("GET", "/v1/me/business", token=buyer)["credit"]
    assert (credit["available"]["amount"], credit["receivable"]["amount"]) == (5_000_000, 0)
    assert http.call("GET", f"/v1/orders/{order['order_id']}", token=buyer)["paid_at"]

    deadline = time.monotonic() + 15  # the queue consumer closes the other quote and tells its seller
    while time.monotonic() < deadline:
        notes = http.call("GET", "/v1/me/notifications", token=loser_token)["items"]
        if any(n["type"] == "quote.not_selected" for n in notes):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the other seller was not told")


def test_ctrl_c_stops_everything_and_frees_the_ports(local_stack):
    port, moto_port = local_stack.port, local_stack.moto_port
    provider_port = local_stack.provider_port
    assert not port_is_free(port) and not port_is_free(moto_port) and not port_is_free(provider_port)
    returncode = local_stack.stop(grace=15)
    assert returncode == 0, local_stack.log_text()[-3000:]
    assert port_is_free(port) and port_is_free(moto_port) and port_is_free(provider_port)
    assert "stopped: app and moto server are down" in local_stack.log_text()
