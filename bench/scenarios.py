"""The measured requests: one scenario per route variant, run through chalice.test.Client with real tokens.

Shared by `make bench` (1k and 10k products) and tests/integration/test_call_budgets.py (small catalogs).
Each scenario may prepare state first (not counted); only its one request is counted. Scenarios run in
order: the write scenarios build on each other (create a product, edit it, attach a picture, ...).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.budgets import BUDGETS, MAX_READ_AMPLIFICATION, allowed
from bench.catalog_seed import SeededCatalog, seed_catalog
from bench.counting import CallRecorder, Totals

STOREFRONT = "handicrafts"
RESYNC_PRODUCTS = 5  # products of the shop re-written by approve / suspend / rename


@dataclass
class Bench:
    api: object  # tests.support.ApiClient
    factory: object  # tests.support.Factory
    container: object
    catalog: SeededCatalog
    seller: str
    seller_id: str
    operator: str
    buyer: str
    state: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    route: str  # a key of bench.budgets.BUDGETS: "<METHOD> <path pattern>"
    request: Callable[[Bench], object]  # makes the one counted request, returns the Reply
    status: int
    prepare: Callable[[Bench], None] | None = None  # not counted
    products: int = 0  # live products the request re-writes (for per-product budgets)
    paged: bool = False  # returns a page of at most `limit` items (with next_cursor)
    # A FilterExpression page: how many of the page's items pass depends on the data, not on the code, so
    # only calls, items read and items written are compared across catalog sizes.
    filtered: bool = False

    @property
    def is_read(self) -> bool:
        return self.route.startswith("GET ")

    @property
    def budget(self) -> int:
        return allowed(self.route, self.products)

    @property
    def max_amplification(self) -> float | None:
        return MAX_READ_AMPLIFICATION.get(self.name)


@dataclass
class Measurement:
    scenario: Scenario
    dynamodb: Totals
    other: Counter  # (service, operation) -> calls: S3, Cognito
    status: int
    page_full: bool | None = None  # for paged reads: did the page come back with a next_cursor

    @property
    def within_budget(self) -> bool:
        return self.dynamodb.calls <= self.scenario.budget

    @property
    def within_amplification(self) -> bool:
        cap = self.scenario.max_amplification
        amp = self.dynamodb.read_amplification
        return cap is None or (amp is not None and amp <= cap)

    def figures(self) -> tuple[int, ...]:
        """What must be identical at every catalog size."""
        d = self.dynamodb
        if self.scenario.filtered:
            return d.calls, d.items_read, d.items_written
        return d.calls, d.items_read, d.items_returned, d.items_written


def _sf(path: str = "", **params) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f"/v1/storefronts/{STOREFRONT}/products{path}{query}"


def _expect(reply, status: int, what: str):
    if reply.status != status:
        raise AssertionError(f"{what}: expected {status}, got {reply!r}")
    return reply


# --- preparation steps (not counted) ----------------------------------------------------------------


def _first_page_cursor(b: Bench) -> None:
    reply = _expect(b.api.get(_sf()), 200, "storefront page 1")
    b.state["cursor"] = reply.json["next_cursor"]
    assert b.state["cursor"], "the catalog is too small for a second page"


def _register_email(b: Bench) -> None:
    b.state["email"] = f"bench-{uuid.uuid4().hex[:10]}@example.com"


def _upload_picture(b: Bench) -> None:
    """What the browser does with the presigned POST (moto enforces none of its conditions anyway)."""
    c = b.container
    c.media._s3.put_object(
        Bucket=c.settings.media_bucket, Key=b.state["media_key"], Body=b.state["png"], ContentType="image/png"
    )


def _prepare_media(b: Bench) -> None:
    from tests.support import png_bytes

    b.state["png"] = png_bytes()


def _shop_with_products(b: Bench) -> None:
    shop = b.state["new_shop"]
    for i in range(RESYNC_PRODUCTS):
        b.factory.product(b.seller, shop, title=f"Carved comb {i}")


# --- the counted requests ------------------------------------------------------------------------


def _product_path(b: Bench, suffix: str = "") -> str:
    p = b.state["product"]
    return f"/v1/shops/{p['shop_id']}/products/{p['product_id']}{suffix}"


def _create_product(b: Bench):
    from tests.support import product_body

    shop_id = b.catalog.seller_shop.shop_id
    reply = b.api.post(f"/v1/shops/{shop_id}/products", product_body(STOREFRONT, title="Copper teapot"), token=b.seller)
    if reply.status == 201:
        b.state["product"] = reply.json
        b.state["etag"] = reply.headers.get("etag")
    return reply


def _edit_product(b: Bench):
    reply = b.api.patch(
        _product_path(b),
        {"title": "Painted copper bowl", "stock": 7},
        token=b.seller,
        headers={"If-Match": b.state["etag"]},
    )
    if reply.status == 200:
        b.state["etag"] = reply.headers.get("etag")
    return reply


def _request_upload(b: Bench):
    reply = b.api.post(
        _product_path(b, "/media"), {"content_type": "image/png", "size": len(b.state["png"])}, token=b.seller
    )
    if reply.status == 201:
        b.state["media_id"] = reply.json["media_id"]
        b.state["media_key"] = reply.json["upload"]["fields"]["key"]
    return reply


def _open_shop(b: Bench):
    from tests.support import REGION

    body = {
        "name": f"Bench shop {uuid.uuid4().hex[:8]}",
        "storefront": STOREFRONT,
        "description": "A bench shop",
        "region": dict(REGION),
    }
    reply = b.api.post("/v1/shops", body, token=b.seller)
    if reply.status == 201:
        b.state["new_shop"] = reply.json
    return reply


def _new_shop(b: Bench) -> str:
    return b.state["new_shop"]["shop_id"]


def _owned_product(b: Bench):
    return next(p for p in b.catalog.products if p.shop_id == b.catalog.seller_shop.shop_id)


SCENARIOS: list[Scenario] = [
    # --- reads --------------------------------------------------------------------------------------
    Scenario("storefronts list", "GET /v1/storefronts", lambda b: b.api.get("/v1/storefronts"), 200),
    Scenario(
        "storefront page", "GET /v1/storefronts/{storefront_key}/products", lambda b: b.api.get(_sf()), 200, paged=True
    ),
    Scenario(
        "storefront page, category",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(category="textiles")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, prefecture",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(prefecture="Kashgar")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, q (one word)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(q="copper")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, q + category",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(q="copper", category="metalwork")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, q (two words, filtered)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(q="copper teapot")),
        200,
        paged=True,
        filtered=True,
    ),
    Scenario(
        "storefront page, q (CJK, four characters)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(q="手工铜壶")),
        200,
        paged=True,
        filtered=True,
    ),
    Scenario(
        "storefront page, sort=price_asc",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(sort="price_asc")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, sort=price_desc",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(sort="price_desc")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page 2 (next_cursor)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(cursor=b.state["cursor"])),
        200,
        prepare=_first_page_cursor,
        paged=True,
    ),
    Scenario(
        "product page",
        "GET /v1/storefronts/{storefront_key}/products/{product_id}",
        lambda b: b.api.get(_sf(f"/{b.catalog.listed_product(STOREFRONT).product_id}")),
        200,
    ),
    Scenario(
        "storefront shops",
        "GET /v1/storefronts/{storefront_key}/shops",
        lambda b: b.api.get(f"/v1/storefronts/{STOREFRONT}/shops"),
        200,
        paged=True,
    ),
    Scenario(
        "shop page (public)",
        "GET /v1/shops/{shop_id}",
        lambda b: b.api.get(f"/v1/shops/{b.catalog.seller_shop.shop_id}", token=b.buyer),
        200,
    ),
    Scenario("me", "GET /v1/me", lambda b: b.api.get("/v1/me", token=b.buyer), 200),
    Scenario("OpenAPI document", "GET /v1/openapi.json", lambda b: b.api.get("/v1/openapi.json"), 200),
    Scenario("API docs page", "GET /v1/docs", lambda b: b.api.get("/v1/docs"), 200),
    Scenario("my shops (seller)", "GET /v1/me/shops", lambda b: b.api.get("/v1/me/shops", token=b.seller), 200),
    Scenario(
        "admin queue (pending)",
        "GET /v1/admin/shops",
        lambda b: b.api.get("/v1/admin/shops?status=pending", token=b.operator),
        200,
        paged=True,
    ),
    Scenario(
        "owner product list",
        "GET /v1/shops/{shop_id}/products",
        lambda b: b.api.get(f"/v1/shops/{b.catalog.seller_shop.shop_id}/products", token=b.seller),
        200,
        paged=True,
    ),
    Scenario(
        "owner product",
        "GET /v1/shops/{shop_id}/products/{product_id}",
        lambda b: b.api.get(
            f"/v1/shops/{b.catalog.seller_shop.shop_id}/products/{_owned_product(b).product_id}", token=b.seller
        ),
        200,
    ),
    # --- writes -------------------------------------------------------------------------------------
    Scenario(
        "register",
        "POST /v1/auth/register",
        lambda b: b.api.post(
            "/v1/auth/register", {"email": b.state["email"], "password": "Bazaar-bench-1", "role": "buyer"}
        ),
        201,
        prepare=_register_email,
    ),
    Scenario(
        "login",
        "POST /v1/auth/login",
        lambda b: b.api.post("/v1/auth/login", {"email": b.state["email"], "password": "Bazaar-bench-1"}),
        200,
    ),
    Scenario("create shop", "POST /v1/shops", _open_shop, 201),
    Scenario(
        "edit shop (description)",
        "PATCH /v1/shops/{shop_id}",
        lambda b: b.api.patch(
            f"/v1/shops/{b.catalog.seller_shop.shop_id}", {"description": "Since 1990"}, token=b.seller
        ),
        200,
    ),
    Scenario("create product", "POST /v1/shops/{shop_id}/products", _create_product, 201),
    Scenario("edit product (new title)", "PATCH /v1/shops/{shop_id}/products/{product_id}", _edit_product, 200),
    Scenario(
        "request picture upload",
        "POST /v1/shops/{shop_id}/products/{product_id}/media",
        _request_upload,
        201,
        prepare=_prepare_media,
    ),
    Scenario(
        "complete picture upload",
        "POST /v1/shops/{shop_id}/products/{product_id}/media/{media_id}/complete",
        lambda b: b.api.post(_product_path(b, f"/media/{b.state['media_id']}/complete"), token=b.seller),
        200,
        prepare=_upload_picture,
    ),
    Scenario(
        "remove picture",
        "DELETE /v1/shops/{shop_id}/products/{product_id}/media/{media_id}",
        lambda b: b.api.delete(_product_path(b, f"/media/{b.state['media_id']}"), token=b.seller),
        204,
    ),
    Scenario(
        "archive product",
        "DELETE /v1/shops/{shop_id}/products/{product_id}",
        lambda b: b.api.delete(_product_path(b), token=b.seller),
        204,
    ),
    Scenario(
        f"rename shop ({RESYNC_PRODUCTS} products)",
        "PATCH /v1/shops/{shop_id}",
        lambda b: b.api.patch(f"/v1/shops/{_new_shop(b)}", {"name": "Bench shop renamed"}, token=b.seller),
        200,
        prepare=_shop_with_products,
        products=RESYNC_PRODUCTS,
    ),
    Scenario(
        f"approve shop ({RESYNC_PRODUCTS} products)",
        "POST /v1/admin/shops/{shop_id}/approve",
        lambda b: b.api.post(f"/v1/admin/shops/{_new_shop(b)}/approve", token=b.operator),
        200,
        products=RESYNC_PRODUCTS,
    ),
    Scenario(
        f"suspend shop ({RESYNC_PRODUCTS} products)",
        "POST /v1/admin/shops/{shop_id}/suspend",
        lambda b: b.api.post(f"/v1/admin/shops/{_new_shop(b)}/suspend", token=b.operator),
        200,
        products=RESYNC_PRODUCTS,
    ),
]


# --- buying (issue 4) -------------------------------------------------------------------------------
# The buying scenarios use their own approved shop (owned by the bench seller) with two products and the
# bench buyer. `_buying_world` builds the state the buying READS see, once, before the first of them: it
# is the same at every catalog size (orders, carts and returns do not depend on the catalog), so the reads'
# counts must match exactly between sizes. The buying writes then build on each other, in order.

BUY_STOCK = 1_000
ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}


def _cart_put(b: Bench, product: dict, quantity: int):
    return b.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": quantity}, token=b.buyer)


def _checkout(b: Bench, key: str, payment: str = "cash_on_delivery"):
    body = {"delivery": ADDRESS, "payment_method": payment}
    return b.api.post("/v1/checkout", body, token=b.buyer, headers={"Idempotency-Key": key})


def _buy(b: Bench, product: dict, payment: str) -> dict:
    """One unit of `product` through cart and checkout (not counted); returns the order (buyer view)."""
    _expect(_cart_put(b, product, 1), 200, "add to cart")
    reply = _expect(_checkout(b, f"bench-{uuid.uuid4().hex}", payment), 201, "checkout")
    return reply.json["orders"][0]


def _shop_order_path(b: Bench, order: dict, suffix: str = "") -> str:
    return f"/v1/shops/{b.state['buy_shop']['shop_id']}/orders/{order['order_id']}{suffix}"


def _ship_and_deliver(b: Bench, order: dict) -> None:
    ship = {"carrier": "China Post", "tracking_number": "CP123456789CN"}
    _expect(b.api.post(_shop_order_path(b, order, "/ship"), ship, token=b.seller), 200, "ship")
    _expect(b.api.post(_shop_order_path(b, order, "/deliver"), token=b.seller), 200, "deliver")


def _return_body(order: dict) -> dict:
    return {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}], "reason": "too small"}


def _consume_order_events(b: Bench) -> None:
    """What the order-events queue consumer does in the cloud: fill the notifications from the queue."""
    import boto3

    from chalicelib.events.order_events import handle_records

    settings = b.container.settings
    sqs, url = boto3.client("sqs", region_name=settings.region), settings.order_events_queue_url
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        result = handle_records([{"messageId": m["MessageId"], "body": m["Body"]} for m in messages])
        assert not result["batchItemFailures"], result
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _buying_world(b: Bench) -> None:
    """Once: the buying shop and its 2 products; a delivered order with a requested return; a 1-line cart;
    the seller's notifications of it all."""
    if "buy_shop" in b.state:
        return
    shop = b.factory.shop(b.seller, STOREFRONT, operator=b.operator, name=f"Bench bazaar {uuid.uuid4().hex[:8]}")
    b.state["buy_shop"] = shop
    b.state["buy_products"] = [
        b.factory.product(b.seller, shop, title=title, stock=BUY_STOCK) for title in ("Atlas silk scarf", "Doppa cap")
    ]
    order = b.state["delivered_order"] = _buy(b, b.state["buy_products"][0], "cash_on_delivery")
    _ship_and_deliver(b, order)
    _expect(b.api.post(f"/v1/orders/{order['order_id']}/returns", _return_body(order), token=b.buyer), 201, "return")
    _expect(_cart_put(b, b.state["buy_products"][1], 2), 200, "add to cart")
    _consume_order_events(b)


