"""Who made it and where it comes from: makers, geographic-indication claims, the files that back them, origin
counts. Pure rules; services/makers.py, services/gi_claims.py and services/shop_uploads.py use them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .errors import Conflict
from .images import EXTENSIONS as IMAGE_EXTENSIONS

# --- files a shop uploads for its makers and claims -------------------------------------------------------

UPLOAD_PURPOSES = ("maker_photo", "gi_document")
UPLOAD_TYPES = {
    "maker_photo": ("image/jpeg", "image/png", "image/webp"),
    "gi_document": ("application/pdf", "image/jpeg", "image/png", "image/webp"),
}
EXTENSIONS = {**IMAGE_EXTENSIONS, "application/pdf": "pdf"}


def sniff_document(head: bytes) -> str | None:
    return "application/pdf" if head.startswith(b"%PDF-") else None


@dataclass(frozen=True)
class ShopUpload:
    """A file a seller uploads for the shop (a maker's photo, a GI registration document): announced, then
    verified and stored under a content-addressed key (`file`)."""

    upload_id: str
    shop_id: str
    owner_id: str
    purpose: str
    key: str  # where the browser uploads it (presigned POST)
    content_type: str
    size: int
    created_at: str
    status: str = "pending"  # pending -> ready
    file: dict[str, Any] = field(default_factory=dict)  # key, thumbnail_key?, medium_key?, width?, height?


# --- makers ---------------------------------------------------------------------------------------------

MAKER_FIELDS = ("name", "story", "workshop", "region", "craft", "photo")


@dataclass(frozen=True)
class Maker:
    maker_id: str
    shop_id: str
    owner_id: str
    storefront: str
    name: str
    story: str
    workshop: str
    region: dict[str, Any]
    craft: str
    created_at: str
    updated_at: str
    photo: dict[str, Any] | None = None  # a ShopUpload's file (maker_photo)
    version: int = 0


# --- geographic-indication claims -----------------------------------------------------------------------

GI_REGISTERS = ("CNIPA", "MARA", "other")
GI_CLAIM_STATUSES = ("pending", "verified", "rejected", "revoked")
MAX_GI_PRODUCTS = 20
_GI_TRANSITIONS = {
    "verify": ({"pending"}, "verified"),
    "reject": ({"pending"}, "rejected"),
    "revoke": ({"verified"}, "revoked"),
}


@dataclass(frozen=True)
class GiClaim:
    """A seller's proof that products carry a protected geographic indication, decided by an operator. Only a
    verified claim puts the badge on its products; revoking it takes the badge away."""

    claim_id: str
    shop_id: str
    owner_id: str
    product_ids: tuple[str, ...]
    register: str
    registration_number: str
    protected_name: str
    document: dict[str, Any]  # the ShopUpload's file (gi_document) and its content type
    status: str
    created_at: str
    updated_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    version: int = 0

    def decide(self, action: str, operator_id: str, now: str, reason: str | None = None) -> GiClaim:
        allowed_from, target = _GI_TRANSITIONS[action]
        if self.status not in allowed_from:
            raise Conflict(f"a {self.status} claim cannot be {action}d", code="illegal_claim_transition")
        return replace(self, status=target, updated_at=now, decided_at=now, decided_by=operator_id, reason=reason)

    @property
    def holds_products(self) -> bool:
        """Pending and verified claims hold their products: a product is in one such claim at a time."""
        return self.status in ("pending", "verified")

    def badge(self) -> dict[str, Any] | None:
        """What a verified claim puts on its products (Product.gi); None otherwise."""
        if self.status != "verified":
            return None
        return {
            "claim_id": self.claim_id,
            "register": self.register,
            "registration_number": self.registration_number,
            "protected_name": self.protected_name,
            "verified_at": self.decided_at,
        }


# --- origin counts ----------------------------------------------------------------------------------------

ORIGIN_STOREFRONTS = ("specialties",)  # the storefronts whose products have an origin taxonomy


def origin_tree(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`counts`: one row per county (`key` = catalog.origin_key, the display names, `count`). Returns
    provinces -> prefectures -> counties with their live product counts, from the county counts (zeros and
    empty branches left out), each level sorted by name."""
    provinces: dict[str, dict[str, Any]] = {}
    for row in counts:
        if row["count"] <= 0:
            continue
        province_key, prefecture_key, _ = row["key"].split("|")
        province = provinces.setdefault(province_key, {"province": row["province"], "count": 0, "prefectures": {}})
        prefecture = province["prefectures"].setdefault(
            prefecture_key, {"prefecture": row["prefecture"], "count": 0, "counties": []}
        )
        prefecture["counties"].append({"county": row["county"], "count": row["count"]})
        prefecture["count"] += row["count"]
        province["count"] += row["count"]
    out = []
    for province in sorted(provinces.values(), key=lambda p: p["province"].casefold()):
        prefectures = sorted(province["prefectures"].values(), key=lambda p: p["prefecture"].casefold())
        for prefecture in prefectures:
            prefecture["counties"].sort(key=lambda c: c["county"].casefold())
        out.append({**province, "prefectures": prefectures})
    return out
