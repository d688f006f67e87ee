"""Use cases for a seller's products."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain import markets, seasons
from ..domain.catalog import Product, Shop, check_product_fields
from ..domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..domain.identity import Actor, Role, manages_shop, require_role
from .ports import CatalogRepository, Page, Position, ProvenanceRepository
from .shops import load_shop, owned_shop, shop_snapshot

_EDITABLE = ("title", "description", "category", "price_amount", "currency", "stock", "status", "attributes")
_EXPORT_FIELDS = ("shipping", "translations")  # issue 12


def _export_fields(data: dict[str, Any], product: Product | None) -> dict[str, Any]:
    """Issue 12: the product's shipping data and translations, checked (kept from `product` when not given)."""
    out: dict[str, Any] = {
        "shipping": product.shipping if product else None,
        "translations": product.translations if product else {},
    }
    if data.get("shipping") is not None:
        out["shipping"] = markets.validate_shipping(data["shipping"])
    if data.get("translations") is not None:
        out["translations"] = markets.validate_translations(data["translations"])
    return out


def add_product(
    repo: CatalogRepository,
    actor: Actor,
    shop_id: str,
    data: dict[str, Any],
    *,
    now: str,
    product_id: str,
    makers: ProvenanceRepository | None = None,
) -> Product:
    """`makers`: where a `maker_id` attribute is looked up (issue 15; one more GetItem when one is named)."""
    shop = owned_shop(repo, actor, shop_id, managed=True)
    fields = {k: data[k] for k in _EDITABLE}
    fields["attributes"] = check_product_fields(shop.storefront, fields)
    fields["attributes"] = _provenance_rules(fields["attributes"], {}, shop.shop_id, makers, now)
    product = Product(
        product_id=product_id,
        shop_id=shop.shop_id,
        storefront=shop.storefront,
        shop=shop_snapshot(shop),
        created_at=now,
        updated_at=now,
        **fields,
        **_export_fields(data, None),
    ).with_season(seasons.day_of(now))
    return repo.save_product(product, None, shop.status)


# --- issue 15 ---------------------------------------------------------------------------------------

PRESALE_HORIZON_DAYS = 400


def _provenance_rules(
    attributes: dict[str, Any],
    before: dict[str, Any],
    shop_id: str,
    makers: ProvenanceRepository | None,
    now: str,
) -> dict[str, Any]:
    """The rules of a product's attributes that need more than the attributes: a `maker_id` names a maker of
    the product's shop (and the maker's name is copied into `maker`, which cards and pages show); a pre-sale
    that is new or changed ships from today or later (within PRESALE_HORIZON_DAYS)."""
    out = dict(attributes)
    maker_id = out.get("maker_id")
    if maker_id:
        maker = makers.get_maker(maker_id) if makers is not None else None
        if maker is None or maker.shop_id != shop_id:
            raise ValidationFailed(
                "attributes are not valid for this storefront",
                details=[{"field": "attributes.maker_id", "message": "is not a maker of this shop"}],
            )
        out["maker"] = maker.name
    presale = out.get("presale")
    if presale and presale != before.get("presale"):
        today = seasons.day_of(now)
        ships_from = seasons.parse_day(presale["ships_from"])
        if not today <= ships_from <= today + dt.timedelta(days=PRESALE_HORIZON_DAYS):
            raise ValidationFailed(
                "attributes are not valid for this storefront",
                details=[
                    {
                        "field": "attributes.presale.ships_from",
                        "message": f"must be from today to {PRESALE_HORIZON_DAYS} days ahead",
                    }
                ],
            )
    return out


def refresh_seasons(repo: CatalogRepository, *, now: str, limit: int = 100, max_rounds: int = 50) -> int:
    """Re-lists the products whose season changed by today (run on a schedule): each gets its in-season flag
    and next change re-computed and is saved, so it joins or leaves the `in_season=true` pages. One Query of
    the season-index per round of `limit`, then per product a GetItem and its transaction. Returns how many
    products it re-saved."""
    day = seasons.day_of(now)
    done = 0
    for _ in range(max_rounds):
        due = repo.season_due(day.isoformat(), limit)
        for product_id in due:
            for _attempt in range(3):
                product = repo.get_product(product_id)
                if product is None:
                    break
                updated = product.with_season(day)
                if (updated.in_season, updated.season_next) == (product.in_season, product.season_next):
                    break
                try:
                    repo.save_product(updated, product.version, product.shop_status)
                    done += 1
                    break
                except (PreconditionFailed, Conflict):
                    continue  # changed meanwhile: read it again
        if len(due) < limit:
            break
    return done


