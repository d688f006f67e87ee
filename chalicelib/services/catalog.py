"""Use cases for a seller's products."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.catalog import Product, Shop, check_product_fields
from ..domain.errors import Conflict, NotFound, PreconditionFailed
from ..domain.identity import Actor, Role, require_role
from .ports import CatalogRepository, Page, Position
from .shops import load_shop, owned_shop, shop_snapshot

_EDITABLE = ("title", "description", "category", "price_amount", "currency", "stock", "status", "attributes")


def add_product(
    repo: CatalogRepository, actor: Actor, shop_id: str, data: dict[str, Any], *, now: str, product_id: str
) -> Product:
    shop = owned_shop(repo, actor, shop_id)
    fields = {k: data[k] for k in _EDITABLE}
    fields["attributes"] = check_product_fields(shop.storefront, fields)
    product = Product(
        product_id=product_id,
        shop_id=shop.shop_id,
        storefront=shop.storefront,
        shop=shop_snapshot(shop),
        created_at=now,
        updated_at=now,
        **fields,
    )
    return repo.save_product(product, None, shop.status)


def owned_shop_and_product(
    repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str
) -> tuple[Shop, Product]:
    """The shop and product, if `actor` owns the shop (operators may read any)."""
    shop = load_shop(repo, shop_id) if actor.is_operator else owned_shop(repo, actor, shop_id)
    product = repo.get_product(product_id)
    if product is None or product.shop_id != shop.shop_id:
        raise NotFound("product not found", code="product_not_found")
    return shop, product


def _snapshot_proves_access(actor: Actor, product: Product) -> bool:
    """The product's shop snapshot names `actor` as the owner (shops never change owner), or an operator."""
    return actor.is_operator or (actor.has(Role.SELLER) and product.shop.get("owner_id") == actor.user_id)


def owned_product(repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str) -> Product:
    """The product, if `actor` owns its shop (operators may read any): one read when it is theirs.

    Anything else (no such product, another shop, another owner, a product stored before snapshots named
    the owner) takes the full path, which reads the shop and gives the usual 403/404.
    """
    product = repo.get_product(product_id)
    if product is not None and product.shop_id == shop_id and _snapshot_proves_access(actor, product):
        return product
    shop = load_shop(repo, shop_id) if actor.is_operator else owned_shop(repo, actor, shop_id)
    if product is None or product.shop_id != shop.shop_id:
        raise NotFound("product not found", code="product_not_found")
    return product


def shop_products(
    repo: CatalogRepository, actor: Actor, shop_id: str, limit: int, start: Position | None, archived: bool
) -> Page[Product]:
    """One Query when the page's products prove ownership; an empty page also reads the shop (403/404)."""
    if actor.is_operator:
        return repo.shop_products(shop_id, limit, start, archived)
    require_role(actor, Role.SELLER)
    page = repo.shop_products(shop_id, limit, start, archived)
    if not page.items or not all(_snapshot_proves_access(actor, p) for p in page.items):
        owned_shop(repo, actor, shop_id)
    return page


def edit_product(
    repo: CatalogRepository,
    actor: Actor,
    shop_id: str,
    product_id: str,
    changes: dict[str, Any],
    *,
    if_match: int | None,
    now: str,
) -> Product:
    require_role(actor, Role.SELLER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    if if_match is not None and if_match != product.version:
        raise PreconditionFailed("the product was changed since you read it", code="stale_product")
    if product.status == "archived":
        raise Conflict("an archived product cannot be edited", code="product_archived")
    fields = {k: getattr(product, k) for k in _EDITABLE}
    fields.update({k: v for k, v in changes.items() if k in _EDITABLE})
    fields["attributes"] = check_product_fields(product.storefront, fields)
    updated = replace(product, **fields, shop=shop_snapshot(shop), updated_at=now)
    return repo.save_product(updated, product.version, shop.status)


def archive_product(
    repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str, *, if_match: int | None, now: str
) -> Product:
    require_role(actor, Role.SELLER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    if if_match is not None and if_match != product.version:
        raise PreconditionFailed("the product was changed since you read it", code="stale_product")
    if product.status == "archived":
        return product
    archived = replace(product, status="archived", updated_at=now)
    return repo.save_product(archived, product.version, shop.status)


STOCK_EVENTS = frozenset({"order.created", "order.cancelled", "order.expired", "order.refunded", "order.returned"})


def refresh_cards(repo: CatalogRepository, product_ids: list[str]) -> int:
    """Rewrites the storefront cards of products whose in-stock flag flipped (a sale took the last units, a
    cancellation or return brought stock back); returns how many products it rewrote.

    Checkout changes only the stock (its transaction has no room for listing entries), and cards carry only
    "in stock or not", so most sales need nothing here: one GetItem per product finds the listing entries
    still true (`Product.listings_stale`) and writes nothing. Cards follow within seconds of the order event.
    """
    refreshed = 0
    for product_id in product_ids:
        for _ in range(3):
            product = repo.get_product(product_id)
            if product is None or not product.listings_stale:
                break
            try:
                repo.save_product(product, product.version, product.shop_status)
                refreshed += 1
                break
            except (PreconditionFailed, Conflict):
                continue  # changed meanwhile: that write refreshed the cards, or the next try will
    return refreshed


def reindex(
    repo: CatalogRepository, *, page_size: int = 100, start: Position | None = None, max_pages: int | None = None
) -> dict[str, Any]:
    """Rewrites the listing entries of every listed product whose entries are not what this code would write
    (products saved before the current search tokens, cards or price fingerprint: `listings_stale`).
    Maintenance, run once after such a change (`python -m devtools.reindex`); idempotent, resumable from the
    returned `next`. Reads the Products table page by page (a Scan: never behind a user-facing route)."""
    seen = rewritten = pages = 0
    while True:
        page = repo.scan_products(page_size, start)
        for product in page.items:
            seen += 1
            rewritten += refresh_cards(repo, [product.product_id]) if product.listings_stale else 0
        pages += 1
        start = page.last_key
        if not start or (max_pages is not None and pages >= max_pages):
            return {"seen": seen, "rewritten": rewritten, "next": start}