def _one_line_in_cart(b: Bench) -> None:
    _expect(_cart_put(b, b.state["buy_products"][1], 1), 200, "add to cart")


def _checkout_counted(b: Bench):
    b.state.setdefault("checkout_key", f"bench-{uuid.uuid4().hex}")
    reply = _checkout(b, b.state["checkout_key"])
    if reply.status == 201:
        b.state["placed"] = reply.json["orders"][0]
    return reply


def _card_order(b: Bench) -> None:
    b.state["card_order"] = _buy(b, b.state["buy_products"][0], "card")


def _payment_webhook(b: Bench):
    import json
    import time

    from chalicelib.services.payments import sign_webhook

    order = b.state["card_order"]
    raw = json.dumps(
        {
            "event_id": f"evt_{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "order_id": order["order_id"],
            "amount": order["total"],
        }
    ).encode()
    signature = sign_webhook(b.container.settings.payment_webhook_secret, raw, int(time.time()))
    return b.api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": signature})


def _transfer_order(b: Bench) -> None:
    b.state["transfer_order"] = _buy(b, b.state["buy_products"][0], "bank_transfer")


def _request_return(b: Bench):
    order = b.state["transfer_order"]
    reply = b.api.post(f"/v1/orders/{order['order_id']}/returns", _return_body(order), token=b.buyer)
    if reply.status == 201:
        b.state["return"] = reply.json
    return reply


def _buy_shop(b: Bench) -> str:
    return b.state["buy_shop"]["shop_id"]


def _long_history(b: Bench) -> None:
    """Once: a delivered order of 25 units with 20 one-unit returns (24 history entries: the order keeps the
    newest 20, the oldest 4 are items of their own), and the cursor of its history's second page."""
    if "long_order" in b.state:
        return
    _buying_world(b)
    _expect(b.api.delete("/v1/cart", token=b.buyer), 204, "empty the cart")
    _expect(_cart_put(b, b.state["buy_products"][0], 25), 200, "add to cart")
    order = _expect(_checkout(b, f"bench-{uuid.uuid4().hex}"), 201, "checkout").json["orders"][0]
    _ship_and_deliver(b, order)
    for _ in range(20):
        body = {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}]}
        _expect(b.api.post(f"/v1/orders/{order['order_id']}/returns", body, token=b.buyer), 201, "return")
    b.state["long_order"] = order
    first = _expect(b.api.get(f"/v1/orders/{order['order_id']}/timeline?limit=20", token=b.buyer), 200, "history")
    b.state["history_cursor"] = first.json["next_cursor"]


