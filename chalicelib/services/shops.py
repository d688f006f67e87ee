"""Use cases for shops: open, read, edit, list, moderate."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.catalog import Product, Shop, slugify, validate_slug
from ..domain.errors import Conflict, NotFound, PreconditionFailed, ServiceUnavailable, ValidationFailed
from ..domain.events import OutboxBatch, shop_resync_event
from ..domain.identity import (
    Actor,
    Role,
    ensure_shop_manager,
    ensure_shop_owner,
    ensure_shop_visible,
    require_role,
)
from ..domain.markets import EXPORT_MARKETS
from ..domain.storefronts import get_storefront, validate_region
from .ports import JSON, CatalogRepository, Outbox, Page, Position

RESYNC_PAGE = 100  # live products one step of the product job rewrites (one Query + up to 100 transactions)


def open_shop(repo: CatalogRepository, actor: Actor, data: dict[str, Any], *, now: str, shop_id: str) -> Shop:
    require_role(actor, Role.SELLER)
    return create_shop(repo, actor.user_id, data, now=now, shop_id=shop_id)


def create_shop(
    repo: CatalogRepository,
    owner_id: str,
    data: dict[str, Any],
    *,
    now: str,
    shop_id: str,
    managed_by: str | None = None,
) -> Shop:
    """A new shop of `owner_id`, pending the operators' approval (a seller's, or a producer's that their village
    partner manages: `managed_by`, issue 11)."""
    storefront = get_storefront(data["storefront"]).key
    slug = validate_slug(data["slug"]) if data.get("slug") else slugify(data["name"])
    shop = Shop(
        shop_id=shop_id,
        owner_id=owner_id,
        name=data["name"].strip(),
        slug=slug,
        storefront=storefront,
        description=(data.get("description") or "").strip(),
        region=validate_region(data["region"]),
        status="pending",
        created_at=now,
        updated_at=now,
        version=1,
        managed_by=managed_by,
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


def owned_shop(repo: CatalogRepository, actor: Actor, shop_id: str, *, managed: bool = False) -> Shop:
    """The shop, if `actor` owns it; with `managed`, also if they manage it for a producer (issue 11: its
    catalogue, pictures and orders; never its money, whose routes call this without `managed`)."""
    if not managed:
        require_role(actor, Role.SELLER)
        shop = load_shop(repo, shop_id)
        ensure_shop_owner(actor, shop)
        return shop
    require_role(actor, Role.SELLER, Role.PARTNER)
    shop = load_shop(repo, shop_id)
    ensure_shop_manager(actor, shop)
    return shop


def edit_shop(repo: CatalogRepository, actor: Actor, shop_id: str, changes: dict[str, Any], *, now: str) -> Shop:
    shop = owned_shop(repo, actor, shop_id, managed=True)
    fields = {}
    if "name" in changes:
        fields["name"] = changes["name"].strip()
    if "description" in changes:
        fields["description"] = (changes["description"] or "").strip()
    if "region" in changes:
        fields["region"] = validate_region(changes["region"])
    if "export_markets" in changes:  # issue 12: its products follow into (or out of) those markets in the job
        fields["export_markets"] = validate_export_markets(changes["export_markets"])
    if not fields:
        return shop
    edited = replace(shop, **fields, updated_at=now)
    resync = any(edited.summary()[k] != shop.summary()[k] for k in ("name", "region"))
    resync = resync or edited.export_markets != shop.export_markets
    events = [shop_resync_event(shop.shop_id, shop.version + 1, now)] if resync else []
    return repo.update_shop(edited, shop.version, events=events)


def my_shops(repo: CatalogRepository, actor: Actor, limit: int, start: Position | None) -> Page[Shop]:
    require_role(actor, Role.SELLER)
    return repo.shops_by_owner(actor.user_id, limit, start)


def moderation_queue(
    repo: CatalogRepository, actor: Actor, status: str, limit: int, start: Position | None
) -> Page[Shop]:
    require_role(actor, Role.OPERATOR)
    return repo.shops_by_status(status, limit, start)


def moderate(repo: CatalogRepository, actor: Actor, shop_id: str, action: str, *, now: str) -> Shop:
    """approve -> active, suspend -> suspended. The shop's new status is one write, and from that moment no
    checkout of its products can commit (checkout conditions on each shop's status). Its products then follow
    it in or out of storefronts in a job (`resync_step`), started by an event written in the same transaction
    as the status, so it cannot be lost. Repeating the action is allowed: it changes no status and runs the job
    again, which finishes one that was interrupted."""
    require_role(actor, Role.OPERATOR)
    shop = load_shop(repo, shop_id)
    event = shop_resync_event(shop.shop_id, shop.version + 1, now)
    return repo.update_shop(shop.transition(action, now), shop.version, events=[event])


def shop_snapshot(shop: Shop) -> dict[str, Any]:
    """What a product carries of its shop. `owner_id` lets owner reads check ownership without reading the
    shop (shops never change owner); it is never shown publicly (api/presenters.py picks public keys)."""
    snapshot = {**shop.summary(), "status": shop.status, "owner_id": shop.owner_id}
    if shop.managed_by:  # issue 11: the partner managing a producer's shop proves access the same way
        snapshot["managed_by"] = shop.managed_by
    if shop.export_markets:  # issue 12: which of its products are sold abroad follows from it
        snapshot["export_markets"] = list(shop.export_markets)
    return snapshot


def validate_export_markets(value: list[str]) -> tuple[str, ...]:
    unknown = [m for m in value if m not in EXPORT_MARKETS]
    if unknown:
        raise ValidationFailed(
            "unknown export market",
            code="unknown_market",
            details=[{"field": "export_markets", "message": f"foreign markets: {', '.join(EXPORT_MARKETS)}"}],
        )
    return tuple(sorted(set(value)))


def resync_step(catalog: CatalogRepository, outbox: Outbox, event: JSON, *, now: str) -> dict[str, int]:
    """One step of a shop's product job (the `shop.resync` events of `domain.events.shop_resync_event`): copies
    the shop's summary and status onto one page of its live products (and so their listings), then writes the
    next step's event to the outbox if more products follow. Idempotent: a step run twice (a redelivered
    message) rewrites nothing the first run did and writes the same next event (the outbox keeps one). A job
    for an older version of the shop stops: the newer change has its own job, which copies the shop as it is.
    """
    shop = catalog.get_shop(event["shop_id"])
    if shop is None or shop.version != event["version"]:
        return {"changed": 0, "more": 0, "stale": 1}
    page = catalog.shop_products(shop.shop_id, RESYNC_PAGE, event.get("start"), False)
    changed = sum(_resync(catalog, product, shop) for product in page.items)
    if page.last_key:
        following = shop_resync_event(
            shop.shop_id, shop.version, now, start=page.last_key, page=int(event.get("page", 0)) + 1
        )
        outbox.add(OutboxBatch(following["event_id"], (following,), now))
    return {"changed": changed, "more": int(bool(page.last_key)), "stale": 0}


def _resync(repo: CatalogRepository, product: Product, shop: Shop) -> int:
    """Copies the shop onto one product (re-read and retried if it changed meanwhile); 1 if it was rewritten.
    A product that keeps changing fails the step, whose message is then delivered again (the step re-runs)."""
    snapshot = shop_snapshot(shop)
    for _ in range(3):
        if product.shop == snapshot:
            return 0
        try:
            repo.save_product(replace(product, shop=snapshot), product.version, shop.status)
            return 1
        except (PreconditionFailed, Conflict):
            fresh = repo.get_product(product.product_id)
            if fresh is None:
                return 0
            product = fresh
    raise ServiceUnavailable(f"product {product.product_id} kept changing; the step runs again", retry_after=5)
