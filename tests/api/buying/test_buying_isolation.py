"""Isolation for the buyers' routes: an order is its buyer's; a cart, a checkout and a list are the caller's own.

The routes come from the app's registry by scope (tests/api/isolation.py): every BUYER_ORDER route (an order
of the buyer), every ACCOUNT route (the caller's own things) and every PROVIDER route (signed webhooks); the
shops' side of orders and returns is in tests/api/test_tenant_isolation.py. Each test runs all of them
against one kind of intruder, so a new route is covered the moment it is declared. For every refused call,
everything stored (tests.support.Storage), the queue of order events and the rightful owners' own views are
compared before and after: refusing is not enough, nothing may have changed. A control test shows the
rightful caller gets through on every route, so the refusals mean something.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.api.routing import Scope
from chalicelib.domain.identity import Role
from tests.api.isolation import Case, call, cases, control_order
from tests.support import ADDRESS, Storage, assert_api_error, buy, png_bytes, relay_outbox

# --- the routes, from the registry --------------------------------------------------------------------------

BUYER_ORDER_CASES = cases(Scope.BUYER_ORDER)
ACCOUNT_CASES = cases(Scope.ACCOUNT)
BUYER_CASES = BUYER_ORDER_CASES + ACCOUNT_CASES
NOT_FOR_SELLERS = [c for c in BUYER_CASES if c.spec.auth.roles and not c.allows(Role.SELLER)]
NOT_FOR_OPERATORS = [c for c in BUYER_CASES if c.spec.auth.roles and not c.allows(Role.OPERATOR)]
PROVIDER_CASES = cases(Scope.PROVIDER)

# The order a route acts on, by its operationId (default: a pending order).
ORDER_STATE = {
    "requestReturn": "delivered",
    # issue 13: a new dispute and a review on a delivered order; an answered dispute to accept, an open one
    # to escalate
    "openDispute": "delivered",
    "reviewOrderLine": "delivered",
    "listOrderDisputes": "answered",
    "acceptDisputeAnswer": "answered",
    "escalateDispute": "disputed",
}
SHIP = {"carrier": "SF Express", "tracking_number": "SF999"}


# --- the scene: one shop's orders in every state, their buyer, and intruders ---------------------------------------


@dataclass
class Scene:
    seller: str
    shop: dict
    product: dict
    buyer: str
    orders: dict  # state -> order (buyer view)
    ret: dict
    disputes: dict  # state ("answered", "disputed") -> dispute
    upload_id: str  # a picture uploaded to S3 by the buyer, not completed yet

    def value(self, name: str, case: Case) -> str:
        """The scene's value for a path parameter (or body id) of `case`, by its name."""
        order = self.orders[ORDER_STATE.get(case.spec.operation_id, "pending")]
        values = {
            "order_id": order["order_id"],
            "line_id": order["lines"][0]["line_id"],
            "product_id": self.product["product_id"],
            "return_id": self.ret["return_id"],
            "shop_id": self.shop["shop_id"],
            "dispute_id": self.disputes.get(ORDER_STATE.get(case.spec.operation_id, ""), {}).get("dispute_id", ""),
            "upload_id": self.upload_id,
        }
        return values[name]

    def call(self, api, case: Case, token: str | None):
        return call(api, case, lambda name: self.value(name, case), token)

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
    product = factory.product(seller, shop, stock=100)
    buyer = factory.user("buyer")
    orders = {}
    steps = {
        "pending": [],
        "paid": ["mark-paid"],
        "shipped": ["mark-paid", "ship"],
        "delivered": ["mark-paid", "ship", "deliver"],
        "returned": ["mark-paid", "ship", "deliver"],
        "answered": ["mark-paid", "ship", "deliver"],
        "disputed": ["mark-paid", "ship", "deliver"],
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
    disputes = {}
    for state in ("answered", "disputed"):
        order = orders[state]
        body = {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}], "reason": "damaged",
                "description": "Torn"}  # fmt: skip
        opened = api.post(f"/v1/orders/{order['order_id']}/disputes", body, token=buyer)
        assert opened.status == 201, opened
        disputes[state] = opened.json
    answer = {"action": "refund", "message": "Sorry"}
    path = f"/v1/shops/{shop['shop_id']}/disputes/{disputes['answered']['dispute_id']}/respond"
    assert api.post(path, answer, token=seller).status == 200
    picture = png_bytes()
    announced = api.post("/v1/me/uploads", {"content_type": "image/png", "size": len(picture)}, token=buyer)
    assert announced.status == 201, announced
    factory.container.media._s3.put_object(
        Bucket=factory.container.settings.media_bucket, Key=announced.json["upload"]["fields"]["key"], Body=picture
    )
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 3}, token=buyer).status == 200
    return Scene(seller, shop, product, buyer, orders, ret.json, disputes, announced.json["media_id"])


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
    """Events published so far: the outbox relayed first (events are written with their change, in the outbox)."""
    relay_outbox(stack)
    attributes = stack.events._sqs.get_queue_attributes(
        QueueUrl=stack.events._url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def assert_refused_and_unchanged(api, stack, storage, scenes, scene, case, token, statuses):
    """Refused with one of `statuses`, nothing about the order in the answer, and nothing changed: the owners'
    views, the event queue and (for writes: a full scan is slow on moto) everything stored."""
    views = [s.views(api) for s in scenes]
    events = queued(stack)  # relays the outbox: before the snapshot
    before = storage.snapshot() if case.writes else None
    reply = scene.call(api, case, token)
    assert reply.status in statuses, f"{case}: {reply}"
    assert_api_error(reply, reply.status)
    assert ADDRESS["phone"].encode() not in reply.body and ADDRESS["name"].encode() not in reply.body
    if case.writes:
        assert storage.snapshot() == before, f"{case}: stored state changed"
    assert queued(stack) == events, f"{case}: an order event was published"
    assert [s.views(api) for s in scenes] == views, f"{case}: an owner sees a change"
    return reply


# --- another buyer ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", BUYER_ORDER_CASES, ids=str)
def test_a_buyer_cannot_use_another_buyers_order(api, stack, storage, scene, intruder, case):
    assert_refused_and_unchanged(api, stack, storage, [scene, intruder], scene, case, intruder.buyer, {404})


def test_a_buyers_cart_and_orders_are_their_own(api, scene, intruder):
    """The account routes take no id: another buyer's call only ever sees their own."""
    cart = api.get("/v1/cart", token=intruder.buyer).json
    assert {line["product_id"] for g in cart["shops"] for line in g["lines"]} == {intruder.product["product_id"]}
    mine = {o["order_id"] for o in api.get("/v1/orders?limit=100", token=intruder.buyer).json["items"]}
    assert mine == {o["order_id"] for o in intruder.orders.values()}
    assert not mine & {o["order_id"] for o in scene.orders.values()}


# --- the wrong role, nobody -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", NOT_FOR_SELLERS, ids=str)
def test_a_seller_cannot_call_buyer_routes_even_for_their_own_shops_orders(api, stack, storage, scene, case):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, scene.seller, {403})


