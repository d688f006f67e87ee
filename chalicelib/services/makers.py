"""Makers (issue 15): the people behind a handicrafts shop's pieces, and their public page.

A seller manages the makers of a handicrafts shop; a product names one with `attributes.maker_id` (the shop's
own, checked on every save; services/catalog.py copies the maker's name into `maker`, which cards show). The
public maker page is one Query: the maker's profile and their listed products share one listing partition.
A maker is public while they have a listed product (so the makers of a suspended shop, whose products all
leave the storefronts, are not shown, and nothing has to follow the shop's moderation).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, NotFound, PreconditionFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.provenance import Maker
from ..domain.storefronts import validate_region
from .ports import JSON, CatalogRepository, Page, Position, ProvenanceRepository
from .shop_uploads import ready_upload
from .shops import owned_shop

MAKER_STOREFRONTS = ("handicrafts",)


def _photo(provenance: ProvenanceRepository, shop_id: str, upload_id: str | None) -> dict[str, Any] | None:
    if not upload_id:
        return None
    return ready_upload(provenance, shop_id, upload_id, "maker_photo", "photo").file


def add_maker(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    shop_id: str,
    data: dict[str, Any],
    *,
    now: str,
    maker_id: str,
) -> Maker:
    shop = owned_shop(catalog, actor, shop_id)
    if shop.storefront not in MAKER_STOREFRONTS:
        raise Conflict("makers are for handicrafts shops", code="makers_not_in_this_storefront")
    maker = Maker(
        maker_id=maker_id,
        shop_id=shop.shop_id,
        owner_id=shop.owner_id,
        storefront=shop.storefront,
        name=data["name"].strip(),
        story=(data.get("story") or "").strip(),
        workshop=(data.get("workshop") or "").strip(),
        region=validate_region(data["region"]),
        craft=data["craft"].strip(),
        photo=_photo(provenance, shop.shop_id, data.get("photo")),
        created_at=now,
        updated_at=now,
    )
    return provenance.create_maker(maker)


def shop_maker(
    catalog: CatalogRepository, provenance: ProvenanceRepository, actor: Actor, shop_id: str, maker_id: str
) -> Maker:
    """One read when the maker names `actor` as its shop's owner (shops never change owner); else the shop's
    read for the usual 403/404."""
    require_role(actor, Role.SELLER)
    maker = provenance.get_maker(maker_id)
    if maker is not None and maker.shop_id == shop_id and maker.owner_id == actor.user_id:
        return maker
    owned_shop(catalog, actor, shop_id)
    raise NotFound("maker not found", code="maker_not_found")


def shop_makers(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    shop_id: str,
    limit: int,
    start: Position | None,
) -> Page[Maker]:
    """One Query when the page's makers prove ownership; an empty page also reads the shop (403/404)."""
    require_role(actor, Role.SELLER)
    page = provenance.shop_makers(shop_id, limit, start)
    if not page.items or not all(m.owner_id == actor.user_id for m in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def edit_maker(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    shop_id: str,
    maker_id: str,
    changes: dict[str, Any],
    *,
    now: str,
) -> Maker:
    """A new name is copied onto the shop's live products that name the maker (one transaction each)."""
    maker = shop_maker(catalog, provenance, actor, shop_id, maker_id)
    fields: dict[str, Any] = {}
    for name in ("name", "craft"):
        if changes.get(name) is not None:  # required fields: null leaves them as they are
            fields[name] = changes[name].strip()
    for name in ("story", "workshop"):
        if name in changes:
            fields[name] = (changes[name] or "").strip()
    if changes.get("region") is not None:
        fields["region"] = validate_region(changes["region"])
    if "photo" in changes:  # null removes the photo
        fields["photo"] = _photo(provenance, shop_id, changes["photo"])
    if not fields:
        return maker
    saved = provenance.update_maker(replace(maker, **fields, updated_at=now), maker.version)
    if saved.name != maker.name:
        rename_on_products(catalog, provenance, saved)
    return saved


def rename_on_products(catalog: CatalogRepository, provenance: ProvenanceRepository, maker: Maker) -> int:
    """Copies the maker's name onto their listed products (their cards show it): the maker's listing partition
    names them, 100 a page (one Query and one BatchGetItem), then one transaction per product. A product that is
    not listed takes the new name at its next save (every save reads the maker)."""
    changed = 0
    start: Position | None = None
    while True:
        _, page = provenance.maker_page(maker.storefront, maker.maker_id, 100, start)
        products = catalog.get_products([card["product_id"] for card in page.items])
        for product_id in (card["product_id"] for card in page.items):
            product = products.get(product_id)
            for _ in range(3):
                if product is None or product.attributes.get("maker") == maker.name:
                    break
                if product.attributes.get("maker_id") != maker.maker_id:
                    break
                try:
                    renamed = replace(product, attributes={**product.attributes, "maker": maker.name})
                    catalog.save_product(renamed, product.version, product.shop_status)
                    changed += 1
                    break
                except (PreconditionFailed, Conflict):
                    product = catalog.get_product(product_id)
        start = page.last_key
        if not start:
            return changed


def public_maker(
    provenance: ProvenanceRepository, maker_id: str, limit: int, start: Position | None
) -> tuple[JSON | None, Page[JSON]]:
    """The maker's profile (on the first page) and a page of their listed products: one Query. 404 for a maker
    with no listed product."""
    if not maker_id or len(maker_id) > 80:
        raise NotFound("maker not found", code="maker_not_found")
    for storefront in MAKER_STOREFRONTS:
        profile, page = provenance.maker_page(storefront, maker_id, limit, start)
        if start is not None:
            return None, page
        if profile is not None and page.items:
            return profile, page
    raise NotFound("maker not found", code="maker_not_found")
