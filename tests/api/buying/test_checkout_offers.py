"""Checkout in two calls at the price the buyer was shown (issue 9 / issue 16).

A cart line records the product's offer (title, price, terms, shop, price fingerprint) when the buyer sets it.
Checkout reads the cart (with the idempotency claim) and writes one transaction conditioned on each product's
price fingerprint, listing and stock; it reads the products only when a condition fails. A changed price is
409 `price_changed`, the cart takes the new price, and the next checkout pays it. Transaction conflicts (many
buyers on one product) are retried with jittered backoff instead of becoming 503s.
"""

from __future__ import annotations

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from bench.counting import CallRecorder
from tests.support import Storage, assert_api_error, checkout, stock_of


def add(api, token, product, quantity):
    reply = api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": quantity}, token=token)
    assert reply.status == 200, reply
    return reply.json


def money(amount: int) -> dict:
    return {"amount": amount, "currency": "CNY"}


def line_of(cart: dict, product: dict) -> dict:
    return next(line for g in cart["shops"] for line in g["lines"] if line["product_id"] == product["product_id"])


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def buyer(factory):
    return factory.user("buyer")


def test_a_checkout_of_n_lines_over_k_shops_is_two_calls(api, factory, buyer):
    sellers = [factory.user("seller") for _ in range(3)]
    shops = [factory.shop(s, "handicrafts") for s in sellers]
    products = [factory.product(sellers[i % 3], shops[i % 3], title=f"Scarf {i}", stock=9) for i in range(7)]
    for product in products:
        add(api, buyer, product, 2)

    with CallRecorder() as rec:
        reply = checkout(api, buyer)
    assert reply.status == 201, reply
    assert rec.dynamodb().calls == 2, rec.dynamodb().describe_operations()
    assert dict(rec.dynamodb().operations) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert len(reply.json["orders"]) == 3
    assert all(stock_of(api, sellers[i % 3], p) == 7 for i, p in enumerate(products))


def test_the_order_is_made_from_what_the_buyer_put_in_the_cart(api, factory, seller, buyer):
    shop = factory.shop(seller, "b2b")
    raisins = factory.product(seller, shop, title="Green raisins", stock=500)
    add(api, buyer, raisins, 50)

    (order,) = checkout(api, buyer).json["orders"]
    assert order["shop"] == {"shop_id": shop["shop_id"], "name": shop["name"]}
    assert order["storefront"] == "b2b"
    (line,) = order["lines"]
    assert (line["title"], line["unit_price"], line["attributes"]) == (
        "Green raisins",
        money(10000),
        raisins["attributes"],
    )
    seller_view = api.get(f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}", token=seller)
    assert seller_view.status == 200  # the seller id on the order came from the offer's shop snapshot


def test_a_price_change_after_adding_is_409_price_changed_then_the_cart_shows_it_and_the_next_checkout_pays_it(
    api, stack, factory, seller, buyer
):
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, stock=5)
    cap = factory.product(seller, shop, title="Doppa cap", price=money(4500), stock=5)
    add(api, buyer, scarf, 2)
    add(api, buyer, cap, 1)
    path = f"/v1/shops/{shop['shop_id']}/products/{scarf['product_id']}"
    assert api.patch(path, {"price": money(16900)}, token=seller).status == 200

    storage = Storage(stack)
    before = storage.snapshot()
    error = assert_api_error(checkout(api, buyer, key="repriced"), 409, "price_changed")
    assert [(d["field"], d["code"]) for d in error["details"]] == [(f"lines.{scarf['product_id']}", "price_changed")]
    assert "15900" in error["details"][0]["message"] and "16900" in error["details"][0]["message"]
    after = storage.snapshot()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {f"table:{stack.settings.carts_table}"}  # only the cart's offer was renewed
    assert stock_of(api, seller, scarf) == 5 and stock_of(api, seller, cap) == 5

    cart = api.get("/v1/cart", token=buyer).json
    assert line_of(cart, scarf)["unit_price"] == money(16900) and cart["can_checkout"] is True

    placed = checkout(api, buyer, key="repriced")  # the refused checkout did not use up its key
    assert placed.status == 201, placed
    lines = {line["product_id"]: line for line in placed.json["orders"][0]["lines"]}
    assert lines[scarf["product_id"]]["unit_price"] == money(16900)
    assert lines[cap["product_id"]]["unit_price"] == money(4500)
    assert placed.json["total"] == money(2 * 16900 + 4500)


def test_a_b2b_tier_change_is_a_price_change(api, factory, seller, buyer):
    shop = factory.shop(seller, "b2b")
    raisins = factory.product(seller, shop, stock=500)
    add(api, buyer, raisins, 50)
    tiers = [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 11000}]
    path = f"/v1/shops/{shop['shop_id']}/products/{raisins['product_id']}"
    assert api.patch(path, {"attributes": {**raisins["attributes"], "price_tiers": tiers}}, token=seller).status == 200

    assert_api_error(checkout(api, buyer), 409, "price_changed")
    placed = checkout(api, buyer)
    assert placed.status == 201, placed
    assert placed.json["orders"][0]["lines"][0]["unit_price"] == money(11000)


