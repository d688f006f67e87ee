"""Buyers: cart, checkout, their orders, cancellations, returns; everyone: notifications."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain import ru_payments
from ..domain.identity import Role
from ..domain.markets import HOME_MARKET, get_market
from ..services import cart, checkout, notifications, order_lifecycle, returns
from ..services import markets as markets_service
from ..services import ru_payments as ru_payment_service
from ..services.ports import Page
from .http import etag, if_match_version, ok
from .markets import acquirer_urls
from .presenters import buyer_order_public, return_public, timeline_entry_public
from .routing import SIGNED_IN, Budget, Call, Header, Scope, choice, roles, route

bp = Blueprint(__name__)

ORDER_ETAG = (("ETag", "the order's version; send it back as If-Match to change it only if nobody else has"),)
IF_MATCH = Header(
    "If-Match",
    "optional: the ETag (version) you read; a change made meanwhile is then 412 and nothing happens. Without it, "
    "a change made meanwhile is applied to the order as it is now, or refused with 409 if it no longer applies",
)


def order_response(order, status: int = 200) -> Response:
    return ok(buyer_order_public(order), status=status, headers={"ETag": etag(order.version)})


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
    query=(
        choice(
            "market",
            ("cn", "ru"),
            "issue 12: show the prices in the market's currency at the rate in force (cached <= 60 s)",
            example="ru",
        ),
    ),
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
    key = call.params.get("market")
    if key and key != HOME_MARKET:  # issue 12
        market = get_market(key)
        rate = markets_service.rate_for(c.markets, market)
        saved, view = cart.view_in_market(c.buying, call.actor, now=c.clock())
        return markets_service.localise_cart(view, saved, market, rate)
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
    market = get_market(call.body.market) if call.body.market and call.body.market != HOME_MARKET else None
    rate = markets_service.rate_for(c.markets, market) if market else None  # issue 12: cached per instance
    saved, products = cart.set_line(
        c.buying,
        call.actor,
        product_id,
        call.body.quantity,
        now=now,
        personalisation=call.body.personalisation,
        sample=call.body.sample,
        fx=markets_service.offer_fx(market, rate) if market and rate else None,
    )
    view = cart.describe(saved, products, now=now)
    return markets_service.localise_cart(view, saved, market, rate) if market and rate else view


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
    errors=(404, 409, 422),
    response_headers=(("Idempotent-Replayed", "true when this answer is a replay"),),
    description=(
        "Each line is sold at the price shown when it was put in the cart (or its quantity last set). If the "
        "seller changed that price (or b2b terms) since, the answer is 409 price_changed naming the lines, "
        "the cart takes the new prices, and the next checkout pays them. A line that can no longer be "
        "bought (sold out, withdrawn, under a new MOQ) is 409 lines_unavailable; one that would take your "
        "unpaid units of a product over the storefront's cap (20% of its stock, at least 5 units or the MOQ) "
        "is 409 lines_unavailable with the detail code unpaid_limit. A shop that was suspended is 409 "
        "shop_unavailable. Unpaid card orders are cancelled after 30 minutes and bank-transfer orders after 72 "
        "hours (their stock comes back); cash on delivery never expires. At most 40 lines from 28 shops."
    ),
    budget=Budget(
        3,
        "Card, cash on delivery, bank transfer: 2. BatchGetItem cart + idempotency claim + the buyer's unpaid "
        "holds (+ the buyer's business, issue 14), one TransactWriteItems (claim, cart, holds, a stock update per "
        "line conditioned on stock, listing, the price fingerprint of the offer the cart line recorded and the "
        "unpaid-hold cap, per shop a status check and an order, and one outbox item with the orders' events), "
        "whatever the lines and shops. A refused line costs one BatchGetItem of the products, to say why (and one "
        "cart put when a price changed); a replay is 1: the first BatchGetItem. Net terms (issue 14) are 3: the "
        "transaction rides in the ledger posting that takes the orders' total from the business's available "
        "credit (+ its BatchGetItem of the balance). With points_to_redeem (issue 13) also 3: the redemption "
        "posting carries the same transaction (the ledger's BatchGetItem of the points balance and the posting's "
        "claim first; 5 more actions). With coupon_code (issue 12) 3: a GetItem of the buyer's coupon, its "
        "spending rides in the same transaction (one more action, conditioned on it being unused and unexpired)",
    ),
)
def do_checkout(call: Call) -> Response:
    c = container()
    key = call.request.headers["idempotency-key"].strip()
    result, replayed = checkout.checkout(
        c.buying,
        call.actor,
        key,
        call.body.model_dump(),
        now=c.clock(),
        new_id=c.new_id,
        present_order=buyer_order_public,
        card_payment_minutes=c.settings.card_payment_minutes,
        bank_transfer_hours=c.settings.bank_transfer_hours,
        ledger=c.ledger,
        trade=c.trade,
        coupons=c.coupons,
    )
    if call.body.market == "ru" and call.body.payment_method in ru_payments.METHODS:  # issue 12: Mir card, SBP
        result = {
            **result,
            "payments": ru_payment_service.start_checkout_payments(
                c.ru_acquirer, result["orders"], urls=acquirer_urls(call.request)
            ),
        }
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
    response_headers=ORDER_ETAG,
    budget=Budget(1, "one GetItem"),
)
def my_order(call: Call, order_id: str) -> Response:
    return order_response(order_lifecycle.buyer_order(container().buying, call.actor, order_id))


@route(
    bp,
    "GET",
    "/v1/orders/{order_id}/timeline",
    "listMyOrderTimeline",
    "Your order's whole history, newest first",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    paged=True,
    responses={200: "TimelinePage"},
    description=(
        "An order shows its newest 20 history entries; this pages through all of them. The first pages come "
        "from the order, the older ones from their own items."
    ),
    budget=Budget(
        1,
        "one GetItem of the order for its newest entries, or one Query of the older entries (their items name "
        "the order's buyer: an empty page also reads the order, for 403/404)",
    ),
)
def my_order_timeline(call: Call, order_id: str) -> dict:
    c = container()
    entries, position = order_lifecycle.history_page(
        c.buying,
        order_id,
        call.page.limit,
        call.page.start,
        lambda: order_lifecycle.buyer_order(c.buying, call.actor, order_id),
        lambda buyer_id, seller_id: buyer_id == call.actor.user_id,
    )
    return call.page.respond(Page(entries, position), timeline_entry_public)


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
    headers=(IF_MATCH,),
    response_headers=ORDER_ETAG,
    budget=Budget(
        4,
        "GetItem order + one TransactWriteItems (order, version-checked; each line's stock restored; the buyer's "
        "unpaid hold given back; the event in the outbox); a paid order's refund rides in it as a posting, read "
        "first (BatchGetItem: posting claim, the shop's balance); an order on net terms (issue 14) gives its "
        "credit back the same way. An order that used a coupon (issue 12): + 1 GetItem of the coupon, whose "
        "release (or, the checkout's last order, its return to the buyer) rides in the same transaction. After "
        "it, as before, a paid order's platform-funded discounts go back in their own postings (a coupon's "
        "coupon-discount-returned, points: BatchGetItem + TransactWriteItems each), not counted here. A cancel "
        "that raced another change is computed again (the same calls per attempt)",
    ),
)
def cancel_order(call: Call, order_id: str) -> Response:
    c = container()
    order = order_lifecycle.cancel(
        c.buying,
        c.ledger,
        call.actor,
        order_id,
        now=c.clock(),
        if_match=if_match_version(call.request),
        trust=c.trust,
        coupon_store=c.coupons,
    )
    return order_response(order)


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
    headers=(IF_MATCH,),
    responses={201: "ReturnPublic"},
    errors=(409, 412),
    budget=Budget(
        2,
        "GetItem order + one TransactWriteItems (order's returned quantities, version-checked; the return; the "
        "event in the outbox). A return that raced another change is computed again (2 more per attempt)",
    ),
)
def request_return(call: Call, order_id: str) -> dict:
    c = container()
    ret = returns.request_return(
        c.buying,
        call.actor,
        order_id,
        [line.model_dump() for line in call.body.lines],
        call.body.reason,
        now=c.clock(),
        return_id=c.new_id("ret"),
        if_match=if_match_version(call.request),
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
