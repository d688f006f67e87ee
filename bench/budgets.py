"""THE call budget of every API route: the most DynamoDB calls one request may make.

One table, used by `make bench` (prints pass/fail) and by tests/integration/test_call_budgets.py (a hard
gate in the normal suite). Every route of the app must be listed here (the test checks it), so a new
route lands with its budget. Read routes get 1 call; write routes their real counts. A read route may
exceed 1 only when it is listed, with the reason, in READ_EXCEPTIONS (the test enforces both ways).

`per_product` is for the routes that copy a shop's summary/status onto each of its live products
(approve, suspend, rename): one TransactWriteItems per product that changes. Their base already includes
the one Query that lists the live products, which pages by 100: a shop with more than 100 live products
costs one more Query per further 100 (`allowed()` accounts for it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    calls: int  # DynamoDB calls per request (the base, for per-product routes)
    why: str
    per_product: int = 0  # + this many per live product of the shop that the request re-writes


READ = 1  # every read route: one DynamoDB call, unless listed in READ_EXCEPTIONS

# The read routes allowed more than one call, and why one is impossible. Nothing else may exceed READ
# (tests/integration/test_call_budgets.py), and every entry here must really need it (budget > READ).
READ_EXCEPTIONS: dict[str, str] = {
    "GET /v1/cart": (
        "2 calls: GetItem of the cart, then one BatchGetItem of its products. The page shows current prices "
        "(b2b tiers), stock and availability, which live on the products and change after a line is added, "
        "so they cannot be snapshotted on the cart; and which products to read is only known once the cart "
        "is read (no key to batch them with it). Constant in the number of lines (up to 100 per batch)."
    ),
}

BUDGETS: dict[str, Budget] = {
    # --- reads ------------------------------------------------------------------------------------
    "GET /v1/storefronts": Budget(0, "static: the storefronts are domain constants"),
    "GET /v1/storefronts/{storefront_key}/products": Budget(
        READ, "one Query of one facet partition (listings table or its price-index), whatever the filters"
    ),
    "GET /v1/storefronts/{storefront_key}/products/{product_id}": Budget(
        READ, "one GetItem: the shop summary is denormalised on the product"
    ),
    "GET /v1/storefronts/{storefront_key}/shops": Budget(READ, "one Query of storefront-status-index"),
    "GET /v1/shops/{shop_id}": Budget(READ, "one GetItem"),
    "GET /v1/me": Budget(0, "the verified token is the whole answer"),
    "GET /v1/openapi.json": Budget(0, "generated from the code's schemas and routes"),
    "GET /v1/docs": Budget(0, "a static page rendering /v1/openapi.json"),
    "GET /v1/me/shops": Budget(READ, "one Query of owner-index"),
    "GET /v1/admin/shops": Budget(READ, "one Query of status-index"),
    "GET /v1/shops/{shop_id}/products": Budget(
        READ,
        "one Query of shop-index; ownership checked on the products' shop snapshot "
        "(an empty page costs one more GetItem, of the shop, to tell an empty shop from a foreign one)",
    ),
    "GET /v1/shops/{shop_id}/products/{product_id}": Budget(
        READ, "one GetItem of the product; ownership checked on its shop snapshot"
    ),
    # --- writes (real counts) ---------------------------------------------------------------------
    "POST /v1/auth/register": Budget(0, "Cognito only"),
    "POST /v1/auth/login": Budget(0, "Cognito only"),
    "POST /v1/shops": Budget(1, "one TransactWriteItems: shop + slug claim"),
    "PATCH /v1/shops/{shop_id}": Budget(
        3,
        "GetItem shop + conditional PutItem; a new name or region adds the Query of the live products "
        "and one transaction per product",
        per_product=1,
    ),
    "POST /v1/admin/shops/{shop_id}/approve": Budget(
        3,
        "GetItem shop + conditional PutItem + Query of its live products, then one transaction per product",
        per_product=1,
    ),
    "POST /v1/admin/shops/{shop_id}/suspend": Budget(
        3, "as approve: the products leave the storefronts with their shop", per_product=1
    ),
    "POST /v1/shops/{shop_id}/products": Budget(
        2, "GetItem shop + one TransactWriteItems (product, shop-status check, one listing per facet)"
    ),
    "PATCH /v1/shops/{shop_id}/products/{product_id}": Budget(
        3, "GetItem shop + GetItem product + one TransactWriteItems (listings moved in the same transaction)"
    ),
    "DELETE /v1/shops/{shop_id}/products/{product_id}": Budget(
        3, "GetItem shop + GetItem product + one TransactWriteItems (archive, listings removed)"
    ),
    "POST /v1/shops/{shop_id}/products/{product_id}/media": Budget(
        2, "GetItem product + conditional PutItem of the pending upload (the presigned POST is signed locally)"
    ),
    "POST /v1/shops/{shop_id}/products/{product_id}/media/{media_id}/complete": Budget(
        5, "GetItem shop + GetItem product + GetItem pending + TransactWriteItems + DeleteItem pending"
    ),
    "DELETE /v1/shops/{shop_id}/products/{product_id}/media/{media_id}": Budget(
        3, "GetItem shop + GetItem product + TransactWriteItems"
    ),
    # --- buying (issue 4; measured by bench/checkout_bench.py) ------------------------------------
    "GET /v1/cart": Budget(
        2,  # a READ_EXCEPTIONS entry
        "GetItem cart + one BatchGetItem of its products (current prices, stock, status): which products to "
        "read is only known once the cart is read",
    ),
    "POST /v1/checkout": Budget(
        2,
        "BatchGetItem cart + idempotency claim, one TransactWriteItems (claim, cart, a stock update per line "
        "conditioned on stock, listing and the price fingerprint of the offer the cart line recorded, an order "
        "per shop), whatever the lines and shops. Was 3: the products were read to price the orders and check "
        "them; the cart lines now carry the offer (title, terms, price, shop) and the transaction's conditions "
        "do the checking. A refused line costs one BatchGetItem of the products, to say why (and one cart put "
        "when a price changed); a replay is 2: the first BatchGetItem + one BatchGetItem of its orders",
    ),
    "GET /v1/orders": Budget(READ, "one Query of the orders' buyer-index"),
    "GET /v1/orders/{order_id}": Budget(READ, "one GetItem"),
    "GET /v1/shops/{shop_id}/orders": Budget(
        READ,
        "one Query of shop-index (shop-status-index with ?status=); ownership proven by the orders' seller "
        "snapshot (an empty page costs one more GetItem, of the shop)",
    ),
    "GET /v1/shops/{shop_id}/orders/{order_id}": Budget(
        READ, "one GetItem; ownership from the order's seller snapshot"
    ),
    "GET /v1/shops/{shop_id}/returns": Budget(
        READ,
        "one Query of the returns' shop-index; ownership proven by the returns' seller snapshot (an empty "
        "page costs one more GetItem, of the shop)",
    ),
    "GET /v1/me/notifications": Budget(READ, "one Query of the user's notifications partition"),
    "PUT /v1/cart/items/{product_id}": Budget(
        3,
        "GetItem cart + ONE BatchGetItem of the cart's products with the one added (is it listed? its offer, "
        "and the answer's current prices) + the version-checked put (a one-action TransactWriteItems); was 4 "
        "with the added product read on its own",
    ),
    "DELETE /v1/cart": Budget(1, "one DeleteItem"),
    "POST /v1/orders/{order_id}/cancel": Budget(
        2, "GetItem order + one TransactWriteItems (order, version-checked; each line's stock restored)"
    ),
    "POST /v1/orders/{order_id}/returns": Budget(
        2, "GetItem order + one TransactWriteItems (order's returned quantities, version-checked; the return)"
    ),
    "POST /v1/shops/{shop_id}/orders/{order_id}/ship": Budget(
        2, "GetItem order (ownership from its seller snapshot) + one version-checked TransactWriteItems"
    ),
    "POST /v1/shops/{shop_id}/orders/{order_id}/deliver": Budget(2, "as ship"),
    "POST /v1/shops/{shop_id}/orders/{order_id}/mark-paid": Budget(2, "as ship"),
    "POST /v1/shops/{shop_id}/returns/{return_id}/receive": Budget(
        3,
        "GetItem return + GetItem of its order (its id is only known from the return) + one TransactWriteItems "
        "(return and order version-checked, each line's stock restored)",
    ),
    "POST /v1/payments/webhook": Budget(
        2, "GetItem order + one TransactWriteItems (order, version-checked; the event id claimed against replays)"
    ),
}

# Items read / items returned, for the scenarios where a page must not read what it does not return.
# A query of one token reads its exact facet partition (issue 16 keeps it at <= 1.05); a query of several
# tokens reads the partition of its most selective token and filters by the others, so its amplification is
# measured and reported (bench/run.py), not capped.
MAX_READ_AMPLIFICATION: dict[str, float] = {
    "storefront page": 1.05,
    "storefront page, q (one word)": 1.05,
    "storefront page, q + category": 1.05,
}

SHOP_PRODUCTS_PAGE = 100  # a shop's live products are listed 100 per Query (all_live_shop_products)


def allowed(route: str, products: int = 0) -> int:
    """The most DynamoDB calls `route` may make when it re-writes `products` live products of a shop."""
    budget = BUDGETS[route]
    if not budget.per_product:
        return budget.calls
    extra_pages = max(0, math.ceil(products / SHOP_PRODUCTS_PAGE) - 1)
    return budget.calls + extra_pages + budget.per_product * products
