"""Public storefront reads. Each page is one Query on one facet partition (see domain/search.py)."""

from __future__ import annotations

from typing import Any

from ..domain import markets, search
from ..domain.catalog import Product, Shop, validate_slug
from ..domain.errors import NotFound, ValidationFailed
from ..domain.identity import ensure_shop_visible
from ..domain.storefronts import STOREFRONTS, get_storefront
from .ports import JSON, CatalogRepository, Page, Position

SORTS = ("newest", "price_asc", "price_desc")


def all_storefronts() -> list[dict[str, Any]]:
    return [
        {
            "storefront": sf.key,
            "name": sf.name,
            "description": sf.description,
            "currency": sf.currency,
            "categories": list(sf.categories),
            "return_window_days": sf.return_window_days,
        }
        for sf in STOREFRONTS.values()
    ]


def browse(
    repo: CatalogRepository,
    storefront: str,
    *,
    category: str | None,
    prefecture: str | None,
    q: str | None,
    sort: str,
    limit: int,
    start: Position | None,
    gi: str | None = None,
    in_season: str | None = None,
    market: str | None = None,
    lang: str | None = None,
) -> Page[JSON]:
    """Issue 15: `gi="verified"` (a verified geographic indication) and `in_season="true"` read the partition
    of those flags (with the category and prefecture): still one Query."""
    sf = get_storefront(storefront)
    if category and category not in sf.categories:
        raise ValidationFailed(
            "unknown category",
            details=[{"field": "category", "message": f"must be one of {', '.join(sf.categories)}"}],
        )
    if q and not search.query_tokens(q):
        return Page([], None)  # a query with no letters or digits (or only words like "and") matches nothing
    flags = tuple(
        flag for flag, on in ((search.FLAG_GI, gi == "verified"), (search.FLAG_SEASON, in_season == "true")) if on
    )
    if market and market != markets.HOME_MARKET:  # issue 12: only products sold there, still one Query
        flags += (search.market_flag(markets.get_market(market).market),)
    facet, must_contain = search.query_facet(sf.key, category, prefecture, q, flags)
    return repo.listings(facet, sort, limit, start, must_contain)


def listed_product(repo: CatalogRepository, storefront: str, product_id: str, market: str | None = None) -> Product:
    """Issue 12: in a foreign `market`, only a product sold there is found."""
    sf = get_storefront(storefront)
    product = repo.get_product(product_id)
    if product is None or product.storefront != sf.key or not product.is_listed:
        raise NotFound("product not found", code="product_not_found")
    if market and market != markets.HOME_MARKET and market not in product.markets:
        raise NotFound("this product is not sold in your market", code="product_not_found")
    return product


def storefront_shops(repo: CatalogRepository, storefront: str, limit: int, start: Position | None) -> Page[Shop]:
    return repo.active_shops(get_storefront(storefront).key, limit, start)


def shops_by_slug(repo: CatalogRepository, slug: str, storefront: str | None = None) -> list[Shop]:
    """The active shops answering to `slug`. Slugs are unique per storefront, so there is at most one per
    storefront: naming the storefront costs one lookup, otherwise each storefront is tried."""
    try:
        validate_slug(slug)
    except ValidationFailed:
        raise NotFound("shop not found", code="shop_not_found") from None
    keys = [get_storefront(storefront).key] if storefront else list(STOREFRONTS)
    found = []
    for key in keys:
        shop = repo.get_shop_by_slug(key, slug)
        if shop is not None and shop.status == "active":
            found.append(shop)
    return found


def listed_shop_products(repo: CatalogRepository, shop: Shop, limit: int, start: Position | None) -> Page[Product]:
    """A public page of a shop's products: one Query of its live products, drafts left out."""
    ensure_shop_visible(None, shop)
    page = repo.shop_products(shop.shop_id, limit, start)
    return Page([p for p in page.items if p.is_listed], page.last_key)
