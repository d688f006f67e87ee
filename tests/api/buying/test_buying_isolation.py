"""Isolation for every buying route: a shop's orders and returns are its seller's, an order is its buyer's.

Three tables list the routes (seller routes under a shop, buyer routes under an order, the buyer's own cart,
checkout and order list); each test runs a whole table against one kind of intruder, so adding a route is one
line. For every refused call, everything stored (tests.support.Storage), the queue of order events and the
rightful owners' own views are compared before and after: refusing is not enough, nothing may have changed.
A control test shows the rightful caller gets through on every route, so the refusals mean something.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.support import ADDRESS, Storage, assert_api_error, buy

# --- the routes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # placeholders: {shop} {order} {return} {product} {line}
    body: dict | None = None
    state: str = "pending"  # which of the scene's orders {order} and {line} name: the one this route can act on
    headers: dict | None = None

    def __str__(self) -> str:
        return self.name


SHIP = {"carrier": "SF Express", "tracking_number": "SF999"}
SELLER_ROUTES = [
    Route("shop orders", "GET", "/v1/shops/{shop}/orders"),
    Route("shop orders by status", "GET", "/v1/shops/{shop}/orders?status=paid"),
    Route("shop order", "GET", "/v1/shops/{shop}/orders/{order}"),
    Route("ship", "POST", "/v1/shops/{shop}/orders/{order}/ship", SHIP, state="paid"),
    Route("deliver", "POST", "/v1/shops/{shop}/orders/{order}/deliver", state="shipped"),
    Route("mark paid", "POST", "/v1/shops/{shop}/orders/{order}/mark-paid"),
    Route("shop returns", "GET", "/v1/shops/{shop}/returns"),
    Route("receive return", "POST", "/v1/shops/{shop}/returns/{return}/receive"),
]
SELLER_ITEM_ROUTES = [r for r in SELLER_ROUTES if "{order}" in r.path or "{return}" in r.path]

BUYER_ORDER_ROUTES = [
    Route("order", "GET", "/v1/orders/{order}"),
    Route("cancel", "POST", "/v1/orders/{order}/cancel"),
    Route(
        "return",
        "POST",
        "/v1/orders/{order}/returns",
        {"lines": [{"line_id": "{line}", "quantity": 1}]},
        state="delivered",
    ),
]
BUYER_ACCOUNT_ROUTES = [
    Route("cart", "GET", "/v1/cart"),
    Route("set cart line", "PUT", "/v1/cart/items/{product}", {"quantity": 1}),
    Route(
        "checkout",
        "POST",
        "/v1/checkout",
        {"delivery": ADDRESS, "payment_method": "cash_on_delivery"},
        headers={"Idempotency-Key": "isolation-checkout"},
    ),
    Route("my orders", "GET", "/v1/orders"),
    Route("empty cart", "DELETE", "/v1/cart"),
]
BUYER_ROUTES = BUYER_ORDER_ROUTES + BUYER_ACCOUNT_ROUTES
SIGNED_IN_ROUTES = [Route("notifications", "GET", "/v1/me/notifications")]
ALL_ROUTES = SELLER_ROUTES + BUYER_ROUTES + SIGNED_IN_ROUTES


# --- the scene: one shop's orders in every state, their buyer, and intruders ---------------------------------------


@dataclass
class Scene:
    seller: str
    shop: dict
    second_shop: dict  # the same seller's other shop
    product: dict
    buyer: str
    orders: dict  # state -> order (buyer view)
    ret: dict

    def ids(self, route: Route, **overrides) -> dict:
        order = self.orders[route.state]
        return {
            "shop": self.shop["shop_id"],
            "order": order["order_id"],
            "line": order["lines"][0]["line_id"],
            "return": self.ret["return_id"],
            "product": self.product["product_id"],
            **overrides,
        }

    def call(self, api, route: Route, token: str | None, **overrides):
        ids = self.ids(route, **overrides)
        body = json.loads(json.dumps(route.body).replace("{line}", ids["line"])) if route.body else None
        return api.request(route.method, route.path.format(**ids), json_body=body, token=token, headers=route.headers)

    def views(self, api) -> dict:
        """What the seller and the buyer see of everything here."""
        shop_id = self.shop["shop_id"]
        paths = [
            (self.seller, f"/v1/shops/{shop_id}/orders?limit=100"),
            (self.seller, f"/v1/shops/{shop_id}/returns?limit=100"),
            (self.buyer, "/v1/orders?limit=100"),
            (self.buyer, "/v1/cart"),
        ]
        seen = {}
        for token, path in paths:
            reply = api.get(path, token=token)
            assert reply.status == 200, reply
            seen[path] = reply.json
        return seen


def make_scene(api, factory) -> Scene:
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    second_shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=100)
    buyer = factory.user("buyer")
    orders = {}
    steps = {
        "pending": [],
        "paid": ["mark-paid"],
        "shipped": ["mark-paid", "ship"],
        "delivered": ["mark-paid", "ship", "deliver"],
        "returned": ["mark-paid", "ship", "deliver"],
    }
    for state, actions in steps.items():
        (order,) = buy(api, buyer, {product["product_id"]: 2}, payment="bank_transfer")
        for action in actions:
            reply = api.post(
                f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/{action}",
                SHIP if action == "ship" else None,
                token=seller,
            )
            assert reply.status == 200, reply
            order = reply.json
        orders[state] = order
    returned = orders["returned"]
    ret = api.post(
        f"/v1/orders/{returned['order_id']}/returns",
        {"lines": [{"line_id": returned["lines"][0]["line_id"], "quantity": 1}]},
        token=buyer,
    )
    assert ret.status == 201, ret
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 3}, token=buyer).status == 200
    return Scene(seller, shop, second_shop, product, buyer, orders, ret.json)


@pytest.fixture(scope="module")
def scene(api, factory) -> Scene:
    return make_scene(api, factory)


@pytest.fixture(scope="module")
def intruder(api, factory) -> Scene:
    """Another seller with their own shop, orders and returns, and their own buyer."""
    return make_scene(api, factory)


@pytest.fixture(scope="module")
def storage(stack) -> Storage:
    return Storage(stack)


def queued(stack) -> int:
    attributes = stack.events._sqs.get_queue_attributes(
        QueueUrl=stack.events._url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def assert_refused_and_unchanged(api, stack, storage, scenes, scene, route, token, statuses, **overrides):
    """Refused with one of `statuses`, nothing about the order in the answer, and nothing changed: the owners'
    views, the event queue and (for writes: a full scan is slow on moto) everything stored."""
    writes = route.method != "GET"
    views = [s.views(api) for s in scenes]
    before, events = storage.snapshot() if writes else None, queued(stack)
    reply = scene.call(api, route, token, **overrides)
    assert reply.status in statuses, f"{route}: {reply}"
    assert_api_error(reply, reply.status)
    assert ADDRESS["phone"].encode() not in reply.body and ADDRESS["name"].encode() not in reply.body
    if writes:
        assert storage.snapshot() == before, f"{route}: stored state changed"
    assert queued(stack) == events, f"{route}: an order event was published"
    assert [s.views(api) for s in scenes] == views, f"{route}: an owner sees a change"
    return reply


# --- another seller ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_a_seller_cannot_use_another_sellers_shop_orders_and_returns(api, stack, storage, scene, intruder, route):
    assert_refused_and_unchanged(api, stack, storage, [scene, intruder], scene, route, intruder.seller, {403, 404})


@pytest.mark.parametrize("route", SELLER_ITEM_ROUTES, ids=str)
def test_a_seller_cannot_reach_another_shops_order_or_return_through_their_own_shop(
    api, stack, storage, scene, intruder, route
):
    """Own shop id in the path, the victim's order or return after it."""
    assert_refused_and_unchanged(
        api, stack, storage, [scene, intruder], scene, route, intruder.seller, {404}, shop=intruder.shop["shop_id"]
    )


