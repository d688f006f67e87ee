"""Seeds a large catalog straight into the tables, bypassing the API (shared by the bench and the budget test).

Seeding 10k products through the API is far too slow on moto (each product is one TransactWriteItems, and
moto deep-copies every table a transaction touches, once per item in it). Here shops and products are built
as domain objects, validated by the domain's own rules, and turned into table items by the repository's own
helpers (`_shop_item`, `_product_item`, `_listing_item`), exactly as `DynamoCatalogRepository.save_product`
does: one product item (version 1, its listing keys) plus one listing item per facet.

The items are written with PynamoDB batch writes. `fast=True` (the default) hands the same serialised items
to moto's backend directly instead, which skips botocore's request/response round trip per batch of 25
and is several times faster; the stored items are identical (the test checks both paths agree).

The catalog's shape is chosen so every measured page is full at every size (>= 40 matches for each measured
filter even at 100 products), so a difference in counts between sizes can only come from the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from chalicelib.adapters.dynamodb import _listing_item, _product_item, _shop_item, _slug_claim
from chalicelib.adapters.models import ListingModel, ProductModel, ProvenanceModel, ShopModel, UniqueModel
from chalicelib.domain.catalog import Product, Shop, check_product_fields
from chalicelib.domain.storefronts import STOREFRONTS
from chalicelib.services.shops import shop_snapshot

PREFECTURES = ("Kashgar", "Hotan", "Turpan")
# Two-word titles (a few get a third word): short titles keep the listing items per product at 12-16.
VOCABULARY = {
    "b2b": (("longstaple", "bulk", "dried", "graded", "pressed"), ("cotton", "apricots", "walnuts", "raisins", "wool")),
    "handicrafts": (("atlas", "copper", "carved", "woven", "painted"), ("scarf", "teapot", "comb", "rug", "bowl")),
    "specialties": (("hotan", "turpan", "korla", "aksu", "kashgar"), ("jujubes", "raisins", "pears", "apples", "tea")),
}
EXTRA_WORDS = ("premium", "family", "heritage")
# Every fourth handicrafts title is Chinese: "手工" (handmade) + a noun. Three nouns share their first
# character (铜 copper), so a four-character query such as 手工铜壶 reads the facet of its inner bigram 工铜
# (copper pot, bowl and plate) and filters by 铜壶: the CJK query's read amplification is measured on that.
CJK_PREFIX = "手工"
CJK_NOUNS = ("铜壶", "铜碗", "铜盘", "丝巾", "木梳")
CATEGORIES = {
    "b2b": ("dried-fruit", "cotton-textiles"),
    "handicrafts": ("textiles", "metalwork"),
    "specialties": ("dried-fruit", "fresh-fruit"),
}
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _at(seconds: int) -> str:
    return (EPOCH + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _attributes(storefront: str, amount: int, i: int) -> dict:
    if storefront == "b2b":
        return {
            "moq": 10,
            "unit": "carton",
            "order_multiple": 5,
            "lead_time_days": 14,
            "price_tiers": [{"min_quantity": 10, "amount": amount}, {"min_quantity": 50, "amount": amount * 4 // 5}],
        }
    if storefront == "handicrafts":
        return {"maker": "Aygul Tursun", "made_to_order": True, "processing_days": 10, "materials": ["silk"]}
    return {
        "origin": {"province": "Xinjiang", "prefecture": PREFECTURES[i % 3], "county": "Yutian"},
        # in season all year: the in_season=true pages are full at every size, and no seeded product is due to
        # the season schedule (a sweep measured on top of the catalog re-lists only what it is measured on)
        "season_months": list(range(1, 13)),
        "gi_certificate": "GI-2016-0412",
    }


# Issue 15: the day the seeded products' season flags are computed for, and which specialties carry a verified
# geographic indication (every third: the gi=verified pages are full from 1k products on).
SEASON_DAY = dt.date(2024, 10, 1)
GI_BADGE = {
    "claim_id": "gic_seed",
    "register": "CNIPA",
    "registration_number": "AGI2016-0412",
    "protected_name": "Hotan jujube",
    "verified_at": "2024-01-01T00:00:00.000Z",
}


@dataclass
class SeededCatalog:
    n_products: int
    shops: list[Shop] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    seller_shop: Shop | None = None  # an active shop owned by `seller_id`, with n/20 products
    listing_items: int = 0

    def listed_product(self, storefront: str = "handicrafts") -> Product:
        """A listed product of `storefront` (for the product page)."""
        return next(p for p in reversed(self.products) if p.storefront == storefront and p.is_listed)

    @property
    def pending_shops(self) -> list[Shop]:
        return [s for s in self.shops if s.status == "pending"]


def build_catalog(n_products: int, seller_id: str) -> SeededCatalog:
    """The domain objects of a catalog of `n_products` (pure; nothing is written)."""
    cat = SeededCatalog(n_products)
    n_active = max(60, n_products // 10)  # >= 20 active shops per storefront at every size
    n_pending = max(25, n_products // 40)  # the moderation queue's first page is full
    clock = 0

    def new_shop(i: int, storefront: str, status: str, owner: str) -> Shop:
        nonlocal clock
        clock += 1
        return Shop(
            shop_id=f"shp_seed{n_products}x{i:06d}",
            owner_id=owner,
            name=f"Seed shop {i}",
            slug=f"seed-shop-{i}",
            storefront=storefront,
            description="A seeded shop",
            region={"province": "Xinjiang", "prefecture": PREFECTURES[(i // 3) % 3], "county": "Shufu"},
            status=status,
            created_at=_at(clock),
            updated_at=_at(clock),
            version=1,
            export_markets=("ru",) if i % 2 == 0 else (),  # issue 12: half the shops export to Russia
        )

    storefronts = list(STOREFRONTS)
    active = [new_shop(i, storefronts[i % 3], "active", f"usr_seedowner{i % 50}") for i in range(n_active)]
    pending = [
        new_shop(n_active + i, storefronts[i % 3], "pending", f"usr_seedowner{i % 50}") for i in range(n_pending)
    ]
    cat.seller_shop = new_shop(n_active + n_pending, "handicrafts", "active", seller_id)
    cat.shops = [*active, *pending, cat.seller_shop]

    n_seller = max(25, n_products // 20)
    owners = [cat.seller_shop] * n_seller + [active[i % n_active] for i in range(n_products - n_seller)]
    for i, shop in enumerate(owners):
        clock += 1
        sf = shop.storefront
        adjectives, nouns = VOCABULARY[sf]
        words = [adjectives[i % 5], nouns[(i // 5) % 5]]
        if i % 4 == 3:
            words.insert(0, EXTRA_WORDS[i % 3])
        title = " ".join(w.capitalize() for w in words)
        if sf == "handicrafts" and i % 4 == 2:
            title = CJK_PREFIX + CJK_NOUNS[(i // 4) % 5]
        amount = 1000 + (i * 7919) % 90000
        fields = {
            "title": title,
            "description": "Seeded product",
            "category": CATEGORIES[sf][(i // 2) % 2],
            "price_amount": amount,
            "currency": STOREFRONTS[sf].currency,
            "stock": i % 30,
            "status": "draft" if i % 20 == 19 else "active",
            "attributes": _attributes(sf, amount, i),
        }
        fields["attributes"] = check_product_fields(sf, fields)
        cat.products.append(
            Product(
                product_id=f"prd_seed{n_products}x{i:07d}",
                shop_id=shop.shop_id,
                storefront=sf,
                shop=shop_snapshot(shop),
                created_at=_at(clock),
                updated_at=_at(clock),
                gi=dict(GI_BADGE) if sf == "specialties" and i % 3 == 0 else None,
                # issue 12: most have shipping data (sold in ru when their shop exports: half the shops do)
                shipping={"weight_g": 250, "hs_code": "6214100000"} if i % 7 else None,
                **fields,
            ).with_season(SEASON_DAY)
        )
    return cat


def catalog_items(cat: SeededCatalog):
    """(model class, item) pairs exactly as the repository writes them."""
    for shop in cat.shops:
        yield ShopModel, _shop_item(shop)
        yield (
            UniqueModel,
            UniqueModel(_slug_claim(shop.storefront, shop.slug), owner=shop.shop_id, created_at=shop.created_at),
        )
    origins: dict[tuple[str, str], tuple[int, dict]] = {}
    for product in cat.products:
        # as DynamoCatalogRepository.save_product(product, None, shop_status) stores a new product
        keys = product.facets()
        new = replace(
            product,
            version=1,
            listing_keys=tuple(keys),
            listing_digest=product.listing_content_digest(),
            counted_origin=product.origin_key,
        )
        yield ProductModel, _product_item(new)
        card, words = new.card(), new.search_tokens()
        for facet in keys:
            cat.listing_items += 1
            yield ListingModel, _listing_item(new, facet, card, words)
        if new.counted_origin:  # and the origin count its transaction adds to (issue 15)
            count, _ = origins.get((new.storefront, new.counted_origin), (0, {}))
            origins[(new.storefront, new.counted_origin)] = (count + 1, new.attributes["origin"])
    for (storefront, key), (count, origin) in sorted(origins.items()):
        yield ProvenanceModel, ProvenanceModel(f"origin#{storefront}", key, count=count, **origin)


def _write_batched(items) -> None:
    writers: dict = {}
    try:
        for model, item in items:
            if model not in writers:
                writers[model] = model.batch_write(auto_commit=True)
                writers[model].__enter__()
            writers[model].save(item)
    finally:
        for writer in writers.values():
            writer.__exit__(None, None, None)


def _write_to_moto_backend(items) -> None:
    """Puts the serialised items into moto's in-process tables (no botocore round trip)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    tables: dict = {}
    for model, item in items:
        table = tables.get(model)
        if table is None:
            backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][model.Meta.region]
            table = tables[model] = backend.get_table(model.Meta.table_name)
        table.put_item(item.serialize(), overwrite=True)


def seed_catalog(n_products: int, seller_id: str, *, fast: bool = True) -> SeededCatalog:
    """Builds and writes a catalog into the bound tables (an in-process moto stack when fast=True)."""
    cat = build_catalog(n_products, seller_id)
    (_write_to_moto_backend if fast else _write_batched)(catalog_items(cat))
    return cat
