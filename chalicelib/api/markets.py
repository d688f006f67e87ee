"""Markets (issue 12): the markets, and the exchange rates operators record."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..services import markets
from .presenters import customs_declaration_public, fx_rate_public
from .routing import ANYONE, Budget, Call, Scope, roles, route

bp = Blueprint(__name__)


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
