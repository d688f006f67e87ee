"""Sellers: their shops' orders, shipping, delivery, payments received, returns."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.orders import ORDER_STATUSES
from ..services import order_lifecycle, returns
from ..services.ports import Page
from .buying import IF_MATCH, ORDER_ETAG
from .http import etag, if_match_version, ok
from .presenters import return_public, seller_order_public, timeline_entry_public
from .routing import Budget, Call, Header, Scope, choice, roles, route

bp = Blueprint(__name__)

RETURN_IF_MATCH = Header(
    "If-Match",
    "optional: the return's version you read; if it changed meanwhile the answer is 412 and nothing happens",
)
CHANGE_BUDGET = (
    "GetItem order (ownership from its seller snapshot) + one version-checked TransactWriteItems (the order, "
    "its event in the outbox, the buyer's unpaid hold when it stops waiting for payment). A change that raced "
    "another is computed again (2 more per attempt)"
)


def _order_response(order) -> Response:
    return ok(seller_order_public(order), headers={"ETag": etag(order.version)})


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/orders",
    "listShopOrders",
    "Your shop's orders",
    tag="fulfilment",
    auth=roles(Role.SELLER, Role.PARTNER),
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
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    responses={200: "OrderPublic"},
    response_headers=ORDER_ETAG,
    budget=Budget(1, "one GetItem; ownership from the order's seller snapshot"),
)
def shop_order(call: Call, shop_id: str, order_id: str) -> Response:
    c = container()
    return _order_response(order_lifecycle.shop_order(c.catalog, c.buying, call.actor, shop_id, order_id))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/orders/{order_id}/timeline",
    "listShopOrderTimeline",
    "One of your shop's orders: its whole history, newest first",
    tag="fulfilment",
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "TimelinePage"},
    budget=Budget(
        1,
        "one GetItem of the order for its newest entries, or one Query of the older entries (their items name "
        "the order's seller: an empty page also reads the order, for 403/404)",
    ),
)
def shop_order_timeline(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()

    def load():
        return order_lifecycle.shop_order(c.catalog, c.buying, call.actor, shop_id, order_id)

    entries, position = order_lifecycle.history_page(
        c.buying,
        order_id,
        call.page.limit,
        call.page.start,
        load,
        lambda buyer_id, seller_id: seller_id == call.actor.user_id,
    )
    return call.page.respond(Page(entries, position), timeline_entry_public)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/ship",
    "shipOrder",
    "Ship an order",
    tag="fulfilment",
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    body="ShipIn",
    headers=(IF_MATCH,),
    responses={200: "OrderPublic"},
    errors=(409, 412),
    response_headers=ORDER_ETAG,
    budget=Budget(
        4,
        "GetItem order (ownership from its seller snapshot) + one version-checked TransactWriteItems (the order, "
        "its event in the outbox): 2 calls. An order on net terms (issue 14) is invoiced as it ships: + one "
        "BatchGetItem (the seller's invoice counter and the products' categories, for VAT) + the ledger "
        "posting's BatchGetItem (reserved -> receivable), the order, counter and invoice riding in its "
        "transaction: 4. A change that raced another is computed again (the same calls per attempt)",
    ),
)
def ship(call: Call, shop_id: str, order_id: str) -> Response:
    c = container()
    order = order_lifecycle.ship(
        c.catalog,
        c.buying,
        call.actor,
        shop_id,
        order_id,
        call.body.carrier,
        call.body.tracking_number,
        now=c.clock(),
        if_match=if_match_version(call.request),
        trade=c.trade,
        ledger=c.ledger,
        invoice_id=c.new_id("inv"),
    )
    return _order_response(order)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/deliver",
    "deliverOrder",
    "Record delivery",
    tag="fulfilment",
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    headers=(IF_MATCH,),
    responses={200: "OrderPublic"},
    errors=(409, 412),
    response_headers=ORDER_ETAG,
    budget=Budget(2, CHANGE_BUDGET),
)
def deliver(call: Call, shop_id: str, order_id: str) -> Response:
    c = container()
    order = order_lifecycle.deliver(
        c.catalog,
        c.buying,
        call.actor,
        shop_id,
        order_id,
        now=c.clock(),
        if_match=if_match_version(call.request),
        trust=c.trust,
    )
    return _order_response(order)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/mark-paid",
    "markOrderPaid",
    "Record a bank transfer or cash-on-delivery payment",
    tag="fulfilment",
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    headers=(IF_MATCH,),
    responses={200: "OrderPublic"},
    errors=(409, 412),
    response_headers=ORDER_ETAG,
    budget=Budget(
        3,
        "GetItem order + the payment's posting into the shop's pending balance: BatchGetItem (posting claim, "
        "balance) + one TransactWriteItems with the version-checked order and its event (outbox)",
    ),
)
def mark_paid(call: Call, shop_id: str, order_id: str) -> Response:
    c = container()
    order = order_lifecycle.mark_paid(
        c.catalog,
        c.buying,
        c.ledger,
        call.actor,
        shop_id,
        order_id,
        now=c.clock(),
        if_match=if_match_version(call.request),
    )
    return _order_response(order)


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
    headers=(RETURN_IF_MATCH,),
    responses={200: "ReturnPublic"},
    errors=(409, 412),
    description=(
        "Refunds what the buyer paid for the returned lines, as far as money was received: a cash-on-delivery "
        "order returned before it was paid gets its goods back and nothing refunded (outcome "
        "nothing_to_refund). Card money goes back through the payment provider."
    ),
    budget=Budget(
        4,
        "GetItem return + GetItem of its order (its id is only known from the return) + the refund's posting: "
        "BatchGetItem (posting claim, balance) + one TransactWriteItems (the posting, return and order "
        "version-checked, each line's stock restored, the event in the outbox); an unpaid order moves no money (3 "
        "calls). A receipt that raced another change is computed again (the same calls per attempt)",
    ),
)
def receive_return(call: Call, shop_id: str, return_id: str) -> dict:
    c = container()
    ret = returns.receive_return(
        c.catalog,
        c.buying,
        c.ledger,
        call.actor,
        shop_id,
        return_id,
        now=c.clock(),
        if_match=if_match_version(call.request),
        trust=c.trust,
    )
    return return_public(ret)