BUYING_SCENARIOS: list[Scenario] = [
    # reads: the world above, the same at every catalog size
    Scenario(
        "cart page (1 line)",
        "GET /v1/cart",
        lambda b: b.api.get("/v1/cart", token=b.buyer),
        200,
        prepare=_buying_world,
    ),
    Scenario(
        "my orders (buyer)",
        "GET /v1/orders",
        lambda b: b.api.get("/v1/orders", token=b.buyer),
        200,
        prepare=_buying_world,
        paged=True,
    ),
    Scenario(
        "my order (buyer)",
        "GET /v1/orders/{order_id}",
        lambda b: b.api.get(f"/v1/orders/{b.state['delivered_order']['order_id']}", token=b.buyer),
        200,
        prepare=_buying_world,
    ),
    Scenario(
        "shop orders (seller)",
        "GET /v1/shops/{shop_id}/orders",
        lambda b: b.api.get(f"/v1/shops/{_buy_shop(b)}/orders", token=b.seller),
        200,
        prepare=_buying_world,
        paged=True,
    ),
    Scenario(
        "shop orders, status=delivered (seller)",
        "GET /v1/shops/{shop_id}/orders",
        lambda b: b.api.get(f"/v1/shops/{_buy_shop(b)}/orders?status=delivered", token=b.seller),
        200,
        prepare=_buying_world,
        paged=True,
    ),
    Scenario(
        "shop order (seller)",
        "GET /v1/shops/{shop_id}/orders/{order_id}",
        lambda b: b.api.get(_shop_order_path(b, b.state["delivered_order"]), token=b.seller),
        200,
        prepare=_buying_world,
    ),
    Scenario(
        "shop returns (seller)",
        "GET /v1/shops/{shop_id}/returns",
        lambda b: b.api.get(f"/v1/shops/{_buy_shop(b)}/returns", token=b.seller),
        200,
        prepare=_buying_world,
        paged=True,
    ),
    Scenario(
        "my notifications (seller)",
        "GET /v1/me/notifications",
        lambda b: b.api.get("/v1/me/notifications", token=b.seller),
        200,
        prepare=_buying_world,
        paged=True,
    ),
    # writes, in order: each builds on the ones before
    Scenario(
        "cart: add a line (cart of 2)",
        "PUT /v1/cart/items/{product_id}",
        lambda b: _cart_put(b, b.state["buy_products"][0], 3),
        200,
        prepare=_buying_world,
    ),
    Scenario("checkout (2 lines, 1 shop)", "POST /v1/checkout", _checkout_counted, 201),
    Scenario("checkout replay (same key)", "POST /v1/checkout", _checkout_counted, 200),
    Scenario(
        "empty cart",
        "DELETE /v1/cart",
        lambda b: b.api.delete("/v1/cart", token=b.buyer),
        204,
        prepare=_one_line_in_cart,
    ),
    Scenario(
        "cancel order (2 lines restocked)",
        "POST /v1/orders/{order_id}/cancel",
        lambda b: b.api.post(f"/v1/orders/{b.state['placed']['order_id']}/cancel", token=b.buyer),
        200,
    ),
    Scenario(
        "mark paid (bank transfer)",
        "POST /v1/shops/{shop_id}/orders/{order_id}/mark-paid",
        lambda b: b.api.post(_shop_order_path(b, b.state["transfer_order"], "/mark-paid"), token=b.seller),
        200,
        prepare=_transfer_order,
    ),
    Scenario(
        "ship order",
        "POST /v1/shops/{shop_id}/orders/{order_id}/ship",
        lambda b: b.api.post(
            _shop_order_path(b, b.state["transfer_order"], "/ship"),
            {"carrier": "China Post", "tracking_number": "CP987654321CN"},
            token=b.seller,
        ),
        200,
    ),
    Scenario(
        "deliver order",
        "POST /v1/shops/{shop_id}/orders/{order_id}/deliver",
        lambda b: b.api.post(_shop_order_path(b, b.state["transfer_order"], "/deliver"), token=b.seller),
        200,
    ),
    Scenario("request return", "POST /v1/orders/{order_id}/returns", _request_return, 201),
    Scenario(
        "receive return (refund, restock)",
        "POST /v1/shops/{shop_id}/returns/{return_id}/receive",
        lambda b: b.api.post(
            f"/v1/shops/{_buy_shop(b)}/returns/{b.state['return']['return_id']}/receive", token=b.seller
        ),
        200,
    ),
    Scenario("payment webhook (card paid)", "POST /v1/payments/webhook", _payment_webhook, 200, prepare=_card_order),
    # issue 9: an order's whole history (the newest entries are on the order, older ones are items of their own)
    Scenario(
        "order history, newest page (buyer)",
        "GET /v1/orders/{order_id}/timeline",
        lambda b: b.api.get(f"/v1/orders/{b.state['long_order']['order_id']}/timeline?limit=20", token=b.buyer),
        200,
        prepare=_long_history,
        paged=True,
    ),
    Scenario(
        "order history, older page (buyer)",
        "GET /v1/orders/{order_id}/timeline",
        lambda b: b.api.get(
            f"/v1/orders/{b.state['long_order']['order_id']}/timeline?limit=20&cursor={b.state['history_cursor']}",
            token=b.buyer,
        ),
        200,
        prepare=_long_history,
        paged=True,
    ),
    Scenario(
        "order history, newest page (seller)",
        "GET /v1/shops/{shop_id}/orders/{order_id}/timeline",
        lambda b: b.api.get(_shop_order_path(b, b.state["long_order"], "/timeline?limit=20"), token=b.seller),
        200,
        prepare=_long_history,
        paged=True,
    ),
]
SCENARIOS.extend(BUYING_SCENARIOS)

# --- the rural service network (issue 10) ----------------------------------------------------------------
# A county centre with a village centre, their staff and partner (temporary passwords replaced at the first
# sign-in, so their tokens name the county), and pickup orders of the buying shop at the stages the routes act
# on. Built once through the API (not counted) and the same at every catalog size: the reads' counts must match
# exactly between sizes. bench/network_bench.py measures the same routes with 1k and 10k parcels.

PICKUP = {"name": "Aynur Tohti", "phone": "+86 991 555 0101"}


def _net(b: Bench) -> dict:
    return b.state["network"]


def _first_sign_in(b: Bench, email: str, temporary: str) -> str:
    _expect(b.api.post("/v1/auth/login", {"email": email, "password": temporary}), 401, "temporary password")
    body = {"email": email, "temporary_password": temporary, "new_password": "Bazaar-bench-1"}
    return _expect(b.api.post("/v1/auth/new-password", body), 200, "new password").json["access_token"]


def _new_county(b: Bench, name: str):
    body = {
        "name": name,
        "province": "Xinjiang",
        "prefecture": "Kashgar",
        "county": "Shufu",
        "address": "18 Tuanjie Road",
    }
    return b.api.post("/v1/admin/counties", body, token=b.operator)