@pytest.mark.parametrize("case", NOT_FOR_OPERATORS, ids=str)
def test_an_operator_cannot_call_buyer_routes(api, stack, storage, factory, scene, case):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, factory.operator, {403})


@pytest.mark.parametrize("case", BUYER_CASES, ids=str)
def test_an_anonymous_caller_is_401_everywhere(api, stack, storage, scene, case):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, None, {401})


@pytest.mark.parametrize("case", BUYER_CASES, ids=str)
def test_a_forged_token_is_401_everywhere(api, stack, storage, scene, case):
    header, payload, _ = scene.buyer.split(".")
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, f"{header}.{payload}.forged", {401})


@pytest.mark.parametrize("case", PROVIDER_CASES, ids=str)
def test_an_unsigned_provider_webhook_is_401(api, stack, storage, scene, case):
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, None, {401})
    assert_refused_and_unchanged(api, stack, storage, [scene], scene, case, scene.buyer, {401})


# --- control: the rightful caller gets through -------------------------------------------------------------------


def test_the_rightful_caller_gets_through_on_every_route(api, stack, factory):
    fresh = make_scene(api, factory)
    events = queued(stack)
    for case in control_order(BUYER_CASES):
        reply = fresh.call(api, case, fresh.buyer)
        assert reply.status in case.spec.responses, f"{case}: {reply}"
    assert api.get("/v1/me/notifications", token=fresh.seller).status == 200
    assert queued(stack) >= events + 3  # the queue check above has teeth: checkout, cancel, return are published