@pytest.mark.parametrize("route", SELLER_ITEM_ROUTES, ids=str)
def test_a_seller_cannot_reach_their_own_order_or_return_through_another_sellers_shop(
    api, stack, storage, scene, intruder, route
):
    """The victim's shop id in the path, the intruder's own order or return after it."""
    assert_refused_and_unchanged(
        api, stack, storage, [scene, intruder], intruder, route, intruder.seller, {403, 404}, shop=scene.shop["shop_id"]
    )


@pytest.mark.parametrize("route", SELLER_ITEM_ROUTES, ids=str)
def test_an_order_is_only_reachable_under_its_own_shop_even_for_a_seller_owning_both(api, stack, storage, scene, route):
    assert_refused_and_unchanged(
        api, stack, storage, [scene], scene, route, scene.seller, {404}, shop=scene.second_shop["shop_id"]
    )


# --- another buyer ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", BUYER_ORDER_ROUTES, ids=str)
def test_a_buyer_cannot_use_another_buyers_order(api, stack, storage, scene, intruder, route):
    assert_refused_and_unchanged(api, stack, storage, [scene, intruder], scene, route, intruder.buyer, {404})


def test_a_buyers_cart_and_orders_are_their_own(api, scene, intruder):
    """The account routes take no id: another buyer's call only ever sees their own."""
    cart = api.get("/v1/cart", token=intruder.buyer).json
    assert {line["product_id"] for g in cart["shops"] for line in g["lines"]} == {intruder.product["product_id"]}
    mine = {o["order_id"] for o in api.get("/v1/orders?limit=100", token=intruder.buyer).json["items"]}
    assert mine == {o["order_id"] for o in intruder.orders.values()}
    assert not mine & {o["order_id"] for o in scene.orders.values()}


