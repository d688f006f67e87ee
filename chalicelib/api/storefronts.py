"""The three public storefronts: browse, search, product pages, shops."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain import seasons
from ..services import storefront
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
    query=BROWSE_FILTERS,
    paged=True,
    responses={200: "CardsPage"},
    budget=Budget(1, "one Query of one facet partition (listings table or its price-index), whatever the filters"),
)
def browse(call: Call, storefront_key: str) -> dict:
    c = container()
    page = storefront.browse(c.catalog, storefront_key, limit=call.page.limit, start=call.page.start, **call.params)
    today = seasons.day_of(c.clock())
    return call.page.respond(page, lambda card: card_public(card, c.media.url, today))


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront_key}/products/{product_id}",
    "getStorefrontProduct",
    "A product page",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: "ProductPublic"},
    budget=Budget(1, "one GetItem: the shop summary is denormalised on the product"),
)
def product_page(call: Call, storefront_key: str, product_id: str) -> dict:
    c = container()
    product = storefront.listed_product(c.catalog, storefront_key, product_id)
    return product_public(product, c.media.url, today=seasons.day_of(c.clock()))


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