def owned_shop_and_product(
    repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str
) -> tuple[Shop, Product]:
    """The shop and product, if `actor` owns the shop (operators may read any)."""
    shop = load_shop(repo, shop_id) if actor.is_operator else owned_shop(repo, actor, shop_id, managed=True)
    product = repo.get_product(product_id)
    if product is None or product.shop_id != shop.shop_id:
        raise NotFound("product not found", code="product_not_found")
    return shop, product


def _snapshot_proves_access(actor: Actor, product: Product) -> bool:
    """The product's shop snapshot names `actor` as the owner (shops never change owner) or as the partner
    managing it for a producer (issue 11), or an operator."""
    if actor.is_operator:
        return True
    runs = manages_shop(actor, product.shop.get("owner_id"), product.shop.get("managed_by"))
    return (actor.has(Role.SELLER) or actor.has(Role.PARTNER)) and runs


def owned_product(repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str) -> Product:
    """The product, if `actor` owns its shop (operators may read any): one read when it is theirs.

    Anything else (no such product, another shop, another owner, a product stored before snapshots named
    the owner) takes the full path, which reads the shop and gives the usual 403/404.
    """
    product = repo.get_product(product_id)
    if product is not None and product.shop_id == shop_id and _snapshot_proves_access(actor, product):
        return product
    shop = load_shop(repo, shop_id) if actor.is_operator else owned_shop(repo, actor, shop_id, managed=True)
    if product is None or product.shop_id != shop.shop_id:
        raise NotFound("product not found", code="product_not_found")
    return product


def shop_products(
    repo: CatalogRepository, actor: Actor, shop_id: str, limit: int, start: Position | None, archived: bool
) -> Page[Product]:
    """One Query when the page's products prove ownership; an empty page also reads the shop (403/404)."""
    if actor.is_operator:
        return repo.shop_products(shop_id, limit, start, archived)
    require_role(actor, Role.SELLER, Role.PARTNER)
    page = repo.shop_products(shop_id, limit, start, archived)
    if not page.items or not all(_snapshot_proves_access(actor, p) for p in page.items):
        owned_shop(repo, actor, shop_id, managed=True)
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
    makers: ProvenanceRepository | None = None,
) -> Product:
    require_role(actor, Role.SELLER, Role.PARTNER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    if if_match is not None and if_match != product.version:
        raise PreconditionFailed("the product was changed since you read it", code="stale_product")
    if product.status == "archived":
        raise Conflict("an archived product cannot be edited", code="product_archived")
    fields = {k: getattr(product, k) for k in _EDITABLE}
    fields.update({k: v for k, v in changes.items() if k in _EDITABLE})
    fields["attributes"] = check_product_fields(product.storefront, fields)
    fields["attributes"] = _provenance_rules(fields["attributes"], product.attributes, shop.shop_id, makers, now)
    fields.update(_export_fields(changes, product))
    updated = replace(product, **fields, shop=shop_snapshot(shop), updated_at=now).with_season(seasons.day_of(now))
    return repo.save_product(updated, product.version, shop.status)


def archive_product(
    repo: CatalogRepository, actor: Actor, shop_id: str, product_id: str, *, if_match: int | None, now: str
) -> Product:
    require_role(actor, Role.SELLER, Role.PARTNER)
    shop, product = owned_shop_and_product(repo, actor, shop_id, product_id)
    if if_match is not None and if_match != product.version:
        raise PreconditionFailed("the product was changed since you read it", code="stale_product")
    if product.status == "archived":
        return product
    archived = replace(product, status="archived", updated_at=now).with_season(seasons.day_of(now))
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
    repo: CatalogRepository,
    *,
    page_size: int = 100,
    start: Position | None = None,
    max_pages: int | None = None,
    now: str | None = None,
) -> dict[str, Any]:
    """Rewrites the listing entries of every listed product whose entries are not what this code would write
    (products saved before the current search tokens, cards or price fingerprint: `listings_stale`; issue 15:
    before origin counts, or, given `now`, before harvest calendars were listed in season).
    Maintenance, run once after such a change (`python -m devtools.reindex`); idempotent, resumable from the
    returned `next`. Reads the Products table page by page (a Scan: never behind a user-facing route)."""
    seen = rewritten = pages = 0
    day = seasons.day_of(now) if now else None
    while True:
        page = repo.scan_products(page_size, start)
        for product in page.items:
            seen += 1
            seasoned = product.with_season(day) if day else product
            if (seasoned.in_season, seasoned.season_next) != (product.in_season, product.season_next):
                try:
                    repo.save_product(seasoned, product.version, product.shop_status)
                    rewritten += 1
                except (PreconditionFailed, Conflict):
                    pass  # changed meanwhile: that save wrote it as it is now (the next run checks again)
                continue
            rewritten += refresh_cards(repo, [product.product_id]) if product.listings_stale else 0
        pages += 1
        start = page.last_key
        if not start or (max_pages is not None and pages >= max_pages):
            return {"seen": seen, "rewritten": rewritten, "next": start}
