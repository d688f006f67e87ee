"""Checkout (idempotent, atomic, one order per shop, snapshots) and the order lifecycle, buyer and seller side.

One moto world per module: every test makes its own users, shops and products.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.support import (
    ADDRESS,
    Storage,
    assert_api_error,
    buy,
    checkout,
    error_fields,
    stock_of,
)


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def shop(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def buyer(factory):
    return factory.user("buyer")


def add(api, token, product, quantity):
    reply = api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": quantity}, token=token)
    assert reply.status == 200, reply
    return reply.json


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "CNY"}


def my_orders(api, token) -> list[dict]:
    reply = api.get("/v1/orders?limit=100", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def order_path(shop, order) -> str:
    return f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"


def seller_view(api, seller, shop, order) -> dict:
    reply = api.get(order_path(shop, order), token=seller)
    assert reply.status == 200, reply
    return reply.json


def buyer_view(api, buyer, order) -> dict:
    reply = api.get(f"/v1/orders/{order['order_id']}", token=buyer)
    assert reply.status == 200, reply
    return reply.json


def at(minutes: int) -> str:
    return (
        (dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


# --- checkout: the request ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "   "}, {"Idempotency-Key": "k" * 101}],
    ids=["missing", "empty", "blank", "too-long"],
)
def test_checkout_needs_an_idempotency_key_of_at_most_100_characters(api, factory, seller, shop, buyer, headers):
    product = factory.product(seller, shop, stock=5)
    add(api, buyer, product, 1)
    reply = api.post("/v1/checkout", {"delivery": ADDRESS, "payment_method": "card"}, token=buyer, headers=headers)
    assert_api_error(reply, 400, "idempotency_key_required")
    assert "Idempotency-Key" in error_fields(reply)
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1
    assert my_orders(api, buyer) == [] and stock_of(api, seller, product) == 5

    assert checkout(api, buyer, key="k" * 100).status == 201  # the longest key is fine


def test_checkout_of_an_empty_cart_is_400(api, buyer):
    assert_api_error(checkout(api, buyer), 400, "empty_cart")
    assert my_orders(api, buyer) == []


@pytest.fixture(scope="module")
def waiting(factory, api):
    """A buyer with one line in the cart that every bad request below leaves as it is."""
    seller = factory.user("seller")
    product = factory.product(seller, factory.shop(seller, "handicrafts"), stock=5)
    buyer = factory.user("buyer")
    add(api, buyer, product, 2)
    return buyer, seller, product


def without(key):
    return {k: v for k, v in ADDRESS.items() if k != key}


BAD_BODIES = [
    ({"delivery": without("name"), "payment_method": "card"}, "delivery.name"),
    ({"delivery": {**ADDRESS, "name": "   "}, "payment_method": "card"}, "delivery.name"),
    ({"delivery": {**ADDRESS, "name": "x" * 101}, "payment_method": "card"}, "delivery.name"),
    ({"delivery": without("phone"), "payment_method": "card"}, "delivery.phone"),
    ({"delivery": {**ADDRESS, "phone": "call me"}, "payment_method": "card"}, "delivery.phone"),
    ({"delivery": {**ADDRESS, "phone": 8699155501}, "payment_method": "card"}, "delivery.phone"),
    ({"delivery": {**ADDRESS, "lines": []}, "payment_method": "card"}, "delivery.lines"),
    ({"delivery": {**ADDRESS, "lines": ["a", "b", "c", "d"]}, "payment_method": "card"}, "delivery.lines"),
    ({"delivery": {**ADDRESS, "lines": [""]}, "payment_method": "card"}, "delivery.lines.0"),
    ({"delivery": {**ADDRESS, "lines": "12 Renmin Road"}, "payment_method": "card"}, "delivery.lines"),
    ({"delivery": {**ADDRESS, "city": ""}, "payment_method": "card"}, "delivery.city"),
    ({"delivery": without("region"), "payment_method": "card"}, "delivery.region"),
    ({"delivery": {**ADDRESS, "postal_code": "844000!"}, "payment_method": "card"}, "delivery.postal_code"),
    ({"delivery": {**ADDRESS, "country": "cn"}, "payment_method": "card"}, "delivery.country"),
    ({"delivery": {**ADDRESS, "country": "CHN"}, "payment_method": "card"}, "delivery.country"),
    ({"delivery": {**ADDRESS, "email": "a@b.c"}, "payment_method": "card"}, "delivery.email"),
    ({"payment_method": "card"}, "delivery"),
    ({"delivery": "12 Renmin Road, Kashgar", "payment_method": "card"}, "delivery"),
    ({"delivery": ADDRESS}, "payment_method"),
    ({"delivery": ADDRESS, "payment_method": "bitcoin"}, "payment_method"),
    ({"delivery": ADDRESS, "payment_method": None}, "payment_method"),
    ({"delivery": ADDRESS, "payment_method": "CARD"}, "payment_method"),
    ({"delivery": ADDRESS, "payment_method": "card", "coupon": "FREE"}, "coupon"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_BODIES)])
def test_a_bad_delivery_address_or_payment_method_is_400_and_changes_nothing(api, waiting, body, field):
    buyer, seller, product = waiting
    reply = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": f"bad-{field}"})
    assert_api_error(reply, 400)
    assert field in error_fields(reply), reply
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1
    assert my_orders(api, buyer) == [] and stock_of(api, seller, product) == 5


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null"], ids=["empty", "truncated", "array", "null"])
def test_a_malformed_checkout_body_is_400(api, waiting, raw):
    buyer, _, _ = waiting
    reply = api.request("POST", "/v1/checkout", body=raw, token=buyer, headers={"Idempotency-Key": "malformed"})
    assert_api_error(reply, 400)
    assert my_orders(api, buyer) == []


@pytest.mark.parametrize("method", ["card", "bank_transfer", "cash_on_delivery"])
def test_every_payment_method_creates_a_pending_payment_order(api, factory, seller, shop, buyer, method):
    product = factory.product(seller, shop, stock=5)
    add(api, buyer, product, 1)
    reply = checkout(api, buyer, payment=method)
    assert reply.status == 201, reply
    (order,) = reply.json["orders"]
    assert order["status"] == "pending_payment" and order["payment_method"] == method
    assert order["paid_at"] is None
    assert buyer_view(api, buyer, order)["payment_method"] == method


# --- checkout: what it creates ---------------------------------------------------------------------------


def test_one_checkout_creates_one_order_per_shop_with_snapshots_and_decrements_stock(api, factory, buyer):
    seller_a, seller_b = factory.user("seller"), factory.user("seller")
    shop_a, shop_b = factory.shop(seller_a, "handicrafts"), factory.shop(seller_b, "b2b")
    scarf = factory.product(seller_a, shop_a, title="Silk scarf", stock=5)
    cap = factory.product(seller_a, shop_a, title="Doppa cap", price={"amount": 4500, "currency": "CNY"}, stock=9)
    raisins = factory.product(seller_b, shop_b, title="Green raisins", stock=500)
    add(api, buyer, scarf, 2)
    add(api, buyer, raisins, 50)
    add(api, buyer, cap, 1)

    reply = checkout(api, buyer, payment="bank_transfer")
    assert reply.status == 201, reply
    assert reply.headers["idempotent-replayed"] == "false"
    result = reply.json
    assert result["replayed"] is False
    assert result["total"] == money(2 * 15900 + 4500 + 50 * 10000)
    assert len(result["orders"]) == 2
    by_shop = {o["shop"]["shop_id"]: o for o in result["orders"]}
    assert set(by_shop) == {shop_a["shop_id"], shop_b["shop_id"]}
    assert {o["checkout_id"] for o in result["orders"]} == {result["checkout_id"]}
    assert len({o["order_id"] for o in result["orders"]}) == 2

    handmade, wholesale = by_shop[shop_a["shop_id"]], by_shop[shop_b["shop_id"]]
    assert handmade["shop"] == {"shop_id": shop_a["shop_id"], "name": shop_a["name"]}
    assert handmade["storefront"] == "handicrafts" and wholesale["storefront"] == "b2b"
    assert [
        (line["product_id"], line["title"], line["quantity"], line["unit_price"], line["line_total"])
        for line in handmade["lines"]
    ] == [
        (scarf["product_id"], "Silk scarf", 2, money(15900), money(31800)),
        (cap["product_id"], "Doppa cap", 1, money(4500), money(4500)),
    ]
    assert handmade["lines"][0]["attributes"] == scarf["attributes"]
    assert len({line["line_id"] for line in handmade["lines"]}) == 2
    assert handmade["total"] == money(36300)
    (raisin_line,) = wholesale["lines"]
    assert raisin_line["unit_price"] == money(10000)  # the 50+ tier
    assert raisin_line["attributes"] == raisins["attributes"]
    for order in result["orders"]:
        assert order["status"] == "pending_payment" and order["payment_method"] == "bank_transfer"
        assert order["delivery"] == ADDRESS
        assert order["refunded"] == money(0) and order["refunds"] == []
        assert order["paid_at"] is None and order["shipment"] is None and order["delivered_at"] is None
        assert order["return_window_closes"] is None
        assert [(e["actor"], e["action"], e["status"]) for e in order["timeline"]] == [
            ("buyer", "placed", "pending_payment")
        ]
        assert "buyer_id" not in order
        assert buyer_view(api, buyer, order) == order  # what the checkout answered is what is stored

    assert stock_of(api, seller_a, scarf) == 3
    assert stock_of(api, seller_a, cap) == 8
    assert stock_of(api, seller_b, raisins) == 450
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 0

    # Later product edits do not reach the orders.
    new_attrs = {**scarf["attributes"], "maker": "Someone else", "materials": ["cotton"]}
    edited = api.patch(
        f"/v1/shops/{shop_a['shop_id']}/products/{scarf['product_id']}",
        {"title": "Cotton scarf", "price": {"amount": 100, "currency": "CNY"}, "attributes": new_attrs},
        token=seller_a,
    )
    assert edited.status == 200, edited
    tiers = [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 4000}]
    edited = api.patch(
        f"/v1/shops/{shop_b['shop_id']}/products/{raisins['product_id']}",
        {"attributes": {**raisins["attributes"], "price_tiers": tiers}},
        token=seller_b,
    )
    assert edited.status == 200, edited
    assert api.delete(f"/v1/shops/{shop_a['shop_id']}/products/{cap['product_id']}", token=seller_a).status == 204
    for order, seller, shop in ((handmade, seller_a, shop_a), (wholesale, seller_b, shop_b)):
        assert buyer_view(api, buyer, order) == order
        assert {k: v for k, v in seller_view(api, seller, shop, order).items() if k != "buyer_id"} == order


def test_stock_that_ran_out_after_adding_is_409_naming_the_line_and_nothing_changes(api, stack, factory, buyer):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, stock=5)
    cap = factory.product(seller, shop, title="Doppa cap", stock=9)
    add(api, buyer, scarf, 2)
    add(api, buyer, cap, 3)
    assert (
        api.patch(f"/v1/shops/{shop['shop_id']}/products/{cap['product_id']}", {"stock": 2}, token=seller).status == 200
    )

    storage = Storage(stack)
    before = storage.snapshot()
    reply = checkout(api, buyer, key="after-restock")
    error = assert_api_error(reply, 409, "lines_unavailable")
    assert {d["field"] for d in error["details"]} == {f"lines.{cap['product_id']}"}
    assert storage.snapshot() == before  # no orders, stock intact, cart intact, key not taken
    cart = api.get("/v1/cart", token=buyer).json
    assert cart["line_count"] == 2 and cart["can_checkout"] is False

    # Fixing the cart and retrying with the same key works: a refused checkout does not use up its key.
    add(api, buyer, cap, 2)
    retried = checkout(api, buyer, key="after-restock")
    assert retried.status == 201, retried
    assert stock_of(api, seller, scarf) == 3 and stock_of(api, seller, cap) == 0


@pytest.mark.parametrize("how", ["archived", "draft", "shop suspended"])
def test_a_product_gone_after_adding_is_409_and_nothing_changes(api, stack, factory, buyer, how):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    kept = factory.product(seller, shop, title="Kept", stock=5)
    gone = factory.product(seller, shop, title="Gone", stock=5)
    add(api, buyer, kept, 1)
    add(api, buyer, gone, 1)
    path = f"/v1/shops/{shop['shop_id']}/products/{gone['product_id']}"
    if how == "archived":
        assert api.delete(path, token=seller).status == 204
    elif how == "draft":
        assert api.patch(path, {"status": "draft"}, token=seller).status == 200
    else:
        assert api.post(f"/v1/admin/shops/{shop['shop_id']}/suspend", token=factory.operator).status == 200

    storage = Storage(stack)
    before = storage.snapshot()
    if how == "shop suspended":  # issue 9: the transaction checks each shop's status
        error = assert_api_error(checkout(api, buyer), 409, "shop_unavailable")
        assert {d["field"] for d in error["details"]} == {f"shops.{shop['shop_id']}"}
    else:
        error = assert_api_error(checkout(api, buyer), 409, "lines_unavailable")
        assert {d["field"] for d in error["details"]} == {f"lines.{gone['product_id']}"}
    assert storage.snapshot() == before


def test_b2b_rules_are_checked_again_at_checkout(api, factory, buyer):
    seller = factory.user("seller")
    shop = factory.shop(seller, "b2b")
    raisins = factory.product(seller, shop, stock=500)
    add(api, buyer, raisins, 20)
    attrs = {
        **raisins["attributes"],
        "moq": 30,
        "price_tiers": [{"min_quantity": 30, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
    }
    assert (
        api.patch(
            f"/v1/shops/{shop['shop_id']}/products/{raisins['product_id']}", {"attributes": attrs}, token=seller
        ).status
        == 200
    )
    error = assert_api_error(checkout(api, buyer), 409, "lines_unavailable")
    assert [(d["field"], d.get("code")) for d in error["details"]] == [(f"lines.{raisins['product_id']}", "below_moq")]
    assert stock_of(api, seller, raisins) == 500 and my_orders(api, buyer) == []


def _cart_across_shops(api, stack, factory, buyer, shops: int, lines: int = 40) -> list[str]:
    """A cart of `lines` one-unit lines from `shops` active shops (products and shops written as rows: through
    the API that many is slow on moto); returns the product ids."""
    from chalicelib.domain.buying import Cart

    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    template = factory.product(seller, shop, stock=3)
    client, products, shop_table = stack.buying._client, stack.settings.products_table, stack.settings.shops_table
    item = client.get_item(TableName=products, Key={"product_id": {"S": template["product_id"]}})["Item"]
    shop_item = client.get_item(TableName=shop_table, Key={"shop_id": {"S": shop["shop_id"]}})["Item"]
    snapshot = json.loads(item["shop"]["S"])
    for k in range(shops):
        client.put_item(TableName=shop_table, Item={**shop_item, "shop_id": {"S": f"{shop['shop_id']}s{k:02d}"}})
    ids, cart_lines = [], {}
    for i in range(lines):
        product_id, shop_id = f"{template['product_id']}s{i:02d}", f"{shop['shop_id']}s{i % shops:02d}"
        client.put_item(
            TableName=products,
            Item={
                **item,
                "product_id": {"S": product_id},
                "shop_id": {"S": shop_id},
                "shop": {"S": json.dumps({**snapshot, "shop_id": shop_id, "name": f"Shop {i % shops}"})},
            },
        )
        ids.append(product_id)
        cart_lines[product_id] = {"quantity": 1, "added_at": at(i)}
    stack.buying.save_cart(Cart(api.get("/v1/me", token=buyer).json["user_id"], cart_lines), stack.clock())
    return ids


def test_a_checkout_of_40_lines_from_28_shops_fits_one_transaction(api, stack, factory, buyer):
    """The stated maximum: 40 lines (the cart's limit) across 28 shops is 100 transaction actions (claim, cart,
    unpaid holds, 40 stock updates, 28 shop checks, 28 orders, the outbox item)."""
    ids = _cart_across_shops(api, stack, factory, buyer, shops=28)
    assert api.get("/v1/cart", token=buyer).json["can_checkout"] is True
    reply = checkout(api, buyer)
    assert reply.status == 201, reply
    assert len(reply.json["orders"]) == 28
    assert reply.json["total"] == money(40 * 15900)
    stored = stack.buying.get_products(ids)
    assert {p.stock for p in stored.values()} == {2}


def test_a_checkout_from_more_than_28_shops_is_400_and_changes_nothing(api, stack, factory, buyer):
    ids = _cart_across_shops(api, stack, factory, buyer, shops=29)
    storage = Storage(stack)
    before = storage.snapshot()
    assert_api_error(checkout(api, buyer), 400, "too_many_shops")
    assert storage.snapshot() == before
    assert {p.stock for p in stack.buying.get_products(ids).values()} == {3}


@pytest.fixture
def between_reads_and_write(stack):
    """Runs a callback after checkout has read what it reads (the cart, with each line's offer), right before
    its transaction (a race, made deterministic): `between_reads_and_write(fn)`; fn() may change the store."""
    repo = stack.buying
    original = repo.place_orders
    hooks = []

    def place_orders(*args, **kwargs):
        if hooks:
            hooks.pop(0)()
        return original(*args, **kwargs)

    repo.place_orders = place_orders
    yield hooks.append
    repo.place_orders = original


def test_stock_sold_between_the_read_and_the_transaction_is_409_naming_exactly_those_lines(api, stack, factory, buyer):
    seller_a, seller_b = factory.user("seller"), factory.user("seller")
    shop_a, shop_b = factory.shop(seller_a, "handicrafts"), factory.shop(seller_b, "handicrafts")
    plenty = factory.product(seller_a, shop_a, title="Plenty", stock=50)
    short_a = factory.product(seller_a, shop_a, title="Short A", stock=2)
    short_b = factory.product(seller_b, shop_b, title="Short B", stock=1)
    add(api, buyer, plenty, 5)
    add(api, buyer, short_a, 2)
    add(api, buyer, short_b, 1)
    # Others buy meanwhile. Checkout reads only the cart (whose offers said there was stock enough when the
    # lines were set), never the products before its transaction: the transaction's conditions see the sale.
    for product, seller, left in ((short_a, seller_a, 1), (short_b, seller_b, 0)):
        path = f"/v1/shops/{product['shop_id']}/products/{product['product_id']}"
        assert api.patch(path, {"stock": left}, token=seller).status == 200

    storage = Storage(stack)
    before = storage.snapshot()
    error = assert_api_error(checkout(api, buyer), 409, "lines_unavailable")
    assert {d["field"] for d in error["details"]} == {
        f"lines.{short_a['product_id']}",
        f"lines.{short_b['product_id']}",
    }
    assert storage.snapshot() == before
    assert [stock_of(api, s, p) for s, p in ((seller_a, plenty), (seller_a, short_a), (seller_b, short_b))] == [
        50,
        1,
        0,
    ]


def test_a_cart_changed_during_checkout_is_409_and_nothing_is_sold(
    api, stack, factory, seller, shop, buyer, between_reads_and_write
):
    from chalicelib.domain.buying import Cart

    scarf = factory.product(seller, shop, stock=5)
    add(api, buyer, scarf, 2)
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]

    def another_tab_changes_the_cart():
        cart = stack.buying.get_cart(buyer_id)
        stack.buying.save_cart(
            Cart(buyer_id, {scarf["product_id"]: {**cart.lines[scarf["product_id"]], "quantity": 3}}, cart.version),
            stack.clock(),
        )

    between_reads_and_write(another_tab_changes_the_cart)
    assert_api_error(checkout(api, buyer, key="raced"), 409, "cart_changed")
    assert my_orders(api, buyer) == [] and stock_of(api, seller, scarf) == 5
    cart = api.get("/v1/cart", token=buyer).json
    assert cart["shops"][0]["lines"][0]["quantity"] == 3  # the other change stands
    retried = checkout(api, buyer, key="raced")  # and the key is still free
    assert retried.status == 201, retried
    assert retried.json["orders"][0]["lines"][0]["quantity"] == 3 and stock_of(api, seller, scarf) == 2


# --- checkout: idempotency -------------------------------------------------------------------------------


def test_replaying_a_checkout_returns_the_same_result_and_changes_nothing(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    add(api, buyer, product, 2)
    body = {"delivery": ADDRESS, "payment_method": "card"}
    first = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": "once"})
    assert first.status == 201, first

    storage = Storage(stack)
    before = storage.snapshot()
    reordered = {"payment_method": "card", "delivery": dict(reversed(list(ADDRESS.items())))}
    for replay_body in (body, reordered):  # the same request, whatever the key order
        again = api.post("/v1/checkout", replay_body, token=buyer, headers={"Idempotency-Key": "once"})
        assert again.status == 200, again
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json == {**first.json, "replayed": True}
    assert storage.snapshot() == before
    assert len(my_orders(api, buyer)) == 1 and stock_of(api, seller, product) == 3

    # Even with a new cart, the old key answers the old result and leaves the new cart alone.
    add(api, buyer, product, 1)
    again = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": "once"})
    assert again.status == 200 and again.json["checkout_id"] == first.json["checkout_id"]
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1
    assert stock_of(api, seller, product) == 3


def test_the_same_key_with_another_body_is_422_and_changes_nothing(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    add(api, buyer, product, 1)
    assert checkout(api, buyer, key="k", payment="card").status == 201
    add(api, buyer, product, 1)
    storage = Storage(stack)
    before = storage.snapshot()
    assert_api_error(checkout(api, buyer, key="k", payment="bank_transfer"), 422, "idempotency_key_reused")
    moved = {**ADDRESS, "city": "Hotan"}
    assert_api_error(checkout(api, buyer, key="k", payment="card", delivery=moved), 422, "idempotency_key_reused")
    assert storage.snapshot() == before
    assert checkout(api, buyer, key="k2", payment="card").status == 201  # a new key is a new checkout


def test_keys_belong_to_their_buyer(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    other = factory.user("buyer")
    add(api, buyer, product, 1)
    add(api, other, product, 2)
    mine = checkout(api, buyer, key="shared-key")
    theirs = checkout(api, other, key="shared-key")
    assert mine.status == 201 and theirs.status == 201, (mine, theirs)
    assert mine.json["checkout_id"] != theirs.json["checkout_id"]
    assert stock_of(api, seller, product) == 2


# --- reading orders -----------------------------------------------------------------------------------------


def test_a_buyer_lists_and_reads_only_their_own_orders(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    other = factory.user("buyer")
    first = buy(api, buyer, {product["product_id"]: 1})[0]
    second = buy(api, buyer, {product["product_id"]: 2})[0]
    theirs = buy(api, other, {product["product_id"]: 3})[0]

    assert [o["order_id"] for o in my_orders(api, buyer)] == [second["order_id"], first["order_id"]]  # newest first
    assert [o["order_id"] for o in my_orders(api, other)] == [theirs["order_id"]]
    assert buyer_view(api, buyer, first)["lines"][0]["quantity"] == 1
    assert_api_error(api.get(f"/v1/orders/{theirs['order_id']}", token=buyer), 404, "order_not_found")
    assert_api_error(api.get(f"/v1/orders/{first['order_id']}", token=other), 404, "order_not_found")
    assert_api_error(api.get("/v1/orders/ord_nope", token=buyer), 404, "order_not_found")

    page = api.get("/v1/orders?limit=1", token=buyer).json
    assert [o["order_id"] for o in page["items"]] == [second["order_id"]] and page["next_cursor"]
    page = api.get(f"/v1/orders?limit=1&cursor={page['next_cursor']}", token=buyer).json
    assert [o["order_id"] for o in page["items"]] == [first["order_id"]]
    cursor = api.get("/v1/orders?limit=1", token=buyer).json["next_cursor"]
    assert_api_error(api.get(f"/v1/orders?limit=1&cursor={cursor}", token=other), 400, "invalid_cursor")


def test_a_seller_lists_shop_orders_by_status_with_cursor_paging(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=100)  # one buyer holds 15 unpaid: within 20 % of the stock
    other_shop = factory.shop(seller, "handicrafts")  # the same seller's other shop
    elsewhere = buy(api, buyer, {factory.product(seller, other_shop)["product_id"]: 1})[0]
    orders = [buy(api, buyer, {product["product_id"]: i + 1}, payment="bank_transfer")[0] for i in range(5)]
    for order in orders[:2]:
        assert api.post(f"{order_path(shop, order)}/mark-paid", token=seller).status == 200
    assert api.post(f"/v1/orders/{orders[2]['order_id']}/cancel", token=buyer).status == 200

    def listing(query=""):
        ids, cursor, pages = [], None, 0
        while True:
            url = f"/v1/shops/{shop['shop_id']}/orders?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
            reply = api.get(url, token=seller)
            assert reply.status == 200, reply
            assert len(reply.json["items"]) <= 2
            ids += [o["order_id"] for o in reply.json["items"]]
            for o in reply.json["items"]:
                assert o["shop"]["shop_id"] == shop["shop_id"] and o["buyer_id"]
            pages += 1
            cursor = reply.json["next_cursor"]
            if not cursor:
                return ids, pages

    newest_first = [o["order_id"] for o in sorted(orders, key=lambda o: (o["created_at"], o["order_id"]), reverse=True)]
    ids, pages = listing()
    assert ids == newest_first and pages >= 3
    assert elsewhere["order_id"] not in ids
    paid = [i for i in newest_first if i in {o["order_id"] for o in orders[:2]}]
    assert listing("&status=paid")[0] == paid
    pending = [i for i in newest_first if i in {o["order_id"] for o in orders[3:]}]
    assert listing("&status=pending_payment")[0] == pending
    assert listing("&status=cancelled")[0] == [orders[2]["order_id"]]
    assert listing("&status=shipped")[0] == []
    assert listing("&status=")[0] == newest_first

    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}/orders?status=lost", token=seller), 400)
    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}/orders?limit=0", token=seller), 400)
    cursor = api.get(f"/v1/shops/{shop['shop_id']}/orders?limit=1&status=paid", token=seller).json["next_cursor"]
    assert_api_error(
        api.get(f"/v1/shops/{shop['shop_id']}/orders?limit=1&cursor={cursor}", token=seller), 400, "invalid_cursor"
    )  # a cursor belongs to its query
    assert_api_error(
        api.get(f"/v1/shops/{other_shop['shop_id']}/orders?limit=1&status=paid&cursor={cursor}", token=seller),
        400,
        "invalid_cursor",
    )


def test_the_timeline_records_who_did_what_when_and_both_sides_see_it(api, stack, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    add(api, buyer, product, 1)
    stack.clock = lambda: at(0)
    order = checkout(api, buyer, payment="bank_transfer").json["orders"][0]
    path = order_path(shop, order)
    stack.clock = lambda: at(60)
    assert api.post(f"{path}/mark-paid", token=seller).status == 200
    stack.clock = lambda: at(120)
    assert api.post(f"{path}/ship", {"carrier": "SF Express", "tracking_number": "SF123"}, token=seller).status == 200
    stack.clock = lambda: at(3000)
    assert api.post(f"{path}/deliver", token=seller).status == 200

    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    seller_id = api.get("/v1/me", token=seller).json["user_id"]
    expected = [
        {"at": at(0), "actor": "buyer", "action": "placed", "status": "pending_payment", "note": None},
        {"at": at(60), "actor": "seller", "action": "paid", "status": "paid", "note": None},
        {"at": at(120), "actor": "seller", "action": "shipped", "status": "shipped", "note": "SF Express SF123"},
        {"at": at(3000), "actor": "seller", "action": "delivered", "status": "delivered", "note": None},
    ]
    # who did it: the user id as well as the role (issue 9), and each entry's place in the whole history
    for seq, entry in enumerate(expected, start=1):
        entry.update(actor_id=buyer_id if entry["actor"] == "buyer" else seller_id, seq=seq)
    mine, theirs = buyer_view(api, buyer, order), seller_view(api, seller, shop, order)
    for view in (mine, theirs):
        assert view["timeline"] == expected
        assert view["status"] == "delivered"
        assert view["created_at"] == at(0) and view["updated_at"] == at(3000)
        assert view["paid_at"] == at(60) and view["delivered_at"] == at(3000)
        assert view["shipment"] == {"carrier": "SF Express", "tracking_number": "SF123", "shipped_at": at(120)}
        assert view["return_window_closes"] == at(3000 + 7 * 24 * 60)
    assert {k: v for k, v in theirs.items() if k != "buyer_id"} == mine
    assert theirs["buyer_id"] == buyer_id


# --- privacy ----------------------------------------------------------------------------------------------------


def test_delivery_details_are_seen_only_by_the_buyer_and_the_selling_shop(api, factory, buyer):
    seller_a, seller_b = factory.user("seller"), factory.user("seller")
    shop_a, shop_b = factory.shop(seller_a, "handicrafts"), factory.shop(seller_b, "handicrafts")
    a_product, b_product = factory.product(seller_a, shop_a), factory.product(seller_b, shop_b)
    orders = buy(api, buyer, {a_product["product_id"]: 1, b_product["product_id"]: 1})
    order_a = next(o for o in orders if o["shop"]["shop_id"] == shop_a["shop_id"])
    order_b = next(o for o in orders if o["shop"]["shop_id"] == shop_b["shop_id"])

    for order in orders:
        assert buyer_view(api, buyer, order)["delivery"] == ADDRESS
    mine = seller_view(api, seller_a, shop_a, order_a)
    assert mine["delivery"] == ADDRESS
    assert [line["product_id"] for line in mine["lines"]] == [a_product["product_id"]]  # not shop B's lines
    listed = api.get(f"/v1/shops/{shop_a['shop_id']}/orders", token=seller_a).json["items"]
    assert [o["order_id"] for o in listed] == [order_a["order_id"]] and listed[0]["delivery"] == ADDRESS

    # Seller A never sees order B (and so not its delivery details), whichever way it is asked.
    attempts = [
        api.get(order_path(shop_b, order_b), token=seller_a),
        api.get(order_path(shop_a, order_b), token=seller_a),
        api.get(f"/v1/shops/{shop_b['shop_id']}/orders", token=seller_a),
        api.get(f"/v1/shops/{shop_b['shop_id']}/orders?status=pending_payment", token=seller_a),
        api.get(f"/v1/orders/{order_b['order_id']}", token=seller_a),
        api.get("/v1/orders", token=seller_a),
        api.get(f"/v1/orders/{order_b['order_id']}", token=factory.user("buyer")),
    ]
    for reply in attempts:
        assert reply.status in (403, 404), reply
        assert_api_error(reply, reply.status)
        assert ADDRESS["phone"].encode() not in reply.body and ADDRESS["name"].encode() not in reply.body


# --- transitions ------------------------------------------------------------------------------------------------


def test_illegal_transitions_are_409_and_change_nothing(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    order = buy(api, buyer, {product["product_id"]: 1}, payment="bank_transfer")[0]
    path = order_path(shop, order)
    ship = (f"{path}/ship", {"carrier": "SF", "tracking_number": "SF1"}, seller)
    deliver = (f"{path}/deliver", None, seller)
    mark_paid = (f"{path}/mark-paid", None, seller)
    cancel = (f"/v1/orders/{order['order_id']}/cancel", None, buyer)

    def refused(*calls):
        before = seller_view(api, seller, shop, order)
        for url, body, token in calls:
            reply = api.post(url, body, token=token)
            assert_api_error(reply, 409)
            assert reply.json["error"]["code"] in ("illegal_order_transition", "already_paid"), (url, reply)
        assert seller_view(api, seller, shop, order) == before

    def moved(call, status):
        url, body, token = call
        reply = api.post(url, body, token=token)
        assert reply.status == 200 and reply.json["status"] == status, reply

    refused(ship, deliver)  # an unpaid bank transfer cannot ship; nothing unshipped can be delivered
    moved(mark_paid, "paid")
    refused(mark_paid, deliver)
    moved(ship, "shipped")
    refused(cancel, ship, mark_paid)
    moved(deliver, "delivered")
    refused(cancel, ship, deliver, mark_paid)
    assert stock_of(api, seller, product) == 9

    other = buy(api, buyer, {product["product_id"]: 1}, payment="bank_transfer")[0]
    assert api.post(f"/v1/orders/{other['order_id']}/cancel", token=buyer).status == 200
    order = other
    path = order_path(shop, other)
    refused(
        (f"{path}/ship", {"carrier": "SF", "tracking_number": "SF1"}, seller),
        (f"{path}/deliver", None, seller),
        (f"{path}/mark-paid", None, seller),
        (f"/v1/orders/{other['order_id']}/cancel", None, buyer),
    )


def test_cash_on_delivery_ships_unpaid_and_is_marked_paid_after_delivery(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    order = buy(api, buyer, {product["product_id"]: 2}, payment="cash_on_delivery")[0]
    path = order_path(shop, order)
    shipped = api.post(f"{path}/ship", {"carrier": "China Post", "tracking_number": "CP-77"}, token=seller)
    assert shipped.status == 200, shipped
    assert shipped.json["status"] == "shipped" and shipped.json["paid_at"] is None
    delivered = api.post(f"{path}/deliver", token=seller).json
    assert delivered["status"] == "delivered" and delivered["paid_at"] is None
    paid = api.post(f"{path}/mark-paid", token=seller)
    assert paid.status == 200, paid
    assert paid.json["status"] == "delivered" and paid.json["paid_at"]
    last = paid.json["timeline"][-1]
    assert (last["actor"], last["action"], last["status"]) == ("seller", "paid", "delivered")
    assert_api_error(api.post(f"{path}/mark-paid", token=seller), 409, "already_paid")
    assert buyer_view(api, buyer, order)["paid_at"] == paid.json["paid_at"]


def test_cash_on_delivery_can_also_be_paid_before_shipping(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    order = buy(api, buyer, {product["product_id"]: 1}, payment="cash_on_delivery")[0]
    paid = api.post(f"{order_path(shop, order)}/mark-paid", token=seller)
    assert paid.status == 200 and paid.json["status"] == "paid"


def test_a_card_order_is_not_marked_paid_by_the_seller_nor_shipped_unpaid(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=10)
    order = buy(api, buyer, {product["product_id"]: 1}, payment="card")[0]
    before = seller_view(api, seller, shop, order)
    assert_api_error(api.post(f"{order_path(shop, order)}/mark-paid", token=seller), 409, "card_payment")
    assert_api_error(
        api.post(f"{order_path(shop, order)}/ship", {"carrier": "SF", "tracking_number": "1"}, token=seller),
        409,
        "illegal_order_transition",
    )
    assert seller_view(api, seller, shop, order) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"carrier": "SF"},
        {"tracking_number": "SF1"},
        {"carrier": "", "tracking_number": "SF1"},
        {"carrier": "SF", "tracking_number": "SF 1"},
        {"carrier": "SF", "tracking_number": "SF1", "eta": "soon"},
    ],
    ids=["empty", "no-tracking", "no-carrier", "blank-carrier", "bad-tracking", "extra-field"],
)
def test_a_bad_shipment_is_400(api, factory, seller, shop, buyer, body):
    product = factory.product(seller, shop, stock=10)
    order = buy(api, buyer, {product["product_id"]: 1}, payment="cash_on_delivery")[0]
    assert_api_error(api.post(f"{order_path(shop, order)}/ship", body, token=seller), 400)
    assert seller_view(api, seller, shop, order)["status"] == "pending_payment"


def test_cancelling_restores_the_stock_of_every_line_exactly_once(api, factory, seller, shop, buyer):
    scarf = factory.product(seller, shop, stock=5)
    cap = factory.product(seller, shop, title="Doppa cap", stock=1)
    order = buy(api, buyer, {scarf["product_id"]: 3, cap["product_id"]: 1})[0]
    assert (stock_of(api, seller, scarf), stock_of(api, seller, cap)) == (2, 0)
    assert (
        api.patch(f"/v1/shops/{shop['shop_id']}/products/{scarf['product_id']}", {"stock": 10}, token=seller).status
        == 200
    )  # the seller restocked meanwhile

    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["refunded"] == money(0) and cancelled.json["refunds"] == []  # nothing was paid
    assert cancelled.json["timeline"][-1]["actor"] == "buyer"
    assert cancelled.json["timeline"][-1]["action"] == "cancelled"
    assert (stock_of(api, seller, scarf), stock_of(api, seller, cap)) == (13, 1)

    assert_api_error(api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer), 409)
    assert (stock_of(api, seller, scarf), stock_of(api, seller, cap)) == (13, 1)
    assert seller_view(api, seller, shop, order)["status"] == "cancelled"
    cancelled_list = api.get(f"/v1/shops/{shop['shop_id']}/orders?status=cancelled", token=seller).json["items"]
    assert [o["order_id"] for o in cancelled_list] == [order["order_id"]]
    assert api.get(f"/v1/shops/{shop['shop_id']}/orders?status=pending_payment", token=seller).json["items"] == []


def test_cancelling_a_paid_order_records_a_refund(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    order = buy(api, buyer, {product["product_id"]: 2}, payment="bank_transfer")[0]
    assert api.post(f"{order_path(shop, order)}/mark-paid", token=seller).status == 200
    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert cancelled.json["refunded"] == money(2 * 15900)
    assert [r["amount"] for r in cancelled.json["refunds"]] == [money(2 * 15900)]
    assert seller_view(api, seller, shop, order)["refunded"] == money(2 * 15900)
    assert stock_of(api, seller, product) == 5


def test_a_cancelled_order_can_be_cancelled_even_if_its_product_was_archived(api, factory, seller, shop, buyer):
    product = factory.product(seller, shop, stock=5)
    order = buy(api, buyer, {product["product_id"]: 2})[0]
    assert api.delete(f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", token=seller).status == 204
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 200
    assert stock_of(api, seller, product) == 5
