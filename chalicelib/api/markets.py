"""Markets (issue 12): the markets, and the exchange rates operators record."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.errors import ValidationFailed
from ..domain.identity import Role
from ..services import coupons, delivery_promise, markets, ru_payments
from .presenters import (
    buyer_order_public,
    coupon_public,
    customs_declaration_public,
    fx_rate_public,
    seller_order_public,
)
from .routing import ANYONE, Budget, Call, Scope, roles, route, signed
from .text import INVALID_TEXT, invalid_text_fields

bp = Blueprint(__name__)


def acquirer_urls(request) -> ru_payments.AcquirerUrls:
    """Where the acquirer notifies us (this module's notification route) and where it sends the buyer back:
    under the stage's PUBLIC_BASE_URL, else this request's own host (local stages)."""
    base = container().settings.public_base_url
    if not base:
        host = request.headers.get("host") or "127.0.0.1:8000"
        base = f"{request.headers.get('x-forwarded-proto') or 'http'}://{host}"
    return ru_payments.AcquirerUrls(notification=base + "/v1/payments/ru/notifications", pages=base + "/ru/orders")


@route(
    bp,
    "GET",
    "/v1/markets",
    "listMarkets",
    "The markets, their currency and languages",
    tag="markets",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: "MarketList"},
    budget=Budget(0, "static: the markets are domain constants"),
)
def list_markets(call: Call) -> list:
    return markets.all_markets()


@route(
    bp,
    "PUT",
    "/v1/admin/fx-rates/{pair}",
    "recordFxRate",
    "Record an exchange rate (kept with every earlier one; the latest as_of is in force)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="FxRateIn",
    responses={200: "FxRatePublic"},
    errors=(409,),
    budget=Budget(1, "one TransactWriteItems: the history item and the current rate (if not older)"),
)
def record_rate(call: Call, pair: str) -> dict:
    c = container()
    rate = markets.record_rate(
        c.markets,
        call.actor,
        pair,
        call.body.rate,
        call.body.as_of,
        now=c.clock(),
        rate_id=c.new_id("fx"),
    )
    return fx_rate_public(rate)


@route(
    bp,
    "GET",
    "/v1/admin/fx-rates/{pair}",
    "listFxRates",
    "Every rate recorded for a currency pair, latest first",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    paged=True,
    responses={200: "FxRatesPage"},
    budget=Budget(1, "one Query of the pair's partition, newest first"),
)
def rate_history(call: Call, pair: str) -> dict:
    page = markets.rate_history(container().markets, call.actor, pair, call.page.limit, call.page.start)
    return call.page.respond(page, fx_rate_public)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/orders/{order_id}/customs-declaration",
    "getCustomsDeclaration",
    "The customs declaration of an order shipped abroad (HS code, description, value, weight per line)",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "CustomsDeclarationPublic"},
    budget=Budget(1, "one GetItem of the order; ownership from its seller snapshot"),
)
def customs_declaration(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    order = markets.customs_declaration(c.catalog, c.buying, call.actor, shop_id, order_id)
    return customs_declaration_public(order)


# --- the Russian acquirer: notifications, and a buyer's payment page -------------------------------------


def _signed_by_the_acquirer(request) -> None:
    """The notification's Token (domain/ru_payments) is checked before anything else is read or changed."""
    try:
        fields = json.loads(request.raw_body or b"{}")
    except ValueError:
        fields = None
    ru_payments.verify_notification(fields, container().settings.ru_acquirer_credentials)


@route(
    bp,
    "POST",
    "/v1/payments/ru/notifications",
    "receiveRuAcquirerNotification",
    "The Russian acquirer's payment notifications (Token-signed); answered OK",
    tag="payments",
    auth=signed(_signed_by_the_acquirer),
    scope=Scope.PROVIDER,
    body="RuNotificationIn",
    responses={200: "RuNotificationAnswer"},
    alternatives=(("text/plain", "OK: the acquirer stops retrying"),),
    errors=(401, 404, 409, 422),
    description=(
        "Token = SHA-256 hex of the values of the root-level fields (nested objects left out, Token too) plus the "
        "terminal Password, sorted by key. CONFIRMED pays the order once (the same notification again changes "
        "nothing); other statuses change nothing. A bad Token is 401 and changes nothing."
    ),
    budget=Budget(
        3,
        "as the card webhook: GetItem order + the payment's posting into the shop's pending balance "
        "(BatchGetItem + one TransactWriteItems with the order, the event claim and the outbox item)",
    ),
)
def ru_notification(call: Call) -> Response:
    c = container()
    try:
        fields = json.loads(call.request.raw_body or b"{}")
    except (ValueError, RecursionError) as exc:
        raise ValidationFailed(f"the body is not valid JSON: {exc}", code="malformed_json") from None
    broken = invalid_text_fields(fields)
    if broken or not isinstance(fields, dict):
        raise ValidationFailed(
            "the notification is not a JSON object of valid Unicode text",
            details=[{"field": field, "message": INVALID_TEXT} for field in broken],
        )
    ru_payments.notification(c.buying, c.ledger, fields, now=c.clock())
    return Response(body="OK", status_code=200, headers={"Content-Type": "text/plain; charset=utf-8"})


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/payment",
    "startRuPayment",
    "Pay an order of the Russian market by Mir card or SBP: the acquirer's payment page",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    responses={200: "RuPaymentPublic"},
    errors=(409, 422),
    budget=Budget(1, "one GetItem of the order (then the acquirer's Init, not DynamoDB)"),
)
def start_payment(call: Call, order_id: str) -> dict:
    c = container()
    order, payment = ru_payments.payment_for(
        c.buying, c.ru_acquirer, call.actor, order_id, urls=acquirer_urls(call.request)
    )
    return ru_payments.payment_public(order, payment)


