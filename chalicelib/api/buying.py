"""Buyers: cart, checkout, their orders, cancellations, returns; everyone: notifications."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..services import cart, checkout, notifications, order_lifecycle, returns
from .http import ok
from .presenters import buyer_order_public, return_public
from .routing import SIGNED_IN, Budget, Call, Header, Scope, roles, route

bp = Blueprint(__name__)

IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "required; replaying it with the same body returns the same result (200), with another body 422",
    required=True,
    max_length=100,
)


@route(
    bp,
    "GET",
    "/v1/cart",
    "getCart",
    "Your cart, grouped by shop, with current prices and rule warnings",
    tag="cart",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    responses={200: "CartPublic"},
    budget=Budget(
        2,
        "2 calls: GetItem of the cart, then one BatchGetItem of its products. The page shows current prices "
        "(b2b tiers), stock and availability, which live on the products and change after a line is added, "
        "so they cannot be snapshotted on the cart; and which products to read is only known once the cart "
        "is read (no key to batch them with it). Constant in the number of lines (up to 100 per batch).",
        read_exception=True,
    ),
)
def view_cart(call: Call) -> dict:
    c = container()
    return cart.view(c.buying, call.actor, now=c.clock())


@route(
    bp,
    "PUT",
    "/v1/cart/items/{product_id}",
    "setCartItem",
    "Set a line's quantity (0 removes it)",
    tag="cart",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    body="CartItemPut",
    responses={200: "CartPublic"},
    errors=(409,),
    description=(
        "A line is the product with the buyer's personalisation values (issue 15): they are checked against "
        "the product's personalisation fields (400 when one is missing, too long, unknown or not one of its "
        "choices), and two personalisations of one product are two lines. A product out of season and not on "
        "pre-sale is 409 out_of_season."
    ),
    budget=Budget(
        3,
        "GetItem cart + ONE BatchGetItem of the cart's products with the one added (is it listed? its offer, "
        "and the answer's current prices) + the version-checked put (a one-action TransactWriteItems); was 4 "
        "with the added product read on its own",
    ),
)
def put_cart_item(call: Call, product_id: str) -> dict:
    c = container()
    now = c.clock()
    saved, products = cart.set_line(
        c.buying,
        call.actor,
        product_id,
        call.body.quantity,
        now=now,
        personalisation=call.body.personalisation,
        sample=call.body.sample,
    )
    return cart.describe(saved, products, now=now)


@route(
    bp,
    "DELETE",
    "/v1/cart",
    "emptyCart",
    "Empty your cart",
    tag="cart",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    responses={204: None},
    budget=Budget(1, "one DeleteItem"),
)
def empty_cart(call: Call) -> None:
    cart.empty(container().buying, call.actor)


@route(
    bp,
    "POST",
    "/v1/checkout",
    "checkout",
    "Check out the whole cart: one order per shop, atomically",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    headers=(IDEMPOTENCY_KEY,),
    body="CheckoutIn",
    responses={201: "CheckoutResult", 200: "CheckoutResult"},
    errors=(409, 422),
    response_headers=(("Idempotent-Replayed", "true when this answer is a replay"),),
    description=(
        "Each line is sold at the price shown when it was put in the cart (or its quantity last set). If the "
        "seller changed that price (or b2b terms) since, the answer is 409 price_changed naming the lines, "
        "the cart takes the new prices, and the next checkout pays them. A line that can no longer be "
        "bought (sold out, withdrawn, under a new MOQ) is 409 lines_unavailable."
    ),
    budget=Budget(
        3,
        "Card, cash on delivery, bank transfer: 2. BatchGetItem cart + idempotency claim (+ the buyer's business, "
        "issue 14), one TransactWriteItems (claim, cart, a stock update per line "
        "conditioned on stock, listing and the price fingerprint of the offer the cart line recorded, an order "
        "per shop), whatever the lines and shops. Was 3: the products were read to price the orders and check "
        "them; the cart lines now carry the offer (title, terms, price, shop) and the transaction's conditions "
        "do the checking. A refused line costs one BatchGetItem of the products, to say why (and one cart put "
        "when a price changed); a replay is 2: the first BatchGetItem + one BatchGetItem of its orders. "
        "Net terms (issue 14) are 3: the transaction rides in the ledger posting that takes the orders' total "
        "from the business's available credit (+ its BatchGetItem of the balance)",
    ),
)
def do_checkout(call: Call) -> Response:
    c = container()
    key = call.request.headers["idempotency-key"].strip()
    result, replayed = checkout.checkout(
        c.buying,
        c.events,
        call.actor,
        key,
        call.body.model_dump(),
        now=c.clock(),
        new_id=c.new_id,
        present_order=buyer_order_public,
        ledger=c.ledger,
        trade=c.trade,
    )
    return ok(result, status=200 if replayed else 201, headers={"Idempotent-Replayed": str(replayed).lower()})


@route(
    bp,
    "GET",
    "/v1/orders",
    "listMyOrders",
    "Your orders",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "OrdersPage"},
    budget=Budget(1, "one Query of the orders' buyer-index"),
)
def my_orders(call: Call) -> dict:
    page = order_lifecycle.buyer_orders(container().buying, call.actor, call.page.limit, call.page.start)
    return call.page.respond(page, buyer_order_public)


@route(
    bp,
    "GET",
    "/v1/orders/{order_id}",
    "getMyOrder",
    "One of your orders, with its timeline",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    responses={200: "OrderPublic"},
    budget=Budget(1, "one GetItem"),
)
def my_order(call: Call, order_id: str) -> dict:
    return buyer_order_public(order_lifecycle.buyer_order(container().buying, call.actor, order_id))


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/cancel",
    "cancelOrder",
    "Cancel before shipment (stock goes back)",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    responses={200: "OrderPublic"},
    errors=(409, 412),
    budget=Budget(
        3,
        "GetItem order + one TransactWriteItems (order, version-checked; each line's stock restored); a paid "
        "order's refund rides in it as a posting, read first (BatchGetItem: posting claim, the shop's balance); "
        "an order on net terms (issue 14) gives its credit back the same way",
    ),
)
def cancel_order(call: Call, order_id: str) -> dict:
    c = container()
    return buyer_order_public(order_lifecycle.cancel(c.buying, c.ledger, c.events, call.actor, order_id, now=c.clock()))


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/returns",
    "requestReturn",
    "Return delivered goods within the return window",
    tag="returns",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    body="ReturnIn",
    responses={201: "ReturnPublic"},
    errors=(409, 412),
    budget=Budget(
        2, "GetItem order + one TransactWriteItems (order's returned quantities, version-checked; the return)"
    ),
)
def request_return(call: Call, order_id: str) -> dict:
    c = container()
    ret = returns.request_return(
        c.buying,
        c.events,
        call.actor,
        order_id,
        [line.model_dump() for line in call.body.lines],
        call.body.reason,
        now=c.clock(),
        return_id=c.new_id("ret"),
    )
    return return_public(ret)


@route(
    bp,
    "GET",
    "/v1/me/notifications",
    "listMyNotifications",
    "Your notifications",
    tag="orders",
    auth=SIGNED_IN,
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "NotificationsPage"},
    budget=Budget(1, "one Query of the user's notifications partition"),
)
def my_notifications(call: Call) -> dict:
    return call.page.respond(
        notifications.my_notifications(container().buying, call.actor, call.page.limit, call.page.start)
    )
