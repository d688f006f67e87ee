"""Sellers: their shops' orders, shipping, delivery, payments received, returns."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.orders import ORDER_STATUSES
from ..services import order_lifecycle, returns
from .presenters import return_public, seller_order_public
from .routing import Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/orders",
    "listShopOrders",
    "Your shop's orders",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    query=(choice("status", ("", *ORDER_STATUSES), "only orders in this status", example="paid"),),
    paged=True,
    responses={200: "OrdersPage"},
    budget=Budget(
        1,
        "one Query of shop-index (shop-status-index with ?status=); ownership proven by the orders' seller "
        "snapshot (an empty page costs one more GetItem, of the shop)",
    ),
)
def shop_orders(call: Call, shop_id: str) -> dict:
    c = container()
    status = call.params["status"] or None
    page = order_lifecycle.shop_orders(
        c.catalog, c.buying, call.actor, shop_id, status, call.page.limit, call.page.start
    )
    return call.page.respond(page, seller_order_public)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/orders/{order_id}",
    "getShopOrder",
    "One of your shop's orders",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "OrderPublic"},
    budget=Budget(1, "one GetItem; ownership from the order's seller snapshot"),
)
def shop_order(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    return seller_order_public(order_lifecycle.shop_order(c.catalog, c.buying, call.actor, shop_id, order_id))


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/ship",
    "shipOrder",
    "Ship an order",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="ShipIn",
    responses={200: "OrderPublic"},
    errors=(409, 412),
    budget=Budget(
        4,
        "GetItem order (ownership from its seller snapshot) + one version-checked TransactWriteItems: 2 calls. "
        "An order on net terms (issue 14) is invoiced as it ships: + one BatchGetItem (the seller's invoice "
        "counter and the products' categories, for VAT) + the ledger posting's BatchGetItem (reserved -> "
        "receivable), the order, counter and invoice riding in its transaction: 4",
    ),
)
def ship(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    order = order_lifecycle.ship(
        c.catalog,
        c.buying,
        c.events,
        call.actor,
        shop_id,
        order_id,
        call.body.carrier,
        call.body.tracking_number,
        now=c.clock(),
        trade=c.trade,
        ledger=c.ledger,
        invoice_id=c.new_id("inv"),
    )
    return seller_order_public(order)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/deliver",
    "deliverOrder",
    "Record delivery",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "OrderPublic"},
    errors=(409, 412),
    budget=Budget(2, "as ship"),
)
def deliver(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    order = order_lifecycle.deliver(c.catalog, c.buying, c.events, call.actor, shop_id, order_id, now=c.clock())
    return seller_order_public(order)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/mark-paid",
    "markOrderPaid",
    "Record a bank transfer or cash-on-delivery payment",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "OrderPublic"},
    errors=(409, 412),
    budget=Budget(
        3,
        "GetItem order + the payment's posting into the shop's pending balance: BatchGetItem (posting claim, "
        "balance) + one TransactWriteItems with the version-checked order",
    ),
)
def mark_paid(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    order = order_lifecycle.mark_paid(
        c.catalog, c.buying, c.ledger, c.events, call.actor, shop_id, order_id, now=c.clock()
    )
    return seller_order_public(order)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/returns",
    "listShopReturns",
    "Returns of your shop's orders",
    tag="returns",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "ReturnsPage"},
    budget=Budget(
        1,
        "one Query of the returns' shop-index; ownership proven by the returns' seller snapshot (an empty "
        "page costs one more GetItem, of the shop)",
    ),
)
def shop_returns(call: Call, shop_id: str) -> dict:
    c = container()
    page = returns.shop_returns(c.catalog, c.buying, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, return_public)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/returns/{return_id}/receive",
    "receiveReturn",
    "The goods are back: refund recorded, stock restored",
    tag="returns",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "ReturnPublic"},
    errors=(409, 412),
    budget=Budget(
        4,
        "GetItem return + GetItem of its order (its id is only known from the return) + the refund's posting: "
        "BatchGetItem (posting claim, balance) + one TransactWriteItems (the posting, return and order "
        "version-checked, each line's stock restored); an unpaid order moves no money (3 calls)",
    ),
)
def receive_return(call: Call, shop_id: str, return_id: str) -> dict:
    c = container()
    ret = returns.receive_return(c.catalog, c.buying, c.ledger, c.events, call.actor, shop_id, return_id, now=c.clock())
    return return_public(ret)