# --- the delivery promise: zones, compensation, tracking, address changes ------------------------------


@route(
    bp,
    "PUT",
    "/v1/admin/markets/{market}/zones",
    "setDeliveryZones",
    "Set a market's delivery zones and their promise (days); one zone without cities covers the rest",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="ZonesIn",
    responses={200: "DeliveryTermsPublic"},
    budget=Budget(1, "one UpdateItem of the market's delivery terms"),
)
def set_zones(call: Call, market: str) -> dict:
    zones = [z.model_dump(exclude_none=True) for z in call.body.root]
    return delivery_promise.set_zones(container().markets, call.actor, market, zones)


@route(
    bp,
    "PUT",
    "/v1/admin/markets/{market}/compensation",
    "setDeliveryCompensation",
    "Set what a buyer gets when a delivery promise is missed (orders placed from now on)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="CompensationIn",
    responses={200: "DeliveryTermsPublic"},
    budget=Budget(1, "one UpdateItem of the market's delivery terms"),
)
def set_compensation(call: Call, market: str) -> dict:
    return delivery_promise.set_compensation(container().markets, call.actor, market, call.body.model_dump())


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/tracking",
    "addTrackingEvent",
    "Record a tracking event of an order's parcel (delivered: the order is delivered)",
    tag="fulfilment",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="TrackingIn",
    responses={200: "OrderPublic"},
    errors=(409,),
    budget=Budget(2, "GetItem order (ownership from its seller snapshot) + one TransactWriteItems (order, event)"),
)
def add_tracking(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    b = call.body
    order = delivery_promise.track(
        c.catalog, c.buying, call.actor, shop_id, order_id, b.event, b.at, b.location, now=c.clock()
    )
    return seller_order_public(order)


@route(
    bp,
    "PATCH",
    "/v1/orders/{order_id}/delivery",
    "changeDeliveryAddress",
    "Send an order that has not shipped to another address (its delivery promise no longer holds)",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    body="AddressChangeIn",
    responses={200: "OrderPublic"},
    errors=(409,),
    budget=Budget(2, "GetItem order + one TransactWriteItems (order, event)"),
)
def change_address(call: Call, order_id: str) -> dict:
    c = container()
    address = call.body.delivery.model_dump()
    return buyer_order_public(delivery_promise.change_address(c.buying, call.actor, order_id, address, now=c.clock()))


@route(
    bp,
    "GET",
    "/v1/me/coupons",
    "listMyCoupons",
    "Your coupons: what they are worth, until when, and whether they were used",
    tag="orders",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "CouponsPage"},
    budget=Budget(1, "one Query of the buyer's coupons partition (Finance table)"),
)
def my_coupons(call: Call) -> dict:
    c = container()
    now = c.clock()
    page = coupons.my_coupons(c.coupons, call.actor, call.page.limit, call.page.start)
    return call.page.respond(page, lambda coupon: coupon_public(coupon, now))
