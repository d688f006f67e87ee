"""Use cases for shops: open, read, edit, list, moderate."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.catalog import Shop, slugify, validate_slug
from ..domain.errors import Conflict, NotFound, PreconditionFailed
from ..domain.identity import Actor, Role, ensure_shop_owner, ensure_shop_visible, require_role
from ..domain.storefronts import get_storefront, validate_region
from .ports import CatalogRepository, Page, Position


def open_shop(repo: CatalogRepository, actor: Actor, data: dict[str, Any], *, now: str, shop_id: str) -> Shop:
    require_role(actor, Role.SELLER)
    storefront = get_storefront(data["storefront"]).key
    slug = validate_slug(data["slug"]) if data.get("slug") else slugify(data["name"])
    shop = Shop(
        shop_id=shop_id,
        owner_id=actor.user_id,
        name=data["name"].strip(),
        slug=slug,
        storefront=storefront,
        description=(data.get("description") or "").strip(),
        region=validate_region(data["region"]),
        status="pending",
        created_at=now,
        updated_at=now,
        version=1,
    )
    repo.create_shop(shop)
    return shop


def load_shop(repo: CatalogRepository, shop_id: str) -> Shop:
    shop = repo.get_shop(shop_id)
    if shop is None:
        raise NotFound("shop not found", code="shop_not_found")
    return shop


def view_shop(repo: CatalogRepository, actor: Actor | None, shop_id: str) -> Shop:
    shop = load_shop(repo, shop_id)
    ensure_shop_visible(actor, shop)
    return shop


def owned_shop(repo: CatalogRepository, actor: Actor, shop_id: str) -> Shop:
    require_role(actor, Role.SELLER)
    shop = load_shop(repo, shop_id)
    ensure_shop_owner(actor, shop)
    return shop


def edit_shop(repo: CatalogRepository, actor: Actor, shop_id: str, changes: dict[str, Any], *, now: str) -> Shop:
    shop = owned_shop(repo, actor, shop_id)
    fields = {}
    if "name" in changes:
        fields["name"] = changes["name"].strip()
    if "description" in changes:
        fields["description"] = (changes["description"] or "").strip()
    if "region" in changes:
        fields["region"] = validate_region(changes["region"])
    if not fields:
        return shop
    updated = repo.update_shop(replace(shop, **fields, updated_at=now), shop.version)
    if any(updated.summary()[k] != shop.summary()[k] for k in ("name", "region")):
        resync_products(repo, updated)
    return updated


def my_shops(repo: CatalogRepository, actor: Actor, limit: int, start: Position | None) -> Page[Shop]:
    require_role(actor, Role.SELLER)
    return repo.shops_by_owner(actor.user_id, limit, start)


def moderation_queue(
    repo: CatalogRepository, actor: Actor, status: str, limit: int, start: Position | None
) -> Page[Shop]:
    require_role(actor, Role.OPERATOR)
    return repo.shops_by_status(status, limit, start)


def moderate(repo: CatalogRepository, actor: Actor, shop_id: str, action: str, *, now: str) -> Shop:
    """approve -> active, suspend -> suspended; the shop's products follow it in or out of storefronts."""
    require_role(actor, Role.OPERATOR)
    shop = load_shop(repo, shop_id)
    updated = repo.update_shop(shop.transition(action, now), shop.version)
    resync_products(repo, updated)
    return updated


def shop_snapshot(shop: Shop) -> dict[str, Any]:
    """What a product carries of its shop. `owner_id` lets owner reads check ownership without reading the
    shop (shops never change owner); it is never shown publicly (api/presenters.py picks public keys)."""
    return {**shop.summary(), "status": shop.status, "owner_id": shop.owner_id}


def resync_products(repo: CatalogRepository, shop: Shop) -> int:
    """Copies the shop's summary and status onto each of its live products (and so their listings).

    Idempotent: running it again (the shop's next moderation or rename) finishes a job a failure interrupted.
    """
    snapshot = shop_snapshot(shop)
    changed = 0
    for product in repo.all_live_shop_products(shop.shop_id):
        for _ in range(3):
            if product.shop == snapshot:
                break
            try:
                repo.save_product(replace(product, shop=snapshot), product.version, shop.status)
                changed += 1
                break
            except (PreconditionFailed, Conflict):
                fresh = repo.get_product(product.product_id)
                if fresh is None:
                    break
                product = fresh
    return changed
