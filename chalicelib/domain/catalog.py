"""Shops and products: entities and their pure rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from . import markets, search, seasons
from .errors import Conflict, ValidationFailed
from .storefronts import get_storefront, product_prefecture, validate_attributes

SHOP_STATUSES = ("pending", "active", "suspended")
# A moderation may be repeated (approve an active shop, suspend a suspended one): it changes no status, and
# re-runs the copy of the shop onto its products (services/shops.moderate), which finishes an interrupted one.
_SHOP_TRANSITIONS = {
    "approve": ({"pending", "suspended", "active"}, "active"),
    "suspend": ({"pending", "active", "suspended"}, "suspended"),
}
PRODUCT_STATUSES = ("draft", "active", "archived")
MAX_MEDIA_PER_PRODUCT = 8
# A storefront card says "in stock" from this many units on. Cards carry only that flag, never the count, so a
# sale rewrites the product's listing entries only when it takes the stock below the threshold (and a restock
# only when it brings it back); the product page shows the exact stock.
IN_STOCK_THRESHOLD = 1
# What a buyer agrees to pay, per storefront: a change of any of these changes the price fingerprint. Issue 15
# adds the pre-sale terms (ship date, deposit) and the personalisation a line's values were checked against.
_PRICE_TERMS = ("price_tiers", "moq", "order_multiple", "unit", "sample", "presale", "personalisation")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


@dataclass(frozen=True)
class Shop:
    shop_id: str
    owner_id: str
    name: str
    slug: str
    storefront: str
    description: str
    region: dict[str, Any]
    status: str
    created_at: str
    updated_at: str
    version: int = 0
    export_markets: tuple[str, ...] = ()  # issue 12: the foreign markets it sells to ("ru")
    # issue 11: a producer's shop (owner_id is the producer's id) is managed by its village's partner
    managed_by: str | None = None

    def transition(self, action: str, now: str) -> Shop:
        allowed_from, target = _SHOP_TRANSITIONS[action]
        if self.status not in allowed_from:
            raise Conflict(f"a {self.status} shop cannot be {action}d", code="illegal_shop_transition")
        return replace(self, status=target, updated_at=now)

    def summary(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "name": self.name,
            "slug": self.slug,
            "storefront": self.storefront,
            "region": dict(self.region),
        }


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    if len(slug) < 3:
        slug = "shop-" + hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:10]
    return slug


def validate_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValidationFailed(
            "slug is not valid",
            details=[{"field": "slug", "message": "lowercase letters, digits and hyphens, 1-60 characters"}],
        )
    return slug


@dataclass(frozen=True)
class MediaRef:
    """A product picture: the original and its renditions, each under an immutable, content-addressed key."""

    media_id: str
    key: str
    thumbnail_key: str
    content_type: str
    width: int
    height: int
    medium_key: str | None = None  # the mid-size WebP rendition (pictures attached before it existed have none)
    medium_width: int = 0
    thumbnail_width: int = 0


@dataclass(frozen=True)
class Product:
    product_id: str
    shop_id: str
    storefront: str
    title: str
    description: str
    category: str
    price_amount: int
    currency: str
    stock: int
    status: str
    attributes: dict[str, Any]
    shop: dict[str, Any]  # the owning shop's summary plus its status, denormalised for one-read product pages
    created_at: str
    updated_at: str
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    version: int = 0
    listing_keys: tuple[str, ...] = ()  # the listing entries stored for this version (see facets())
    listing_digest: str = ""  # digest of what those entries hold (see listing_content_digest())
    # issue 15: set by the operators' verification of a geographic-indication claim, never by the seller
    gi: dict[str, Any] | None = None
    # issue 15: whether the product was in season when its listing entries were written (services set it from
    # the clock, `with_season`; a schedule re-saves products on `season_next`, the day that next changes)
    in_season: bool = False
    season_next: str | None = None
    # issue 15: the origin count (specialties) this product is counted in now; see `origin_key`
    counted_origin: str | None = None
    # issue 12: what exporting needs ({"weight_g", "hs_code"}) and the seller's translations by language
    shipping: dict[str, Any] | None = None
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    # Issue 13: the product's reviews (visible ones), kept by the review's transaction (adapters/trust.py)
    rating_count: int = 0
    rating_total: int = 0

    @property
    def rating(self) -> dict[str, Any] | None:
        """Average (one decimal, a string) and count of the visible reviews; None without any."""
        if self.rating_count <= 0:
            return None
        from decimal import ROUND_HALF_UP, Decimal

        average = (Decimal(self.rating_total) / Decimal(self.rating_count)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return {"average": str(average), "count": self.rating_count}

    @property
    def shop_status(self) -> str:
        return str(self.shop["status"])

    @property
    def is_listed(self) -> bool:
        return self.status == "active" and self.shop_status == "active"

    @property
    def prefecture(self) -> str:
        return product_prefecture(self.storefront, self.attributes, self.shop["region"])

    @property
    def in_stock(self) -> bool:
        return self.stock >= IN_STOCK_THRESHOLD

    def search_texts(self) -> list[str]:
        """What search indexes, in order: the title, then the translated titles (issue 12)."""
        return [self.title, *(t["title"] for _, t in sorted(self.translations.items()))]

    def search_tokens(self) -> list[str]:
        return search.index_tokens(self.search_texts())

    def facets(self) -> list[str]:
        if not self.is_listed:
            return []
        facets = search.product_facets(self.storefront, self.category, self.prefecture, self.search_texts(), self.flags)
        if self.attributes.get("maker_id"):
            facets.append(search.maker_facet(self.storefront, self.attributes["maker_id"]))
        return facets

    @property
    def flags(self) -> tuple[str, ...]:
        """The storefront flags it is listed under: a verified geographic indication, in season."""
        flags = []
        if self.gi:
            flags.append(search.FLAG_GI)
        if self.in_season and self.attributes.get("season_months"):
            flags.append(search.FLAG_SEASON)
        flags += [search.market_flag(m) for m in self.markets]
        return tuple(flags)

    @property
    def markets(self) -> tuple[str, ...]:
        """Issue 12: the foreign markets it is sold in (its shop exports there and it has shipping data)."""
        exported = tuple(self.shop.get("export_markets") or ())
        return tuple(m for m in exported if markets.sold_in(m, exported, self.shipping))

    @property
    def origin_key(self) -> str | None:
        """The origin count a listed specialty is counted in (`province|prefecture|county`, normalised)."""
        if self.storefront != "specialties" or not self.is_listed:
            return None
        return origin_key(self.attributes["origin"])

    def with_season(self, day: dt.date) -> Product:
        """The product with its season flag and next season change as of `day` (listing entries follow them)."""
        cal = seasons.calendar(self.attributes)
        if cal is None or self.status == "archived":
            return replace(self, in_season=False, season_next=None)
        nxt = cal.next_change(day)
        return replace(self, in_season=cal.in_season(day), season_next=nxt.isoformat() if nxt else None)

    @property
    def price_fingerprint(self) -> str:
        """Changes when, and only when, what a buyer pays changes: the price, the currency and the storefront's
        sale terms (b2b tiers, MOQ, multiple, unit). Stock and every other edit leave it alone, so checkouts
        can be conditioned on it without conflicting with each other's stock updates."""
        terms = {k: self.attributes[k] for k in _PRICE_TERMS if k in self.attributes}
        blob = json.dumps([self.price_amount, self.currency, terms], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def listing_content_digest(self) -> str:
        """A digest of everything the listing entries hold (card, search tokens, sort keys): when it is
        unchanged, a save writes no listing entry but those of facets added or removed."""
        if not self.is_listed:
            return ""
        blob = json.dumps([self.card(), self.search_tokens(), self.price_amount], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    @property
    def listings_stale(self) -> bool:
        """The listing entries show something else than the product now would (e.g. a sale emptied the stock
        behind them: checkout changes stock only), or its origin count does not count it as it is."""
        return self.listing_digest != self.listing_content_digest() or self.counted_origin != self.origin_key

    def card(self) -> dict[str, Any]:
        """What a storefront grid shows for this product (stored with each listing entry)."""
        card: dict[str, Any] = {
            "product_id": self.product_id,
            "storefront": self.storefront,
            "title": self.title,
            "category": self.category,
            "prefecture": self.prefecture,
            "price": {"amount": self.price_amount, "currency": self.currency},
            "in_stock": self.in_stock,
            "shop": {k: self.shop[k] for k in ("shop_id", "name", "slug")},
            "thumbnail_key": self.media[0].thumbnail_key if self.media else None,
            "created_at": self.created_at,
        }
        if self.media and self.media[0].medium_key:
            card["medium_key"] = self.media[0].medium_key
        if self.rating is not None:  # issue 13: only rated products carry it, so unrated cards stay as they were
            card["rating"] = self.rating
        attrs = self.attributes
        if self.storefront == "b2b":
            card["b2b"] = {
                "moq": attrs["moq"],
                "unit": attrs["unit"],
                "from_amount": attrs["price_tiers"][-1]["amount"],
                "price_tiers": attrs["price_tiers"],
            }
        elif self.storefront == "handicrafts":
            card["handicrafts"] = {
                k: attrs[k] for k in ("maker", "maker_id", "made_to_order", "processing_days") if k in attrs
            }
            if attrs.get("personalisation"):
                card["handicrafts"]["personalised"] = True
        else:
            card["specialties"] = {
                "origin": attrs["origin"],
                "season_months": attrs["season_months"],
                "gi_certified": self.gi is not None,  # only a verified claim (issue 15), not the seller's text
            }
        if self.gi:
            card["gi"] = gi_badge(self.gi)
        if self.translations:  # issue 12: the grid shows the buyer's language
            card["titles"] = {lang: t["title"] for lang, t in sorted(self.translations.items())}
        if self.markets:
            card["markets"] = list(self.markets)
        if attrs.get("season_months"):
            card["season"] = {k: attrs[k] for k in ("season_months", "harvest_window", "presale") if k in attrs}
        return card


def check_product_fields(storefront: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Cross-field rules for a product's full state in its storefront; returns normalised attributes."""
    sf = get_storefront(storefront)
    problems = []
    if fields["category"] not in sf.categories:
        problems.append({"field": "category", "message": f"must be one of {', '.join(sf.categories)}"})
    if fields["currency"] != sf.currency:
        problems.append({"field": "price.currency", "message": f"the {sf.key} storefront sells in {sf.currency}"})
    if problems:
        raise ValidationFailed("product is not valid for this storefront", details=problems)
    return validate_attributes(storefront, fields["attributes"], fields["price_amount"])


# --- issue 15: origins and geographic indications ------------------------------------------------------


def origin_key(origin: dict[str, Any]) -> str:
    """How origin counts are keyed: province, prefecture and county, normalised as the prefecture filter is."""
    return "|".join(search.normalise_value(origin[k]) for k in ("province", "prefecture", "county"))


def gi_badge(gi: dict[str, Any]) -> dict[str, Any]:
    """What buyers see of a verified geographic-indication claim."""
    return {k: gi[k] for k in ("protected_name", "register", "registration_number") if k in gi}