def _pickup_order(b: Bench, payment: str = "bank_transfer") -> dict:
    net = _net(b)
    _expect(_cart_put(b, b.state["buy_products"][0], 2), 200, "add to cart")
    body = {"delivery": {"pickup_point": net["village_id"], **PICKUP}, "payment_method": payment}
    reply = b.api.post("/v1/checkout", body, token=b.buyer, headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
    return _expect(reply, 201, "checkout to a pickup point").json["orders"][0]


def _shipped(b: Bench) -> dict:
    order = _pickup_order(b)
    _expect(b.api.post(_shop_order_path(b, order, "/mark-paid"), token=b.seller), 200, "mark paid")
    tracking = f"CP{uuid.uuid4().hex[:10].upper()}CN"
    ship = {"carrier": "China Post", "tracking_number": tracking}
    return _expect(b.api.post(_shop_order_path(b, order, "/ship"), ship, token=b.seller), 200, "ship").json


def _county_path(b: Bench, suffix: str = "") -> str:
    return f"/v1/county/{_net(b)['county_id']}{suffix}"


def _village_path(b: Bench, suffix: str = "") -> str:
    return f"/v1/villages/{_net(b)['village_id']}{suffix}"


def _cycle(b: Bench, orders: list[dict], receive: bool) -> str:
    """Scans `orders` in, puts them on a manifest, dispatches it and (receive) has the village receive them."""
    net = _net(b)
    for order in orders:
        _expect(b.api.post(_county_path(b, "/scans"), {"code": order["order_id"]}, token=net["staff"]), 200, "scan")
    built = b.api.post(_county_path(b, "/manifests"), {"village_id": net["village_id"]}, token=net["staff"])
    manifest_id = _expect(built, 201, "build").json["manifest_id"]
    _expect(b.api.post(_county_path(b, f"/manifests/{manifest_id}/dispatch"), token=net["staff"]), 200, "dispatch")
    if receive:
        codes = {"codes": [o["order_id"] for o in orders]}
        reply = b.api.post(_village_path(b, f"/manifests/{manifest_id}/receive"), codes, token=net["partner"])
        _expect(reply, 200, "receive")
    return manifest_id


def _network_world(b: Bench) -> None:
    """Once: the county, its staff, the village and its partner; a delivered order with a return waiting at the
    village, a ready parcel, a dispatched manifest waiting at the village, a return at the county."""
    _buying_world(b)
    if "network" in b.state:
        return
    county = _expect(_new_county(b, f"Bench centre {uuid.uuid4().hex[:6]}"), 201, "county").json
    staff_email = f"bench-staff-{uuid.uuid4().hex[:8]}@example.com"
    bound = b.api.post(f"/v1/admin/counties/{county['county_id']}/staff", {"email": staff_email}, token=b.operator)
    net = b.state["network"] = {"county_id": county["county_id"]}
    net["staff"] = _first_sign_in(b, staff_email, _expect(bound, 201, "staff").json["temporary_password"])
    partner_email = f"bench-partner-{uuid.uuid4().hex[:8]}@example.com"
    village = b.api.post(
        f"/v1/admin/counties/{county['county_id']}/villages",
        {"name": "Bench village centre", "village": "Yengisar", "address": "3 Bazaar Street", "hours": "09:00-21:00",
         "partner_email": partner_email},
        token=b.operator,
    )  # fmt: skip
    village = _expect(village, 201, "village").json
    net["village_id"] = village["village_id"]
    net["partner"] = _first_sign_in(b, partner_email, village["partner"]["temporary_password"])

    delivered, returned, ready = _shipped(b), _shipped(b), _shipped(b)
    net["received_manifest"] = _cycle(b, [delivered, returned, ready], receive=True)
    for order in (delivered, returned):
        mine = _expect(b.api.get(f"/v1/orders/{order['order_id']}", token=b.buyer), 200, "order").json
        body = {"order_id": order["order_id"], "pickup_code": mine["pickup"]["pickup_code"]}
        _expect(b.api.post(_village_path(b, "/handovers"), body, token=net["partner"]), 200, "hand over")
    net["ready"] = _expect(b.api.get(f"/v1/orders/{ready['order_id']}", token=b.buyer), 200, "order").json
    net["delivered"] = delivered
    line = {"line_id": returned["lines"][0]["line_id"], "quantity": 1}
    back = b.api.post(
        _village_path(b, "/returns"), {"order_id": returned["order_id"], "lines": [line]}, token=net["partner"]
    )
    net["waiting_return"] = _expect(back, 201, "village return").json
    net["to_village"] = _shipped(b)
    net["dispatched_manifest"] = _cycle(b, [net["to_village"]], receive=False)
    net["shipped"] = _shipped(b)


def _scan(b: Bench):
    net = _net(b)
    return b.api.post(
        _county_path(b, "/scans"), {"code": net["shipped"]["shipment"]["tracking_number"]}, token=net["staff"]
    )


def _build(b: Bench):
    net = _net(b)
    reply = b.api.post(_county_path(b, "/manifests"), {"village_id": net["village_id"]}, token=net["staff"])
    if reply.status == 201:
        net["built"] = reply.json["manifest_id"]
    return reply


def _receive(b: Bench):
    net = _net(b)
    body = {"codes": [net["shipped"]["shipment"]["tracking_number"]]}
    return b.api.post(_village_path(b, f"/manifests/{net['built']}/receive"), body, token=net["partner"])


def _hand_over(b: Bench):
    net = _net(b)
    body = {"order_id": net["ready"]["order_id"], "pickup_code": net["ready"]["pickup"]["pickup_code"]}
    return b.api.post(_village_path(b, "/handovers"), body, token=net["partner"])


def _open_village_return(b: Bench):
    net = _net(b)
    order = net["delivered"]
    body = {"order_id": order["order_id"], "lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}]}
    reply = b.api.post(_village_path(b, "/returns"), body, token=net["partner"])
    if reply.status == 201:
        net["village_return"] = reply.json
    return reply


def _build_return_manifest(b: Bench):
    reply = b.api.post(_village_path(b, "/manifests"), token=_net(b)["partner"])
    if reply.status == 201:
        _net(b)["return_manifest"] = reply.json["manifest_id"]
    return reply


def _receive_returns(b: Bench):
    net = _net(b)
    body = {"codes": [net["waiting_return"]["return_id"], net["village_return"]["return_id"]]}
    return b.api.post(_county_path(b, f"/manifests/{net['return_manifest']}/receive"), body, token=net["staff"])


def _new_password_account(b: Bench) -> None:
    email = f"bench-new-{uuid.uuid4().hex[:8]}@example.com"
    path = f"/v1/admin/counties/{_net(b)['county_id']}/staff"
    bound = b.api.post(path, {"email": email}, token=b.operator)
    b.state["new_account"] = (email, _expect(bound, 201, "staff").json["temporary_password"])


def _set_new_password(b: Bench):
    email, temporary = b.state["new_account"]
    body = {"email": email, "temporary_password": temporary, "new_password": "Bazaar-bench-2"}
    return b.api.post("/v1/auth/new-password", body)


def _one_line_to_collect(b: Bench) -> None:
    _expect(_cart_put(b, b.state["buy_products"][0], 1), 200, "add to cart")


def _pickup_checkout(b: Bench):
    body = {"delivery": {"pickup_point": _net(b)["village_id"], **PICKUP}, "payment_method": "cash_on_delivery"}
    return b.api.post("/v1/checkout", body, token=b.buyer, headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})


NETWORK_SCENARIOS: list[Scenario] = [
    # reads: the world above, the same at every catalog size
    Scenario(
        "counties directory",
        "GET /v1/counties",
        lambda b: b.api.get("/v1/counties"),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "village centres of a county",
        "GET /v1/counties/{county_id}/villages",
        lambda b: b.api.get(f"/v1/counties/{_net(b)['county_id']}/villages"),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "county parcels on their way (staff)",
        "GET /v1/county/{county_id}/parcels",
        lambda b: b.api.get(_county_path(b, "/parcels?status=to_village"), token=_net(b)["staff"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "county parcels of one village (staff)",
        "GET /v1/county/{county_id}/parcels",
        lambda b: b.api.get(
            _county_path(b, f"/parcels?status=to_village&village_id={_net(b)['village_id']}"), token=_net(b)["staff"]
        ),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "county manifests dispatched (staff)",
        "GET /v1/county/{county_id}/manifests",
        lambda b: b.api.get(_county_path(b, "/manifests?status=dispatched"), token=_net(b)["staff"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "county manifest (staff)",
        "GET /v1/county/{county_id}/manifests/{manifest_id}",
        lambda b: b.api.get(_county_path(b, f"/manifests/{_net(b)['received_manifest']}"), token=_net(b)["staff"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "county returns at the centre (staff)",
        "GET /v1/county/{county_id}/returns",
        lambda b: b.api.get(_county_path(b, "/returns"), token=_net(b)["staff"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "village manifests to receive (partner)",
        "GET /v1/villages/{village_id}/manifests",
        lambda b: b.api.get(_village_path(b, "/manifests"), token=_net(b)["partner"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "village manifest (partner)",
        "GET /v1/villages/{village_id}/manifests/{manifest_id}",
        lambda b: b.api.get(_village_path(b, f"/manifests/{_net(b)['dispatched_manifest']}"), token=_net(b)["partner"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "village parcels ready for pickup (partner)",
        "GET /v1/villages/{village_id}/parcels",
        lambda b: b.api.get(_village_path(b, "/parcels"), token=_net(b)["partner"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    Scenario(
        "village returns waiting (partner)",
        "GET /v1/villages/{village_id}/returns",
        lambda b: b.api.get(_village_path(b, "/returns"), token=_net(b)["partner"]),
        200,
        prepare=_network_world,
        paged=True,
    ),
    # writes, in order
    Scenario(
        "add a county centre (operator)",
        "POST /v1/admin/counties",
        lambda b: _new_county(b, f"Bench centre {uuid.uuid4().hex[:6]}"),
        201,
        prepare=_network_world,
    ),
    Scenario(
        "bind county staff, new account (operator)",
        "POST /v1/admin/counties/{county_id}/staff",
        lambda b: b.api.post(
            f"/v1/admin/counties/{_net(b)['county_id']}/staff",
            {"email": f"bench-{uuid.uuid4().hex[:8]}@example.com"},
            token=b.operator,
        ),
        201,
    ),
    Scenario(
        "add a village centre, new partner (operator)",
        "POST /v1/admin/counties/{county_id}/villages",
        lambda b: b.api.post(
            f"/v1/admin/counties/{_net(b)['county_id']}/villages",
            {
                "name": "Second centre",
                "village": "Tokzak",
                "address": "1 Street",
                "hours": "10:00-18:00",
                "partner_email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            },
            token=b.operator,
        ),
        201,
    ),  # fmt: skip
    Scenario("set a new password", "POST /v1/auth/new-password", _set_new_password, 200, prepare=_new_password_account),
    Scenario(
        "checkout to a pickup point (1 line)", "POST /v1/checkout", _pickup_checkout, 201, prepare=_one_line_to_collect
    ),
    Scenario("scan a parcel in (tracking number)", "POST /v1/county/{county_id}/scans", _scan, 200),
    Scenario("scan a parcel in again (already)", "POST /v1/county/{county_id}/scans", _scan, 200),
    Scenario("build a manifest (1 parcel)", "POST /v1/county/{county_id}/manifests", _build, 201),
    Scenario(
        "dispatch a manifest",
        "POST /v1/county/{county_id}/manifests/{manifest_id}/dispatch",
        lambda b: b.api.post(_county_path(b, f"/manifests/{_net(b)['built']}/dispatch"), token=_net(b)["staff"]),
        200,
    ),
    Scenario("receive a manifest", "POST /v1/villages/{village_id}/manifests/{manifest_id}/receive", _receive, 200),
    Scenario("hand over with the pickup code", "POST /v1/villages/{village_id}/handovers", _hand_over, 200),
    Scenario("open a return at the village", "POST /v1/villages/{village_id}/returns", _open_village_return, 201),
    Scenario("build a return manifest", "POST /v1/villages/{village_id}/manifests", _build_return_manifest, 201),
    Scenario(
        "dispatch a return manifest",
        "POST /v1/villages/{village_id}/manifests/{manifest_id}/dispatch",
        lambda b: b.api.post(
            _village_path(b, f"/manifests/{_net(b)['return_manifest']}/dispatch"), token=_net(b)["partner"]
        ),
        200,
    ),
    Scenario(
        "receive a return manifest (county)",
        "POST /v1/county/{county_id}/manifests/{manifest_id}/receive",
        _receive_returns,
        200,
    ),
    Scenario(
        "forward a return to its seller",
        "POST /v1/county/{county_id}/returns/{return_id}/forward",
        lambda b: b.api.post(
            _county_path(b, f"/returns/{_net(b)['waiting_return']['return_id']}/forward"),
            {"carrier": "China Post", "tracking_number": "CP987654321CN"},
            token=_net(b)["staff"],
        ),
        200,
    ),
]
SCENARIOS.extend(NETWORK_SCENARIOS)

# --- villagers a partner serves (issue 11): three villagers in the bench village, added once (not counted) ----

VILLAGER_CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}


def _villagers(b: Bench) -> None:
    _network_world(b)
    net = _net(b)
    if "villagers" in net:
        return
    made = []
    for name in ("Aynur Tohti", "Ayshem Tohti", "Memet Ali"):
        body = {"name": name, "phone": "+86 998 555 0142", "consent": VILLAGER_CONSENT}
        made.append(_expect(b.api.post(_village_path(b, "/villagers"), body, token=net["partner"]), 201, "villager"))
    net["villagers"] = [reply.json["villager_id"] for reply in made]


def _villager_path(b: Bench, index: int, suffix: str = "") -> str:
    return _village_path(b, f"/villagers/{_net(b)['villagers'][index]}{suffix}")


VILLAGER_SCENARIOS: list[Scenario] = [
    Scenario(
        "villagers of the village (partner)",
        "GET /v1/villages/{village_id}/villagers",
        lambda b: b.api.get(_village_path(b, "/villagers"), token=_net(b)["partner"]),
        200,
        prepare=_villagers,
        paged=True,
    ),
    Scenario(
        "villagers by name (partner)",
        "GET /v1/villages/{village_id}/villagers",
        lambda b: b.api.get(_village_path(b, "/villagers?q=tohti"), token=_net(b)["partner"]),
        200,
        prepare=_villagers,
        paged=True,
    ),
    Scenario(
        "one villager (partner)",
        "GET /v1/villages/{village_id}/villagers/{villager_id}",
        lambda b: b.api.get(_villager_path(b, 0), token=_net(b)["partner"]),
        200,
        prepare=_villagers,
    ),
    Scenario(
        "add a villager (partner)",
        "POST /v1/villages/{village_id}/villagers",
        lambda b: b.api.post(
            _village_path(b, "/villagers"),
            {"name": "Rozi Qari", "consent": VILLAGER_CONSENT},
            token=_net(b)["partner"],
        ),
        201,
        prepare=_villagers,
    ),
    Scenario(
        "correct a villager's name (partner)",
        "PATCH /v1/villages/{village_id}/villagers/{villager_id}",
        lambda b: b.api.patch(
            _villager_path(b, 1), {"name": f"Ayshem Tohti {uuid.uuid4().hex[:4]}"}, token=_net(b)["partner"]
        ),
        200,
        prepare=_villagers,
    ),
    Scenario(
        "erase a villager (partner)",
        "POST /v1/villages/{village_id}/villagers/{villager_id}/erase",
        lambda b: b.api.post(_villager_path(b, 2, "/erase"), token=_net(b)["partner"]),
        200,
        prepare=_villagers,
    ),
]
SCENARIOS.extend(VILLAGER_SCENARIOS)


# --- producers a partner sells for (issue 11): three producers in the bench village, added once (not counted) ---

PRODUCER_PAYOUT = {"method": "cash_via_partner"}


def _producers(b: Bench) -> None:
    _network_world(b)
    net = _net(b)
    if "producers" in net:
        return
    made = []
    for name in ("Gulnar Ismail", "Abdulla Qadir", "Patigul Rozi"):
        body = {"name": name, "consent": VILLAGER_CONSENT, "payout": PRODUCER_PAYOUT}
        made.append(_expect(b.api.post(_village_path(b, "/producers"), body, token=net["partner"]), 201, "producer"))
    net["producers"] = [reply.json["producer_id"] for reply in made]


def _producer_path(b: Bench, index: int, suffix: str = "") -> str:
    return _village_path(b, f"/producers/{_net(b)['producers'][index]}{suffix}")


def _producer_without_shop(b: Bench) -> None:
    _producers(b)
    body = {"name": "Memet Tursun", "consent": VILLAGER_CONSENT, "payout": PRODUCER_PAYOUT}
    made = _expect(b.api.post(_village_path(b, "/producers"), body, token=_net(b)["partner"]), 201, "producer")
    _net(b)["shopless_producer"] = made.json["producer_id"]


def _open_producer_shop(b: Bench):
    net = _net(b)
    return b.api.post(
        _village_path(b, f"/producers/{net['shopless_producer']}/shops"),
        {"name": f"Doppa caps {uuid.uuid4().hex[:8]}", "storefront": "handicrafts", "description": "Caps"},
        token=net["partner"],
    )


PRODUCER_SCENARIOS: list[Scenario] = [
    Scenario(
        "producers of the village (partner)",
        "GET /v1/villages/{village_id}/producers",
        lambda b: b.api.get(_village_path(b, "/producers"), token=_net(b)["partner"]),
        200,
        prepare=_producers,
        paged=True,
    ),
    Scenario(
        "one producer (partner)",
        "GET /v1/villages/{village_id}/producers/{producer_id}",
        lambda b: b.api.get(_producer_path(b, 0), token=_net(b)["partner"]),
        200,
        prepare=_producers,
    ),
    Scenario(
        "add a producer (partner)",
        "POST /v1/villages/{village_id}/producers",
        lambda b: b.api.post(
            _village_path(b, "/producers"),
            {"name": "Rozi Qari", "consent": VILLAGER_CONSENT, "payout": PRODUCER_PAYOUT},
            token=_net(b)["partner"],
        ),
        201,
        prepare=_producers,
    ),
    Scenario(
        "open a producer's shop (partner)",
        "POST /v1/villages/{village_id}/producers/{producer_id}/shops",
        _open_producer_shop,
        201,
        prepare=_producer_without_shop,
    ),
    Scenario(
        "a producer's statement (partner)",
        "GET /v1/villages/{village_id}/producers/{producer_id}/statement",
        lambda b: b.api.get(_producer_path(b, 0, "/statement"), token=_net(b)["partner"]),
        200,
        prepare=_producers,
    ),
    Scenario(
        "erase a producer (partner)",
        "POST /v1/villages/{village_id}/producers/{producer_id}/erase",
        lambda b: b.api.post(_producer_path(b, 2, "/erase"), token=_net(b)["partner"]),
        200,
        prepare=_producers,
    ),
    Scenario(
        "set a county's producer commission (operator)",
        "PUT /v1/admin/counties/{county_id}/producer-commission",
        lambda b: b.api.put(
            f"/v1/admin/counties/{_net(b)['county_id']}/producer-commission",
            {"percent_bp": 1000, "currency": "CNY"},
            token=b.operator,
        ),
        200,
        prepare=_producers,
    ),
]
SCENARIOS.extend(PRODUCER_SCENARIOS)


# --- assisted orders (issue 11): the bench village's partner orders the buying shop's products for a villager ---


def _assisted_body(b: Bench, payment: str | None = None) -> dict:
    lines = [{"product_id": p["product_id"], "quantity": 1} for p in b.state["buy_products"]]
    body: dict = {"villager_id": _net(b)["villagers"][0], "lines": lines}
    if payment:
        body["payment"] = payment
    return body


def _place_assisted(b: Bench):
    return b.api.post(
        _village_path(b, "/orders"),
        _assisted_body(b, "cash_on_pickup"),
        token=_net(b)["partner"],
        headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )


ASSISTED_SCENARIOS: list[Scenario] = [
    Scenario(
        "set a county's fee rule (operator)",
        "PUT /v1/admin/counties/{county_id}/fee-rule",
        lambda b: b.api.put(
            f"/v1/admin/counties/{_net(b)['county_id']}/fee-rule",
            {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"},
            token=b.operator,
        ),
        200,
        prepare=_villagers,
    ),
    Scenario(
        "quote an assisted order (partner, 2 products)",
        "POST /v1/villages/{village_id}/orders/quote",
        lambda b: b.api.post(_village_path(b, "/orders/quote"), _assisted_body(b), token=_net(b)["partner"]),
        200,
        prepare=_villagers,
    ),
    Scenario(
        "place an assisted order (partner, 2 products)",
        "POST /v1/villages/{village_id}/orders",
        _place_assisted,
        201,
        prepare=_villagers,
    ),
]
SCENARIOS.extend(ASSISTED_SCENARIOS)


# --- the partner's cash (issue 11): the bench village's drawer holds cash as collected at handovers ------------


def _cash(b: Bench) -> None:
    _villagers(b)
    net = _net(b)
    if "remittance" in net:
        return
    from chalicelib.domain.ledger import Account, transfer

    b.container.ledger.post(
        transfer(f"bench-cash:{net['village_id']}", "assisted.handover", b.container.clock(),
                 source=Account.external("cash"), destination=Account.village(net["village_id"], "cash"),
                 amount=1_000_000, currency="CNY")
    )  # fmt: skip
    sent = b.api.post(_village_path(b, "/remittances"), {"amount": 10_000}, token=net["partner"])
    net["remittance"] = _expect(sent, 201, "remittance").json["remittance_id"]


CASH_SCENARIOS: list[Scenario] = [
    Scenario(
        "village remittances (partner)",
        "GET /v1/villages/{village_id}/remittances",
        lambda b: b.api.get(_village_path(b, "/remittances"), token=_net(b)["partner"]),
        200,
        prepare=_cash,
        paged=True,
    ),
    Scenario(
        "village ledger statement (partner)",
        "GET /v1/villages/{village_id}/ledger",
        lambda b: b.api.get(_village_path(b, "/ledger"), token=_net(b)["partner"]),
        200,
        prepare=_cash,
    ),
    Scenario(
        "county remittances pending (staff)",
        "GET /v1/county/{county_id}/remittances",
        lambda b: b.api.get(_county_path(b, "/remittances"), token=_net(b)["staff"]),
        200,
        prepare=_cash,
        paged=True,
    ),
    Scenario(
        "remit cash to the county (partner)",
        "POST /v1/villages/{village_id}/remittances",
        lambda b: b.api.post(_village_path(b, "/remittances"), {"amount": 5_000}, token=_net(b)["partner"]),
        201,
        prepare=_cash,
    ),
    Scenario(
        "confirm a remittance with a variance (staff)",
        "POST /v1/county/{county_id}/remittances/{remittance_id}/confirm",
        lambda b: b.api.post(
            _county_path(b, f"/remittances/{_net(b)['remittance']}/confirm"),
            {"amount_received": 9_500},
            token=_net(b)["staff"],
        ),
        200,
        prepare=_cash,
    ),
]
SCENARIOS.extend(CASH_SCENARIOS)
# --- account confirmation (issue 9). The bench runs on the local stage, where accounts are created confirmed:
# both calls answer 409 already_confirmed for the account "register" made (tests/api/test_account_confirmation.py
# drives the code flow of dev/prod). Cognito only: no DynamoDB call either way.
SCENARIOS.extend(
    [
        Scenario(
            "confirm account (already confirmed)",
            "POST /v1/auth/confirm",
            lambda b: b.api.post("/v1/auth/confirm", {"email": b.state["email"], "code": "123456"}),
            409,
        ),
        Scenario(
            "resend confirmation code (already confirmed)",
            "POST /v1/auth/resend-code",
            lambda b: b.api.post("/v1/auth/resend-code", {"email": b.state["email"]}),
            409,
        ),
    ]
)


# --- makers and origins (issue 15) --------------------------------------------------------------------------
# On the bench seller's seeded handicrafts shop: a document and a maker's photo uploaded the browser's way, a
# maker with products, GI claims on two of the shop's seeded products. The specialties storefront's GI and
# in-season pages read the seeded catalog (bench/catalog_seed.py marks every third specialty GI-verified).

RENAMED_MAKER_PRODUCTS = 3
PDF = b"%PDF-1.4\n% a GI registration certificate\n%%EOF\n"


def _seller_shop(b: Bench) -> str:
    return b.catalog.seller_shop.shop_id


def _announce(b: Bench, purpose: str, content_type: str, body: bytes):
    reply = b.api.post(
        f"/v1/shops/{_seller_shop(b)}/uploads",
        {"purpose": purpose, "content_type": content_type, "size": len(body)},
        token=b.seller,
    )
    if reply.status == 201:
        b.state[f"{purpose}_upload"] = reply.json["upload_id"]
        b.container.media._s3.put_object(
            Bucket=b.container.settings.media_bucket, Key=reply.json["upload"]["fields"]["key"], Body=body
        )
    return reply


def _complete(b: Bench, purpose: str):
    return b.api.post(f"/v1/shops/{_seller_shop(b)}/uploads/{b.state[f'{purpose}_upload']}/complete", token=b.seller)


def _maker_photo(b: Bench) -> None:
    from tests.support import png_bytes

    _expect(_announce(b, "maker_photo", "image/png", png_bytes()), 201, "announce a photo")
    _expect(_complete(b, "maker_photo"), 200, "complete the photo")


def _add_maker(b: Bench, key: str = "maker"):
    from tests.support import REGION

    body = {"name": "Memet Ali", "region": dict(REGION), "craft": "coppersmith", "photo": b.state["maker_photo_upload"]}
    reply = b.api.post(f"/v1/shops/{_seller_shop(b)}/makers", body, token=b.seller)
    if reply.status == 201:
        b.state[key] = reply.json
    return reply


def _maker_path(b: Bench) -> str:
    return f"/v1/shops/{_seller_shop(b)}/makers/{b.state['maker']['maker_id']}"


def _maker_products(b: Bench, key: str = "maker") -> None:
    from tests.support import product_body

    attrs = {"maker_id": b.state[key]["maker_id"], "made_to_order": True, "processing_days": 21}
    for i in range(RENAMED_MAKER_PRODUCTS):
        body = product_body(STOREFRONT, title=f"Hammered copper ewer {i}", attributes=attrs)
        _expect(b.api.post(f"/v1/shops/{_seller_shop(b)}/products", body, token=b.seller), 201, "maker's product")


def _claim_body(b: Bench, product) -> dict:
    return {
        "product_ids": [product.product_id],
        "register": "CNIPA",
        "registration_number": "AGI2011-01-0522",
        "protected_name": "Hotan atlas silk",
        "document": b.state["gi_document_upload"],
    }


def _claimable(b: Bench, n: int):
    return [p for p in b.catalog.products if p.shop_id == _seller_shop(b)][n]


def _submit_claim(b: Bench, n: int, key: str):
    reply = b.api.post(f"/v1/shops/{_seller_shop(b)}/gi-claims", _claim_body(b, _claimable(b, n)), token=b.seller)
    if reply.status == 201:
        b.state[key] = reply.json
    return reply


def _second_claim(b: Bench) -> None:
    _expect(_submit_claim(b, 1, "claim_to_reject"), 201, "second claim")


def _claim_path(b: Bench, key: str, action: str) -> str:
    return f"/v1/admin/gi-claims/{b.state[key]['claim_id']}/{action}"


def _provenance_world(b: Bench) -> None:
    """Once, for the reads (the same at every catalog size): a document, a maker with a photo and
    RENAMED_MAKER_PRODUCTS listed products, a pending GI claim on one of the shop's seeded products."""
    if "world_maker" in b.state:
        return
    _expect(_announce(b, "gi_document", "application/pdf", PDF), 201, "announce a document")
    _expect(_complete(b, "gi_document"), 200, "complete the document")
    _maker_photo(b)
    _expect(_add_maker(b, "world_maker"), 201, "add a maker")
    _maker_products(b, "world_maker")
    _expect(_submit_claim(b, 2, "world_claim"), 201, "a pending claim")


def _world_maker_path(b: Bench) -> str:
    return f"/v1/shops/{_seller_shop(b)}/makers/{b.state['world_maker']['maker_id']}"


def _specialties(**params) -> str:
    return f"/v1/storefronts/specialties/products?{urlencode(params)}"


PROVENANCE_SCENARIOS: list[Scenario] = [
    Scenario(
        "storefront page, gi=verified (specialties)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_specialties(gi="verified")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, in_season=true (specialties)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_specialties(in_season="true")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, gi=verified + in_season=true + prefecture",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_specialties(gi="verified", in_season="true", prefecture="Kashgar")),
        200,
        paged=True,
    ),
    Scenario(
        "storefront page, gi=verified + q (filtered)",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_specialties(gi="verified", q="jujubes")),
        200,
        paged=True,
        filtered=True,
    ),
    Scenario(
        "origins (specialties)",
        "GET /v1/storefronts/{storefront_key}/origins",
        lambda b: b.api.get("/v1/storefronts/specialties/origins"),
        200,
    ),
    Scenario(
        "announce a GI document",
        "POST /v1/shops/{shop_id}/uploads",
        lambda b: _announce(b, "gi_document", "application/pdf", PDF),
        201,
    ),
    Scenario(
        "complete the GI document",
        "POST /v1/shops/{shop_id}/uploads/{upload_id}/complete",
        lambda b: _complete(b, "gi_document"),
        200,
    ),
    Scenario("add a maker (with a photo)", "POST /v1/shops/{shop_id}/makers", _add_maker, 201, prepare=_maker_photo),
    Scenario(
        "shop makers (seller)",
        "GET /v1/shops/{shop_id}/makers",
        lambda b: b.api.get(f"/v1/shops/{_seller_shop(b)}/makers", token=b.seller),
        200,
        prepare=_provenance_world,
        paged=True,
    ),
    Scenario(
        "shop maker (seller)",
        "GET /v1/shops/{shop_id}/makers/{maker_id}",
        lambda b: b.api.get(_world_maker_path(b), token=b.seller),
        200,
        prepare=_provenance_world,
    ),
    Scenario(
        "edit maker (story)",
        "PATCH /v1/shops/{shop_id}/makers/{maker_id}",
        lambda b: b.api.patch(_maker_path(b), {"story": "Raised his first teapot at twelve."}, token=b.seller),
        200,
    ),
    Scenario(
        f"rename maker ({RENAMED_MAKER_PRODUCTS} products)",
        "PATCH /v1/shops/{shop_id}/makers/{maker_id}",
        lambda b: b.api.patch(_maker_path(b), {"name": "Memet Ali Usta"}, token=b.seller),
        200,
        prepare=_maker_products,
        products=RENAMED_MAKER_PRODUCTS,
    ),
    Scenario(
        "maker page (public)",
        "GET /v1/makers/{maker_id}",
        lambda b: b.api.get(f"/v1/makers/{b.state['world_maker']['maker_id']}"),
        200,
        prepare=_provenance_world,
        paged=True,
    ),
    Scenario(
        "submit a GI claim (1 product)",
        "POST /v1/shops/{shop_id}/gi-claims",
        lambda b: _submit_claim(b, 0, "claim"),
        201,
    ),
    Scenario(
        "shop GI claims (seller)",
        "GET /v1/shops/{shop_id}/gi-claims",
        lambda b: b.api.get(f"/v1/shops/{_seller_shop(b)}/gi-claims", token=b.seller),
        200,
        prepare=_provenance_world,
        paged=True,
    ),
    Scenario(
        "GI claim queue (pending)",
        "GET /v1/admin/gi-claims",
        lambda b: b.api.get("/v1/admin/gi-claims?status=pending", token=b.operator),
        200,
        prepare=_provenance_world,
        paged=True,
    ),
    Scenario(
        "verify a GI claim (1 product)",
        "POST /v1/admin/gi-claims/{claim_id}/verify",
        lambda b: b.api.post(_claim_path(b, "claim", "verify"), token=b.operator),
        200,
        products=1,
    ),
    Scenario(
        "reject a GI claim",
        "POST /v1/admin/gi-claims/{claim_id}/reject",
        lambda b: b.api.post(_claim_path(b, "claim_to_reject", "reject"), {"reason": "Not CNIPA's."}, token=b.operator),
        200,
        prepare=_second_claim,
    ),
    Scenario(
        "revoke a GI claim (1 product)",
        "POST /v1/admin/gi-claims/{claim_id}/revoke",
        lambda b: b.api.post(
            _claim_path(b, "claim", "revoke"), {"reason": "Registration cancelled."}, token=b.operator
        ),
        200,
        products=1,
    ),
]
SCENARIOS.extend(PROVENANCE_SCENARIOS)
# --- sellers' money (issue 17) ---------------------------------------------------------------------------------
# A world of its own, the same at every catalog size: two shops that sold, completed (the completion sweep run
# eight days ahead), registered payout details (one of them an account the bank closes) and were paid out once,
# through the local bank simulator (devtools/bank_simulator.py), whose callbacks the webhook scenarios deliver.

CLOSED_ACCOUNT = "6228480012340000"  # the bank simulator fails transfers to accounts ending in 0000
_BANK = None


def _bank(b: Bench):
    global _BANK
    from chalicelib.adapters.payouts_bank import HttpPayoutProvider
    from devtools.bank_simulator import BankSimulator

    settings = b.container.settings
    if _BANK is None:
        _BANK = BankSimulator("unset", "unset", settle_after=None).start()
    _BANK.reset(settings.payout_provider_key, settings.payout_webhook_secret)
    b.container.payouts = HttpPayoutProvider(_BANK.url, lambda: settings.payout_provider_key)
    b.container.settings = dataclasses.replace(settings, payout_provider_url=_BANK.url)
    return _BANK


def _money_shop(b: Bench, account_number: str) -> dict:
    import datetime as dt

    from chalicelib.services import order_lifecycle

    shop = b.factory.shop(b.seller, STOREFRONT, operator=b.operator, name=f"Bench money {uuid.uuid4().hex[:8]}")
    product = b.factory.product(b.seller, shop, title="Copper teapot", stock=BUY_STOCK)
    for _ in range(2):
        _expect(b.api.delete("/v1/cart", token=b.buyer), 204, "empty the cart")  # the buying world leaves a line
        order = _buy(b, product, "bank_transfer")
        path = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"
        _expect(b.api.post(f"{path}/mark-paid", token=b.seller), 200, "mark paid")
        _expect(b.api.post(f"{path}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=b.seller), 200, "ship")
        _expect(b.api.post(f"{path}/deliver", token=b.seller), 200, "deliver")
    c = b.container
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat().replace("+00:00", "Z")
    while order_lifecycle.complete_due(c.buying, c.ledger, c.finance, now=later)["done"]:
        pass
    details = {"holder_name": "Bench Seller", "bank_name": "Bench Bank", "account_number": account_number}
    _expect(b.api.put(f"/v1/shops/{shop['shop_id']}/payout-account", details, token=b.seller), 200, "details")
    return shop


def _money_world(b: Bench) -> None:
    if "money_shop" in b.state:
        return
    from chalicelib.services import payouts

    bank = _bank(b)
    b.state["money_shop"] = _money_shop(b, "6228480012345678901")
    b.state["closed_shop"] = _money_shop(b, CLOSED_ACCOUNT)
    c = b.container
    payouts.run_payouts(c.catalog, c.finance, c.ledger, c.payouts, c.buying, now=c.clock())
    callbacks = sorted(bank.settle(), key=lambda body: b"transfer.failed" in body)
    b.state["callback_paid"], b.state["callback_failed"] = callbacks
    b.state["month"] = c.clock()[:7]


def _money(b: Bench, suffix: str = "") -> str:
    return f"/v1/shops/{b.state['money_shop']['shop_id']}{suffix}"


def _bank_callback(kind: str):
    def request(b: Bench):
        body = b.state[f"callback_{kind}"]
        return b.api.request("POST", "/v1/payouts/webhook", body=body, headers={"X-Bank-Signature": _BANK.sign(body)})

    return request


MONEY_SCENARIOS: list[Scenario] = [
    Scenario(
        "shop balance",
        "GET /v1/shops/{shop_id}/balance",
        lambda b: b.api.get(_money(b, "/balance"), token=b.seller),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "shop ledger (available)",
        "GET /v1/shops/{shop_id}/ledger",
        lambda b: b.api.get(_money(b, "/ledger"), token=b.seller),
        200,
        prepare=_money_world,
        paged=True,
    ),
    Scenario(
        "shop ledger (pending, a period)",
        "GET /v1/shops/{shop_id}/ledger",
        lambda b: b.api.get(_money(b, "/ledger?account=pending&from=2020-01-01&to=2100-01-01"), token=b.seller),
        200,
        prepare=_money_world,
        paged=True,
    ),
    Scenario(
        "monthly statement (JSON)",
        "GET /v1/shops/{shop_id}/statements/{month}",
        lambda b: b.api.get(_money(b, f"/statements/{b.state['month']}"), token=b.seller),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "monthly statement (CSV)",
        "GET /v1/shops/{shop_id}/statements/{month}",
        lambda b: b.api.get(
            _money(b, f"/statements/{b.state['month']}"), token=b.seller, headers={"Accept": "text/csv"}
        ),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "payout details",
        "GET /v1/shops/{shop_id}/payout-account",
        lambda b: b.api.get(_money(b, "/payout-account"), token=b.seller),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "shop payouts",
        "GET /v1/shops/{shop_id}/payouts",
        lambda b: b.api.get(_money(b, "/payouts"), token=b.seller),
        200,
        prepare=_money_world,
        paged=True,
    ),
    Scenario(
        "commissions (operator)",
        "GET /v1/admin/commissions",
        lambda b: b.api.get("/v1/admin/commissions", token=b.operator),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "set a commission (operator)",
        "PUT /v1/admin/commissions/{storefront}",
        lambda b: b.api.put(
            "/v1/admin/commissions/specialties",
            {"percent_bp": 600, "min_amount": {"amount": 0, "currency": "CNY"}},
            token=b.operator,
        ),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "register payout details",
        "PUT /v1/shops/{shop_id}/payout-account",
        lambda b: b.api.put(
            _money(b, "/payout-account"),
            {"holder_name": "Bench Seller", "bank_name": "Bench Bank", "account_number": "6228480099998888"},
            token=b.seller,
        ),
        200,
        prepare=_money_world,
    ),
    Scenario("bank callback (paid)", "POST /v1/payouts/webhook", _bank_callback("paid"), 200, prepare=_money_world),
    Scenario(
        "bank callback (failed: reversal posted)",
        "POST /v1/payouts/webhook",
        _bank_callback("failed"),
        200,
        prepare=_money_world,
    ),
    Scenario(
        "payout run slice (operator)",
        "POST /v1/admin/payouts/run",
        lambda b: b.api.post("/v1/admin/payouts/run", token=b.operator),
        200,
        prepare=_money_world,
    ),
]
SCENARIOS.extend(MONEY_SCENARIOS)

from bench.trade_scenarios import TRADE_SCENARIOS  # noqa: E402  (issue 14: bulk trade's routes)

SCENARIOS.extend(TRADE_SCENARIOS)

from bench.group_scenarios import GROUP_SCENARIOS  # noqa: E402  (issue 19: buy together's routes)

SCENARIOS.extend(GROUP_SCENARIOS)
from bench.market_scenarios import MARKET_SCENARIOS  # noqa: E402  (issue 12: markets)

SCENARIOS.extend(MARKET_SCENARIOS)
# --- buyer trust (issue 13) ------------------------------------------------------------------------------------
# A world of its own, the same at every catalog size: a shop with one product, a buyer of its own with six
# delivered orders (bank transfer), points granted (expiring within 30 days), a review of the first order's line
# and a dispute on it. The writes then walk a dispute through every counted step: opened, answered with a refund
# and accepted (the refund posted), rejected, escalated, decided platform-funded; a review written, replied to,
# reported, hidden.

TRUST_ORDERS = 6


def _trust_buy(b: Bench, token: str, product: dict) -> dict:
    _expect(b.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=token), 200, "cart")
    body = {"delivery": ADDRESS, "payment_method": "bank_transfer"}
    reply = b.api.post("/v1/checkout", body, token=token, headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
    order = _expect(reply, 201, "checkout").json["orders"][0]
    path = f"/v1/shops/{product['shop_id']}/orders/{order['order_id']}"
    _expect(b.api.post(f"{path}/mark-paid", token=b.seller), 200, "mark paid")
    _expect(b.api.post(f"{path}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=b.seller), 200, "ship")
    _expect(b.api.post(f"{path}/deliver", token=b.seller), 200, "deliver")
    return order


def _dispute_body(order: dict) -> dict:
    line = order["lines"][0]["line_id"]
    return {"lines": [{"line_id": line, "quantity": 1}], "reason": "damaged", "description": "Torn"}


def _trust_world(b: Bench) -> None:
    if "trust_shop" in b.state:
        return
    from chalicelib.domain.trust import plus_days, plus_months
    from chalicelib.services import points

    shop = b.factory.shop(b.seller, STOREFRONT, operator=b.operator, name=f"Bench trust {uuid.uuid4().hex[:8]}")
    product = b.factory.product(b.seller, shop, title="Felt rug", stock=BUY_STOCK)
    buyer = b.factory.user("buyer")
    b.state.update(trust_shop=shop, trust_product=product, trust_buyer=buyer)
    b.state["trust_orders"] = [_trust_buy(b, buyer, product) for _ in range(TRUST_ORDERS)]
    first = b.state["trust_orders"][0]
    c = b.container
    buyer_id = _expect(b.api.get("/v1/me", token=buyer), 200, "me").json["user_id"]
    # points granted 12 months less 10 days ago: they expire within 30 days, which "my points" then reads
    granted_at = plus_days(plus_months(c.clock(), -12), 10)
    points.grant(c.trust, c.ledger, buyer_id, 500, f"bench-{uuid.uuid4().hex}", now=granted_at)
    path = f"/v1/orders/{first['order_id']}/lines/{first['lines'][0]['line_id']}/review"
    _expect(b.api.post(path, {"rating": 5, "text": "Soft and thick"}, token=buyer), 201, "review")
    opened = b.api.post(f"/v1/orders/{first['order_id']}/disputes", _dispute_body(first), token=buyer)
    b.state["trust_dispute"] = _expect(opened, 201, "dispute").json


def _trust_order(b: Bench, i: int) -> dict:
    return b.state["trust_orders"][i]


def _open_dispute(i: int, key: str):
    def request(b: Bench):
        order = _trust_order(b, i)
        reply = b.api.post(
            f"/v1/orders/{order['order_id']}/disputes", _dispute_body(order), token=b.state["trust_buyer"]
        )
        if reply.status == 201:
            b.state[key] = reply.json
        return reply

    return request


def _respond(key: str, answer: dict):
    def request(b: Bench):
        path = f"/v1/shops/{b.state['trust_shop']['shop_id']}/disputes/{b.state[key]['dispute_id']}/respond"
        return b.api.post(path, answer, token=b.seller)

    return request


def _buyer_dispute_step(i: int, key: str, step: str):
    def request(b: Bench):
        order = _trust_order(b, i)
        path = f"/v1/orders/{order['order_id']}/disputes/{b.state[key]['dispute_id']}/{step}"
        return b.api.post(path, token=b.state["trust_buyer"])

    return request


def _review_line(b: Bench):
    order = _trust_order(b, 3)
    path = f"/v1/orders/{order['order_id']}/lines/{order['lines'][0]['line_id']}/review"
    reply = b.api.post(path, {"rating": 2, "text": "Smaller than the picture"}, token=b.state["trust_buyer"])
    if reply.status == 201:
        b.state["trust_review"] = reply.json
    return reply


def _review_path(b: Bench, suffix: str) -> str:
    return f"/v1/shops/{b.state['trust_shop']['shop_id']}/reviews/{b.state['trust_review']['review_id']}/{suffix}"


def _evidence_upload(b: Bench):
    from tests.support import png_bytes

    picture = png_bytes()
    reply = b.api.post(
        "/v1/me/uploads", {"content_type": "image/png", "size": len(picture)}, token=b.state["trust_buyer"]
    )
    if reply.status == 201:
        b.state["evidence"] = reply.json
        b.container.media._s3.put_object(
            Bucket=b.container.settings.media_bucket, Key=reply.json["upload"]["fields"]["key"], Body=picture
        )
    return reply


def _first_order(b: Bench) -> dict:
    return _trust_order(b, 0)


TRUST_SCENARIOS: list[Scenario] = [
    # reads: the world above
    Scenario(
        "order disputes (buyer)",
        "GET /v1/orders/{order_id}/disputes",
        lambda b: b.api.get(f"/v1/orders/{_first_order(b)['order_id']}/disputes", token=b.state["trust_buyer"]),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "shop disputes (seller)",
        "GET /v1/shops/{shop_id}/disputes",
        lambda b: b.api.get(f"/v1/shops/{b.state['trust_shop']['shop_id']}/disputes", token=b.seller),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "shop disputes, status=awaiting_seller (seller)",
        "GET /v1/shops/{shop_id}/disputes",
        lambda b: b.api.get(
            f"/v1/shops/{b.state['trust_shop']['shop_id']}/disputes?status=awaiting_seller", token=b.seller
        ),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "disputes awaiting the seller (operator)",
        "GET /v1/admin/disputes",
        lambda b: b.api.get("/v1/admin/disputes?status=awaiting_seller", token=b.operator),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "my points",
        "GET /v1/me/points",
        lambda b: b.api.get("/v1/me/points", token=b.state["trust_buyer"]),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "product reviews (newest)",
        "GET /v1/storefronts/{storefront}/products/{product_id}/reviews",
        lambda b: b.api.get(f"/v1/storefronts/{STOREFRONT}/products/{b.state['trust_product']['product_id']}/reviews"),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "product reviews (rating)",
        "GET /v1/storefronts/{storefront}/products/{product_id}/reviews",
        lambda b: b.api.get(
            f"/v1/storefronts/{STOREFRONT}/products/{b.state['trust_product']['product_id']}/reviews?sort=rating"
        ),
        200,
        prepare=_trust_world,
        paged=True,
    ),
    Scenario(
        "shop trust (rating, dispute rate)",
        "GET /v1/shops/{shop_id}/trust",
        lambda b: b.api.get(f"/v1/shops/{b.state['trust_shop']['shop_id']}/trust"),
        200,
        prepare=_trust_world,
    ),
    # writes, in order
    Scenario("request evidence upload", "POST /v1/me/uploads", _evidence_upload, 201, prepare=_trust_world),
    Scenario(
        "complete evidence upload",
        "POST /v1/me/uploads/{upload_id}/complete",
        lambda b: b.api.post(
            f"/v1/me/uploads/{b.state['evidence']['media_id']}/complete", token=b.state["trust_buyer"]
        ),
        200,
    ),
    Scenario("open dispute", "POST /v1/orders/{order_id}/disputes", _open_dispute(1, "dispute_a"), 201),
    Scenario(
        "answer dispute (refund)",
        "POST /v1/shops/{shop_id}/disputes/{dispute_id}/respond",
        _respond("dispute_a", {"action": "refund", "message": "Sorry"}),
        200,
    ),
    Scenario(
        "accept the answer (refund posted)",
        "POST /v1/orders/{order_id}/disputes/{dispute_id}/accept",
        _buyer_dispute_step(1, "dispute_a", "accept"),
        200,
    ),
    Scenario(
        "answer dispute (reject)",
        "POST /v1/shops/{shop_id}/disputes/{dispute_id}/respond",
        _respond("dispute_b", {"action": "reject", "message": "It left us whole"}),
        200,
        prepare=lambda b: _expect(_open_dispute(2, "dispute_b")(b), 201, "dispute"),
    ),
    Scenario(
        "escalate dispute",
        "POST /v1/orders/{order_id}/disputes/{dispute_id}/escalate",
        _buyer_dispute_step(2, "dispute_b", "escalate"),
        200,
    ),
    Scenario(
        "decide dispute (platform-funded refund)",
        "POST /v1/admin/disputes/{dispute_id}/decide",
        lambda b: b.api.post(
            f"/v1/admin/disputes/{b.state['dispute_b']['dispute_id']}/decide",
            {"refund_amount": 5000, "funded_by": "platform", "note": "Transit damage"},
            token=b.operator,
        ),
        200,
    ),
    Scenario("review an order line", "POST /v1/orders/{order_id}/lines/{line_id}/review", _review_line, 201),
    Scenario(
        "reply to a review",
        "POST /v1/shops/{shop_id}/reviews/{review_id}/reply",
        lambda b: b.api.post(_review_path(b, "reply"), {"text": "We will send a bigger one"}, token=b.seller),
        200,
    ),
    Scenario(
        "ask to hide a review",
        "POST /v1/shops/{shop_id}/reviews/{review_id}/hide-request",
        lambda b: b.api.post(_review_path(b, "hide-request"), {"reason": "Not about the product"}, token=b.seller),
        200,
    ),
    Scenario(
        "hide a review (operator)",
        "POST /v1/admin/reviews/{review_id}/hide",
        lambda b: b.api.post(
            f"/v1/admin/reviews/{b.state['trust_review']['review_id']}/hide", {"reason": "Off topic"}, token=b.operator
        ),
        200,
    ),
    Scenario(
        "points rules (operator)",
        "PUT /v1/admin/points/rules",
        lambda b: b.api.put(
            "/v1/admin/points/rules",
            {"markets": [{"currency": "CNY", "points": 1, "per_amount": 100}]},
            token=b.operator,
        ),
        200,
    ),
    Scenario(
        "partner bank (operator)",
        "PUT /v1/admin/points/partner-bank",
        lambda b: b.api.put(
            "/v1/admin/points/partner-bank",
            {"name": "Silk Road Bank", "bin_ranges": [{"from": "622848", "to": "622849"}], "multiplier": "2"},
            token=b.operator,
        ),
        200,
    ),
    Scenario(
        "checkout redeeming points (1 line)",
        "POST /v1/checkout",
        lambda b: b.api.post(
            "/v1/checkout",
            {"delivery": ADDRESS, "payment_method": "bank_transfer", "points_to_redeem": 100},
            token=b.state["trust_buyer"],
            headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
        ),
        201,
        prepare=lambda b: _expect(
            b.api.put(
                f"/v1/cart/items/{b.state['trust_product']['product_id']}",
                {"quantity": 1},
                token=b.state["trust_buyer"],
            ),
            200,
            "cart",
        ),
    ),
]
SCENARIOS.extend(TRUST_SCENARIOS)


assert all(s.route in BUDGETS for s in SCENARIOS), "every scenario's route needs a budget"


def setup_bench(api, factory, container, n_products: int) -> Bench:
    """Real seller/operator/buyer tokens through the API, then a catalog of n_products seeded directly."""
    seller = factory.user("seller")
    seller_id = _expect(api.get("/v1/me", token=seller), 200, "GET /v1/me").json["user_id"]
    catalog = seed_catalog(n_products, seller_id)
    return Bench(
        api=api,
        factory=factory,
        container=container,
        catalog=catalog,
        seller=seller,
        seller_id=seller_id,
        operator=factory.operator,
        buyer=factory.user("buyer"),
    )


def measure(bench: Bench, scenarios: list[Scenario] | None = None) -> list[Measurement]:
    out = []
    for scenario in scenarios or SCENARIOS:
        if scenario.prepare:
            scenario.prepare(bench)
        with CallRecorder() as rec:
            reply = scenario.request(bench)
        _expect(reply, scenario.status, scenario.name)
        page_full = None
        if scenario.paged:
            page_full = bool(reply.json.get("next_cursor"))
        out.append(Measurement(scenario, rec.dynamodb(), rec.other_services(), reply.status, page_full))
    return out
