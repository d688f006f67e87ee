"""The three public storefronts: browse, search, product pages, shops."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain import seasons
from ..domain.markets import LANGUAGES, MARKETS, FxRate, Market, get_market, pick_language
from ..services import delivery_promise, storefront
from ..services import markets as markets_service
from . import http
from .presenters import card_public, product_public, shop_public
from .routing import ANYONE, Budget, Call, Scope, choice, route, text

bp = Blueprint(__name__)

# The storefront page's filters; the web storefront page (web/catalog.py) parses them the same way.
BROWSE_FILTERS = (
    text("category", 40, "one of the storefront's categories"),
    text("prefecture", 60, "origin (specialties) or shop prefecture"),
    text(
        "q",
        100,
        "words of the title, in any of its scripts: Chinese by two-character sequences (a one-character q "
        "matches only that character standing alone), Russian and English by stem (орехи = орех, walnuts "
        "= walnut), Uyghur with or without the hamza; every word must match; case-insensitive",
    ),
    choice("sort", storefront.SORTS, "order", default="newest"),
    # issue 15: each is one partition (with the category and prefecture), so the page stays one Query
    choice("gi", ("verified",), "only products with a verified geographic indication", example="verified"),
    choice("in_season", ("true",), "only products in season today", example="true"),
)
# Issue 12: the buyer's market and language (API only; the web has its own /ru pages)
MARKET_QUERY = (
    choice(
        "market",
        tuple(MARKETS),
        "the buyer's market: `ru` shows only products sold in Russia, prices in RUB converted from CNY at the "
        "current rate (rounded half up to whole kopecks) with `fx`; the rate is cached up to 60 s per instance",
        example="ru",
    ),
    choice("lang", LANGUAGES, "the language of titles and descriptions (else Accept-Language, else the market's)"),
)
_LOCALISED = {"Vary": "Accept-Language"}


def _localised(call: Call) -> tuple[dict, Market | None, str | None, FxRate | None]:
    """The other parameters, and the market, language and rate a storefront read is shown in."""
    params = dict(call.params)
    key, lang = params.pop("market", None), params.pop("lang", None)
    market = get_market(key) if key else None
    chosen = pick_language(lang, call.request.headers.get("accept-language"), market)
    rate = markets_service.rate_for(container().markets, market) if market else None
    return params, market, chosen, rate


@route(
    bp,
    "GET",
    "/v1/storefronts",
    "listStorefronts",
    "The storefronts",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: "StorefrontList"},
    budget=Budget(0, "static: the storefronts are domain constants"),
)
def list_storefronts(call: Call) -> dict:
    return {"items": storefront.all_storefronts()}


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront_key}/products",
    "listStorefrontProducts",
    "Browse and search a storefront",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    query=BROWSE_FILTERS + MARKET_QUERY,
    paged=True,
    responses={200: "CardsPage"},
    budget=Budget(
        1,
        "one Query of one facet partition (listings table or its price-index), whatever the filters; "
        "market=ru reads the market's partition and converts at the rate cached per instance (<= 60 s old)",
    ),
)
def browse(call: Call, storefront_key: str) -> Response:
    c = container()
    params, market, lang, rate = _localised(call)
    page = storefront.browse(
        c.catalog,
        storefront_key,
        limit=call.page.limit,
        start=call.page.start,
        market=market.market if market else None,
        **params,
    )
    today = seasons.day_of(c.clock())
    body = call.page.respond(
        page, lambda card: markets_service.localise_card(card_public(card, c.media.url, today), lang, rate)
    )
    return http.ok(body, headers=_LOCALISED)


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront_key}/products/{product_id}",
    "getStorefrontProduct",
    "A product page",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    query=(*MARKET_QUERY, text("city", 60, "market=ru: the buyer's city, for the delivery promise")),
    responses={200: "ProductPublic"},
    budget=Budget(1, "one GetItem: the shop summary is denormalised on the product; the rate is cached"),
)
def product_page(call: Call, storefront_key: str, product_id: str) -> Response:
    c = container()
    params, market, lang, rate = _localised(call)
    product = storefront.listed_product(c.catalog, storefront_key, product_id, market.market if market else None)
    body = product_public(product, c.media.url, today=seasons.day_of(c.clock()))
    body = markets_service.localise_product(body, product.translations, lang, rate)
    if market is not None and rate is not None:  # issue 12: delivered by <date> (zones cached like the rate)
        body["delivery_promise"] = delivery_promise.promise_for(
            c.markets, market.market, params.get("city"), product.attributes, c.clock()
        )
    return http.ok(body, headers=_LOCALISED)


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront_key}/shops",
    "listStorefrontShops",
    "Active shops of a storefront",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    paged=True,
    responses={200: "ShopsPage"},
    budget=Budget(1, "one Query of storefront-status-index"),
)
def shops(call: Call, storefront_key: str) -> dict:
    page = storefront.storefront_shops(container().catalog, storefront_key, call.page.limit, call.page.start)
    return call.page.respond(page, shop_public)
