"""Markets (issue 12): the markets, and the exchange rates operators record."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain import carriers
from ..domain.errors import ValidationFailed
from ..domain.identity import Role
from ..services import carriers as carrier_service
from ..services import coupons, delivery_promise, markets, ru_payments
from .presenters import (
    buyer_order_public,
    carrier_public,
    carrier_secret_public,
    coupon_public,
    customs_declaration_public,
    fx_rate_public,
    seller_order_public,
)
from .routing import ANYONE, Budget, Call, Scope, roles, roles_or_signed, route, signed
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


def verify_carrier(request) -> None:
    """Issue 12: a carrier's signed request (domain/carriers.py): malformed or stale headers are 401 with nothing
    read; then the carrier's record (one GetItem): unregistered, suspended or not signed with its current secret is
    the same 401 with nothing else read. Nothing is changed either way."""
    import datetime as dt

    c = container()
    headers = request.headers
    now = dt.datetime.fromisoformat(c.clock().replace("Z", "+00:00")).timestamp()
    carrier_id = headers.get(carriers.CARRIER_HEADER) or ""
    timestamp = headers.get(carriers.TIMESTAMP_HEADER) or ""
    carriers.check_headers(carrier_id, timestamp, now)
    carriers.verify(
        c.settings.secret("carrier_signing"),
        c.carriers.get_carrier(carrier_id),
        timestamp,
        headers.get(carriers.SIGNATURE_HEADER) or "",
        request.raw_body or b"",
    )


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/orders/{order_id}/tracking",
    "addTrackingEvent",
    "Record a tracking event of an order's parcel (delivered: the order is delivered)",
    tag="fulfilment",
    auth=roles_or_signed(carriers.SIGNATURE_HEADER, verify_carrier, Role.SELLER),
    scope=Scope.SHOP,
    body="TrackingIn",
    responses={200: "OrderPublic"},
    errors=(409, 422),
    budget=Budget(
        3,
        "GetItem order (ownership from its seller snapshot) + one TransactWriteItems (order, event); a seller's "
        "handed_to_carrier naming a carrier_id + its GetItem (3). A carrier (no token: X-Carrier-Id, "
        "X-Carrier-Timestamp, X-Carrier-Signature = hex HMAC-SHA256 of '<timestamp>.<body>' with its secret, "
        "within 5 minutes) posts events of the parcels handed to it: GetItem carrier (its key version; refused "
        "unless registered, active and signed with its current secret) + GetItem order + the transaction (3)",
    ),
    description=(
        "Sellers post with their token. A registered carrier (POST /v1/admin/carriers) posts without one, signed: "
        "a bad or stale signature, or a suspended carrier, is 401 and changes nothing; an order not handed to that "
        "carrier is 404. A seller's handed_to_carrier naming a suspended carrier is 409 carrier_suspended."
    ),
)
def add_tracking(call: Call, shop_id: str, order_id: str) -> dict:
    c = container()
    b = call.body
    if call.caller is None:  # a carrier's request, its signature verified
        carrier_id = call.request.headers.get(carriers.CARRIER_HEADER)
        order = delivery_promise.track_by_carrier(
            c.buying, carrier_id, shop_id, order_id, b.event, b.at, b.location, now=c.clock()
        )
        return seller_order_public(order)
    order = delivery_promise.track(
        c.catalog,
        c.buying,
        call.actor,
        shop_id,
        order_id,
        b.event,
        b.at,
        b.location,
        now=c.clock(),
        carriers=c.carriers,
        carrier_id=b.carrier_id,
        tracking_number=b.tracking_number,
    )
    return seller_order_public(order)


@route(
    bp,
    "POST",
    "/v1/admin/carriers",
    "registerCarrier",
    "Register a carrier: its id and the secret it signs its tracking events with (shown once)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="CarrierIn",
    responses={201: "CarrierRegistered"},
    errors=(409,),
    budget=Budget(1, "one conditional PutItem (the secret is derived, never stored)"),
)
def register_carrier(call: Call) -> Response:
    c = container()
    carrier, secret = carrier_service.register(
        c.carriers,
        call.actor,
        call.body.name,
        master=c.settings.secret("carrier_signing"),
        now=c.clock(),
        new_id=c.new_id,
    )
    body = {
        "carrier_id": carrier.carrier_id,
        "name": carrier.name,
        "created_at": carrier.created_at,
        "signing_secret": secret,
    }
    return Response(body=json.dumps(body), status_code=201, headers={"Content-Type": "application/json"})


@route(
    bp,
    "GET",
    "/v1/admin/carriers",
    "listCarriers",
    "The registered carriers, newest first, with their status (active or suspended)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    paged=True,
    responses={200: "CarriersPage"},
    budget=Budget(1, "one Query of the Finance table's list-index (list_key = carriers), newest first"),
)
def list_carriers(call: Call) -> dict:
    page = carrier_service.list_carriers(container().carriers, call.actor, call.page.limit, call.page.start)
    return call.page.respond(page, carrier_public)


@route(
    bp,
    "GET",
    "/v1/admin/carriers/{carrier_id}",
    "getCarrier",
    "One registered carrier and its status",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "CarrierPublic"},
    budget=Budget(1, "one GetItem of carrier#<id>"),
)
def get_carrier(call: Call, carrier_id: str) -> dict:
    return carrier_public(carrier_service.get_carrier(container().carriers, call.actor, carrier_id))


@route(
    bp,
    "POST",
    "/v1/admin/carriers/{carrier_id}/suspend",
    "suspendCarrier",
    "Suspend a carrier: its signed tracking events are refused and sellers cannot hand parcels to it",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="CarrierSuspensionIn",
    responses={200: "CarrierPublic"},
    errors=(409,),
    budget=Budget(1, "one conditional UpdateItem (a refusal's old item comes back in the same call: 404 or 409)"),
    description=(
        "From the moment it answers, the carrier's signed requests get 401 (as a bad signature) and a seller's "
        "handed_to_carrier naming it gets 409 carrier_suspended. Suspending a suspended carrier is 409 "
        "carrier_suspended."
    ),
)
def suspend_carrier(call: Call, carrier_id: str) -> dict:
    c = container()
    return carrier_public(carrier_service.suspend(c.carriers, call.actor, carrier_id, call.body.reason, now=c.clock()))


@route(
    bp,
    "POST",
    "/v1/admin/carriers/{carrier_id}/reactivate",
    "reactivateCarrier",
    "Reactivate a suspended carrier: its signed tracking events are accepted again",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "CarrierPublic"},
    errors=(409,),
    budget=Budget(1, "one conditional UpdateItem (a refusal's old item comes back in the same call: 404 or 409)"),
    description="Reactivating a carrier that is not suspended is 409 carrier_active.",
)
def reactivate_carrier(call: Call, carrier_id: str) -> dict:
    return carrier_public(carrier_service.reactivate(container().carriers, call.actor, carrier_id))


@route(
    bp,
    "POST",
    "/v1/admin/carriers/{carrier_id}/rotate-secret",
    "rotateCarrierSecret",
    "Give a carrier a new signing secret (shown once); the one it had is refused from now on",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "CarrierSecretRotated"},
    budget=Budget(1, "one conditional UpdateItem adding 1 to the carrier's key_version (the secret is derived)"),
    description=(
        "The carrier's key version is mixed into its derived secret: requests signed with the previous secret get "
        "401 bad_signature at once. A suspended carrier may be given a new secret too (a leaked one: suspend, "
        "rotate, reactivate)."
    ),
)
def rotate_carrier_secret(call: Call, carrier_id: str) -> dict:
    c = container()
    carrier, secret = carrier_service.rotate_secret(
        c.carriers, call.actor, carrier_id, master=c.settings.secret("carrier_signing"), now=c.clock()
    )
    return carrier_secret_public(carrier, secret)


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
