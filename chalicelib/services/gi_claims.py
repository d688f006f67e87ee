"""Geographic-indication claims (issue 15): a seller proves that products carry a protected GI, an operator
verifies or rejects the proof, and may later revoke a verified claim.

Only a verified claim puts the badge on its products (`Product.gi`, which the seller cannot set): their cards,
product pages and the storefront's `gi=verified` pages follow from it. Revoking a claim takes the badge off
every one of its products, everywhere. A product is in one pending or verified claim at a time.

Deciding writes the claim first (version-checked), then each product (one transaction each, like a shop's
moderation). If that stops part-way, the same decision again (verify a verified claim, revoke a revoked one)
finishes it: it answers the claim as it is and brings its products in line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.provenance import GI_CLAIM_STATUSES, GI_REGISTERS, MAX_GI_PRODUCTS, GiClaim
from .ports import CatalogRepository, Page, Position, ProvenanceRepository
from .shop_uploads import ready_upload
from .shops import owned_shop

_DONE = {"verify": "verified", "reject": "rejected", "revoke": "revoked"}


def submit_claim(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    shop_id: str,
    data: dict[str, Any],
    *,
    now: str,
    claim_id: str,
) -> GiClaim:
    shop = owned_shop(catalog, actor, shop_id)
    product_ids = list(dict.fromkeys(data["product_ids"]))
    if not 1 <= len(product_ids) <= MAX_GI_PRODUCTS:
        raise ValidationFailed(
            "product_ids is not valid",
            details=[{"field": "product_ids", "message": f"1 to {MAX_GI_PRODUCTS} distinct product ids"}],
        )
    if data["register"] not in GI_REGISTERS:
        raise ValidationFailed(
            "register is not valid", details=[{"field": "register", "message": f"one of {', '.join(GI_REGISTERS)}"}]
        )
    products = catalog.get_products(product_ids)
    foreign = [pid for pid in product_ids if pid not in products or products[pid].shop_id != shop.shop_id]
    archived = [pid for pid in product_ids if pid in products and products[pid].status == "archived"]
    if foreign or archived:
        raise ValidationFailed(
            "some products cannot be claimed",
            details=[{"field": "product_ids", "message": f"{pid} is not a product of this shop"} for pid in foreign]
            + [{"field": "product_ids", "message": f"{pid} is archived"} for pid in archived],
        )
    document = ready_upload(provenance, shop.shop_id, data["document"], "gi_document", "document")
    claim = GiClaim(
        claim_id=claim_id,
        shop_id=shop.shop_id,
        owner_id=shop.owner_id,
        product_ids=tuple(product_ids),
        register=data["register"],
        registration_number=data["registration_number"].strip(),
        protected_name=data["protected_name"].strip(),
        document=dict(document.file),
        status="pending",
        created_at=now,
        updated_at=now,
    )
    return provenance.create_claim(claim)


def shop_claims(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    shop_id: str,
    limit: int,
    start: Position | None,
) -> Page[GiClaim]:
    """One Query when the page's claims prove ownership; an empty page also reads the shop (403/404)."""
    require_role(actor, Role.SELLER)
    page = provenance.shop_claims(shop_id, limit, start)
    if not page.items or not all(c.owner_id == actor.user_id for c in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def claims_queue(
    provenance: ProvenanceRepository, actor: Actor, status: str, limit: int, start: Position | None
) -> Page[GiClaim]:
    require_role(actor, Role.OPERATOR)
    if status not in GI_CLAIM_STATUSES:
        raise ValidationFailed("status is not valid", details=[{"field": "status", "message": "unknown status"}])
    return provenance.claims_by_status(status, limit, start)


def decide(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    actor: Actor,
    claim_id: str,
    action: str,
    *,
    now: str,
    reason: str | None = None,
) -> GiClaim:
    """verify | reject | revoke; then the claim's products get (or lose) the badge."""
    require_role(actor, Role.OPERATOR)
    claim = provenance.get_claim(claim_id)
    if claim is None:
        raise NotFound("claim not found", code="claim_not_found")
    if claim.status != _DONE[action]:
        claim = provenance.update_claim(claim.decide(action, actor.user_id, now, reason), claim.version)
    if action != "reject":
        apply_badge(catalog, claim)
    return claim


def apply_badge(catalog: CatalogRepository, claim: GiClaim) -> int:
    """Puts the claim's badge on its products (verified) or takes it off (any other status), each product
    in its own transaction; a product whose badge comes from another claim is left alone. Idempotent."""
    badge = claim.badge()
    changed = 0
    for product_id in claim.product_ids:
        for _ in range(3):
            product = catalog.get_product(product_id)
            if product is None:
                break
            ours = product.gi is not None and product.gi.get("claim_id") == claim.claim_id
            if badge is not None and product.gi == badge:
                break
            if badge is None and not ours:
                break
            try:
                catalog.save_product(replace(product, gi=badge), product.version, product.shop_status)
                changed += 1
                break
            except (PreconditionFailed, Conflict):
                continue  # changed meanwhile: read it again
    return changed
