"""The three public storefronts: browse, search, product pages, shops."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..services import storefront
from . import cursors
from .errors import api_errors
from .http import choice_param, limit_param, ok, query, text_param
from .presenters import card_public, product_public, shop_public

bp = Blueprint(__name__)


def browse_scope(storefront_key: str, filters: dict) -> str:
    """What a storefront page cursor is bound to (the web storefront pages with the same cursors)."""
    return "browse:" + storefront_key + ":" + repr(sorted(filters.items()))


@bp.route("/v1/storefronts", methods=["GET"])
@api_errors
def list_storefronts():
    return ok({"items": storefront.all_storefronts()})


@bp.route("/v1/storefronts/{storefront_key}/products", methods=["GET"])
@api_errors
def browse(storefront_key):
    params = query(bp.current_request)
    filters = {
        "category": text_param(params, "category", 40),
        "prefecture": text_param(params, "prefecture", 60),
        "q": text_param(params, "q", 100),
        "sort": choice_param(params, "sort", storefront.SORTS, "newest"),
    }
    limit = limit_param(params)
    c = container()
    scope = browse_scope(storefront_key, filters)
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = storefront.browse(c.catalog, storefront_key, limit=limit, start=start, **filters)
    return ok(
        {
            "items": [card_public(card, c.media.url) for card in page.items],
            "next_cursor": cursors.encode(c.settings.cursor_secret, scope, page.last_key),
        }
    )


@bp.route("/v1/storefronts/{storefront_key}/products/{product_id}", methods=["GET"])
@api_errors
def product_page(storefront_key, product_id):
    c = container()
    product = storefront.listed_product(c.catalog, storefront_key, product_id)
    return ok(product_public(product, c.media.url))


@bp.route("/v1/storefronts/{storefront_key}/shops", methods=["GET"])
@api_errors
def shops(storefront_key):
    params = query(bp.current_request)
    c = container()
    scope = f"storefront-shops:{storefront_key}"
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = storefront.storefront_shops(c.catalog, storefront_key, limit_param(params), start)
    return ok(
        {
            "items": [shop_public(s) for s in page.items],
            "next_cursor": cursors.encode(c.settings.cursor_secret, scope, page.last_key),
        }
    )