# --- the wrong role, nobody -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_a_buyer_cannot_call_seller_routes_even_for_their_own_orders(api, stack, storage, scene, route):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, route, scene.buyer, {403})


@pytest.mark.parametrize("route", BUYER_ROUTES, ids=str)
def test_a_seller_cannot_call_buyer_routes_even_for_their_own_shops_orders(api, stack, storage, scene, route):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, route, scene.seller, {403})


@pytest.mark.parametrize("route", SELLER_ROUTES + BUYER_ROUTES, ids=str)
def test_an_operator_cannot_call_buyer_or_seller_routes(api, stack, storage, factory, scene, route):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, route, factory.operator, {403})


@pytest.mark.parametrize("route", ALL_ROUTES, ids=str)
def test_an_anonymous_caller_is_401_everywhere(api, stack, storage, scene, route):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, route, None, {401})


@pytest.mark.parametrize("route", ALL_ROUTES, ids=str)
def test_a_forged_token_is_401_everywhere(api, stack, storage, scene, route):
    header, payload, _ = scene.buyer.split(".")
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, route, f"{header}.{payload}.forged", {401})


def test_an_unsigned_payment_webhook_is_401(api, stack, storage, scene):
    order = scene.orders["pending"]
    webhook = Route(
        "payment webhook",
        "POST",
        "/v1/payments/webhook",
        {"event_id": "evt_anon", "type": "payment.succeeded", "order_id": order["order_id"], "amount": order["total"]},
    )
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, webhook, None, {401})
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, webhook, scene.buyer, {401})


# --- control: the rightful caller gets through -------------------------------------------------------------------


def test_the_rightful_caller_gets_through_on_every_route(api, stack, factory):
    fresh = make_scene(api, factory)
    events = queued(stack)
    for route in SELLER_ROUTES:
        reply = fresh.call(api, route, fresh.seller)
        assert reply.status == 200, f"{route}: {reply}"
    for route in BUYER_ROUTES + SIGNED_IN_ROUTES:
        reply = fresh.call(api, route, fresh.buyer)
        assert reply.status in (200, 201, 204), f"{route}: {reply}"
    assert api.get("/v1/me/notifications", token=fresh.seller).status == 200
    assert queued(stack) >= events + 6  # the queue check above has teeth: each change is published