def test_edits_that_leave_the_price_alone_do_not_refuse_the_checkout(api, factory, seller, buyer):
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, stock=5)
    add(api, buyer, scarf, 1)
    path = f"/v1/shops/{shop['shop_id']}/products/{scarf['product_id']}"
    assert api.patch(path, {"stock": 4, "description": "Now with a gift box."}, token=seller).status == 200

    placed = checkout(api, buyer)
    assert placed.status == 201, placed
    assert stock_of(api, seller, scarf) == 3


def test_other_buyers_stock_updates_do_not_refuse_a_checkout(api, factory, seller):
    """The condition is on the price fingerprint, not on the product's version, which every sale bumps."""
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, stock=10)
    first, second = factory.user("buyer"), factory.user("buyer")
    add(api, first, scarf, 1)
    add(api, second, scarf, 1)
    assert checkout(api, first).status == 201
    assert checkout(api, second).status == 201
    assert stock_of(api, seller, scarf) == 8


def test_a_cart_line_from_before_offers_is_still_checked_out_with_a_product_read(api, stack, factory, seller, buyer):
    from chalicelib.domain.buying import Cart

    scarf = factory.product(seller, factory.shop(seller, "handicrafts"), stock=5)
    add(api, buyer, scarf, 2)
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    cart = stack.buying.get_cart(buyer_id)
    legacy = {pid: {"quantity": line["quantity"], "added_at": line["added_at"]} for pid, line in cart.lines.items()}
    stack.buying.save_cart(Cart(buyer_id, legacy, cart.version), stack.clock())

    with CallRecorder() as rec:
        placed = checkout(api, buyer)
    assert placed.status == 201, placed
    assert rec.dynamodb().calls == 3  # cart + claim, the products (for the old line), the transaction
    assert placed.json["orders"][0]["lines"][0]["unit_price"] == money(15900)
    assert stock_of(api, seller, scarf) == 3


# --- many buyers, one product: transaction conflicts are retried -------------------------------------------


def _conflict(params) -> ClientError:
    reasons = [{"Code": "None"} for _ in params["TransactItems"]]
    reasons[2] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
    response = {
        "Error": {"Code": "TransactionCanceledException", "Message": "injected"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
        "CancellationReasons": reasons,
    }
    return ClientError(response, "TransactWriteItems")


@pytest.fixture
def conflicts(monkeypatch, stack):
    """`conflicts(n)`: the next n TransactWriteItems are cancelled with TransactionConflict (moto never
    produces one by itself). Pauses between retries are recorded, not slept."""
    original = BaseClient._make_api_call
    state = {"left": 0, "fired": 0}

    def make_api_call(client, operation, params):
        if operation == "TransactWriteItems" and state["left"] > 0:
            state["left"] -= 1
            state["fired"] += 1
            raise _conflict(params)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    pauses: list[float] = []
    monkeypatch.setattr(stack.buying, "_sleep", pauses.append)

    def arm(n: int) -> dict:
        state["left"] = n
        return state

    arm.pauses = pauses
    return arm


def test_a_transaction_conflict_is_retried_and_the_checkout_succeeds(api, stack, factory, seller, buyer, conflicts):
    scarf = factory.product(seller, factory.shop(seller, "handicrafts"), stock=5)
    add(api, buyer, scarf, 2)
    state = conflicts(2)

    reply = checkout(api, buyer)
    assert reply.status == 201, reply
    assert state["fired"] == 2
    assert len(conflicts.pauses) == 2 and all(0 <= p <= 0.4 for p in conflicts.pauses)
    assert stock_of(api, seller, scarf) == 3  # sold once


def test_conflicts_beyond_the_retry_budget_are_503_and_change_nothing(api, stack, factory, seller, buyer, conflicts):
    from chalicelib.adapters.orders import CONFLICT_ATTEMPTS

    scarf = factory.product(seller, factory.shop(seller, "handicrafts"), stock=5)
    add(api, buyer, scarf, 2)
    storage = Storage(stack)
    before = storage.snapshot()
    conflicts(100)

    reply = checkout(api, buyer, key="busy")
    error = assert_api_error(reply, 503, "service_unavailable")
    assert error and int(reply.headers["retry-after"]) >= 1
    assert len(conflicts.pauses) <= CONFLICT_ATTEMPTS - 1
    assert storage.snapshot() == before

    conflicts(0)
    assert checkout(api, buyer, key="busy").status == 201
    assert stock_of(api, seller, scarf) == 3
