"""The API contract: every route with its auth, body, parameters and responses.

The OpenAPI document is generated from this table and the pydantic schemas in schemas.py; a test checks
that the table and Chalice's routes are the same set, and the API tests validate every response they see
against the generated document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLIC = "public"
OPTIONAL = "optional"  # public, but a token (if sent) is verified and may widen what is visible
SIGNED_IN = "signed-in"

LIMIT = ("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "page size")
CURSOR = ("cursor", {"type": "string", "maxLength": 2048}, "next_cursor of the previous page, unchanged")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    auth: str | tuple[str, ...]
    responses: dict[int, str | None]
    body: str | None = None
    query: tuple[tuple[str, dict, str], ...] = ()
    errors: tuple[int, ...] = ()
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict)


SELLER = ("seller",)
OPERATOR = ("operator",)
ETAG = (("ETag", "the product's version; send it back as If-Match"),)
IF_MATCH = (("If-Match", "ETag from a previous read; a stale value gives 412"),)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/auth/register",
        "Register as a buyer or seller",
        "identity",
        PUBLIC,
        {201: "UserPublic"},
        body="RegisterIn",
        errors=(409,),
    ),
    Operation(
        "POST",
        "/v1/auth/login",
        "Log in with email and password",
        "identity",
        PUBLIC,
        {200: "TokenPublic"},
        body="LoginIn",
        errors=(401,),
    ),
    Operation("GET", "/v1/me", "The caller", "identity", SIGNED_IN, {200: "UserPublic"}),
    Operation(
        "POST",
        "/v1/shops",
        "Open a shop (pending until an operator approves it)",
        "shops",
        SELLER,
        {201: "ShopPublic"},
        body="ShopCreate",
        errors=(409,),
    ),
    Operation("GET", "/v1/shops/{shop_id}", "A shop (active shops are public)", "shops", OPTIONAL, {200: "ShopPublic"}),
    Operation(
        "PATCH",
        "/v1/shops/{shop_id}",
        "Edit your shop",
        "shops",
        SELLER,
        {200: "ShopPublic"},
        body="ShopUpdate",
        errors=(409,),
    ),
    Operation("GET", "/v1/me/shops", "Your shops", "shops", SELLER, {200: "ShopsPage"}, query=(LIMIT, CURSOR)),
    Operation(
        "GET",
        "/v1/admin/shops",
        "Shops by status (the moderation queue)",
        "admin",
        OPERATOR,
        {200: "ShopsPage"},
        query=(
            ("status", {"enum": ["pending", "active", "suspended"], "default": "pending"}, "shop status"),
            LIMIT,
            CURSOR,
        ),
    ),
    Operation(
        "POST",
        "/v1/admin/shops/{shop_id}/approve",
        "Approve (or reinstate) a shop",
        "admin",
        OPERATOR,
        {200: "ShopPublic"},
        errors=(409,),
    ),
    Operation(
        "POST",
        "/v1/admin/shops/{shop_id}/suspend",
        "Suspend a shop; its products leave storefronts",
        "admin",
        OPERATOR,
        {200: "ShopPublic"},
        errors=(409,),
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/products",
        "Add a product",
        "products",
        SELLER,
        {201: "ProductPublic"},
        body="ProductCreate",
        errors=(409,),
        response_headers=ETAG,
    ),
    Operation(
        "GET",
        "/v1/shops/{shop_id}/products",
        "Your shop's products, drafts included",
        "products",
        ("seller", "operator"),
        {200: "ProductsPage"},
        query=(
            ("archived", {"enum": ["true", "false"], "default": "false"}, "list archived products instead"),
            LIMIT,
            CURSOR,
        ),
    ),
    Operation(
        "GET",
        "/v1/shops/{shop_id}/products/{product_id}",
        "One of your products",
        "products",
        ("seller", "operator"),
        {200: "ProductPublic"},
        response_headers=ETAG,
    ),
    Operation(
        "PATCH",
        "/v1/shops/{shop_id}/products/{product_id}",
        "Edit a product",
        "products",
        SELLER,
        {200: "ProductPublic"},
        body="ProductUpdate",
        errors=(409, 412),
        request_headers=IF_MATCH,
        response_headers=ETAG,
    ),
    Operation(
        "DELETE",
        "/v1/shops/{shop_id}/products/{product_id}",
        "Archive a product",
        "products",
        SELLER,
        {204: None},
        errors=(412,),
        request_headers=IF_MATCH,
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/products/{product_id}/media",
        "Start a picture upload (presigned POST)",
        "media",
        SELLER,
        {201: "UploadTicket"},
        body="MediaCreate",
        errors=(409,),
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/products/{product_id}/media/{media_id}/complete",
        "Verify an uploaded picture, make its thumbnail and 800 px WebP, and attach it under stable URLs",
        "media",
        SELLER,
        {200: "MediaPublic"},
        errors=(409, 422),
    ),
    Operation(
        "DELETE",
        "/v1/shops/{shop_id}/products/{product_id}/media/{media_id}",
        "Remove a picture",
        "media",
        SELLER,
        {204: None},
    ),
    Operation("GET", "/v1/storefronts", "The storefronts", "storefronts", PUBLIC, {200: "StorefrontList"}),
    Operation(
        "GET",
        "/v1/storefronts/{storefront_key}/products",
        "Browse and search a storefront",
        "storefronts",
        PUBLIC,
        {200: "CardsPage"},
        query=(
            ("category", {"type": "string", "maxLength": 40}, "one of the storefront's categories"),
            ("prefecture", {"type": "string", "maxLength": 60}, "origin (specialties) or shop prefecture"),
            (
                "q",
                {"type": "string", "maxLength": 100},
                "words of the title, in any of its scripts: Chinese by two-character sequences (a one-character q "
                "matches only that character standing alone), Russian and English by stem (орехи = орех, walnuts "
                "= walnut), Uyghur with or without the hamza; every word must match; case-insensitive",
            ),
            ("sort", {"enum": ["newest", "price_asc", "price_desc"], "default": "newest"}, "order"),
            LIMIT,
            CURSOR,
        ),
    ),
    Operation(
        "GET",
        "/v1/storefronts/{storefront_key}/products/{product_id}",
        "A product page",
        "storefronts",
        PUBLIC,
        {200: "ProductPublic"},
    ),
    Operation(
        "GET",
        "/v1/storefronts/{storefront_key}/shops",
        "Active shops of a storefront",
        "storefronts",
        PUBLIC,
        {200: "ShopsPage"},
        query=(LIMIT, CURSOR),
    ),
    Operation(
        "GET",
        "/v1/cart",
        "Your cart, grouped by shop, with current prices and rule warnings",
        "cart",
        ("buyer",),
        {200: "CartPublic"},
    ),
    Operation(
        "PUT",
        "/v1/cart/items/{product_id}",
        "Set a line's quantity (0 removes it)",
        "cart",
        ("buyer",),
        {200: "CartPublic"},
        body="CartItemPut",
        errors=(409,),
    ),
    Operation("DELETE", "/v1/cart", "Empty your cart", "cart", ("buyer",), {204: None}),
    Operation(
        "POST",
        "/v1/checkout",
        "Check out the whole cart: one order per shop, atomically",
        "orders",
        ("buyer",),
        {201: "CheckoutResult", 200: "CheckoutResult"},
        body="CheckoutIn",
        errors=(409, 422),
        description=(
            "Each line is sold at the price shown when it was put in the cart (or its quantity last set). If the "
            "seller changed that price (or b2b terms) since, the answer is 409 price_changed naming the lines, "
            "the cart takes the new prices, and the next checkout pays them. A line that can no longer be "
            "bought (sold out, withdrawn, under a new MOQ) is 409 lines_unavailable."
        ),
        request_headers=(
            (
                "Idempotency-Key",
                "required; replaying it with the same body returns the same result (200), with another body 422",
            ),
        ),
        response_headers=(("Idempotent-Replayed", "true when this answer is a replay"),),
    ),
    Operation("GET", "/v1/orders", "Your orders", "orders", ("buyer",), {200: "OrdersPage"}, query=(LIMIT, CURSOR)),
    Operation(
        "GET",
        "/v1/orders/{order_id}",
        "One of your orders, with its timeline",
        "orders",
        ("buyer",),
        {200: "OrderPublic"},
    ),
    Operation(
        "POST",
        "/v1/orders/{order_id}/cancel",
        "Cancel before shipment (stock goes back)",
        "orders",
        ("buyer",),
        {200: "OrderPublic"},
        errors=(409, 412),
    ),
    Operation(
        "POST",
        "/v1/orders/{order_id}/returns",
        "Return delivered goods within the return window",
        "returns",
        ("buyer",),
        {201: "ReturnPublic"},
        body="ReturnIn",
        errors=(409, 412),
    ),
    Operation(
        "GET",
        "/v1/me/notifications",
        "Your notifications",
        "orders",
        SIGNED_IN,
        {200: "NotificationsPage"},
        query=(LIMIT, CURSOR),
    ),
    Operation(
        "GET",
        "/v1/shops/{shop_id}/orders",
        "Your shop's orders",
        "fulfilment",
        SELLER,
        {200: "OrdersPage"},
        query=(
            (
                "status",
                {"enum": ["", "pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"]},
                "only orders in this status",
            ),
            LIMIT,
            CURSOR,
        ),
    ),
    Operation(
        "GET",
        "/v1/shops/{shop_id}/orders/{order_id}",
        "One of your shop's orders",
        "fulfilment",
        SELLER,
        {200: "OrderPublic"},
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/orders/{order_id}/ship",
        "Ship an order",
        "fulfilment",
        SELLER,
        {200: "OrderPublic"},
        body="ShipIn",
        errors=(409, 412),
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/orders/{order_id}/deliver",
        "Record delivery",
        "fulfilment",
        SELLER,
        {200: "OrderPublic"},
        errors=(409, 412),
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/orders/{order_id}/mark-paid",
        "Record a bank transfer or cash-on-delivery payment",
        "fulfilment",
        SELLER,
        {200: "OrderPublic"},
        errors=(409, 412),
    ),
    Operation(
        "GET",
        "/v1/shops/{shop_id}/returns",
        "Returns of your shop's orders",
        "returns",
        SELLER,
        {200: "ReturnsPage"},
        query=(LIMIT, CURSOR),
    ),
    Operation(
        "POST",
        "/v1/shops/{shop_id}/returns/{return_id}/receive",
        "The goods are back: refund recorded, stock restored",
        "returns",
        SELLER,
        {200: "ReturnPublic"},
        errors=(409, 412),
    ),
    Operation(
        "POST",
        "/v1/payments/webhook",
        "Card payment provider events (HMAC-SHA256 signed)",
        "payments",
        PUBLIC,
        {200: "WebhookResult"},
        body="PaymentEventIn",
        errors=(401, 404, 409, 422),
        request_headers=(("X-Bazaar-Signature", 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">'),),
    ),
    Operation("GET", "/v1/openapi.json", "This document", "meta", PUBLIC, {200: None}),
    Operation("GET", "/v1/docs", "This document, as a readable page", "meta", PUBLIC, {200: None}),
)
