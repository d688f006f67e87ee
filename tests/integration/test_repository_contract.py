"""The CatalogRepository contract, run against BOTH the in-memory fake (tests/fakes.py) and the DynamoDB
adapter on moto. A behaviour asserted here holds for every implementation the services may be given."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from chalicelib.domain.catalog import MediaRef, Product, Shop
from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.search import facet_key, query_facet
from chalicelib.services.ports import Page, PendingMedia
from tests.fakes import InMemoryCatalogRepository

REGION = {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
ATTRS = {"maker": "Aygul Tursun", "made_to_order": True, "processing_days": 10}

_counter = itertools.count()


@pytest.fixture(params=["fake", "dynamodb"])
def repo(request):
    if request.param == "fake":
        return InMemoryCatalogRepository()
    return request.getfixturevalue("stack").catalog


def ts(n: int) -> str:
    return f"2026-01-01T00:00:{n:02d}.000Z"


def make_shop(
    *,
    owner: str = "u1",
    status: str = "pending",
    storefront: str = "handicrafts",
    slug: str | None = None,
    created: int | None = None,
    name: str = "Silk House",
) -> Shop:
    n = next(_counter)
    created_at = ts(created if created is not None else n % 60)
    return Shop(
        shop_id=f"shp_{n:06d}",
        owner_id=owner,
        name=name,
        slug=slug or f"shop-{n}",
        storefront=storefront,
        description="A family shop",
        region=dict(REGION),
        status=status,
        created_at=created_at,
        updated_at=created_at,
        version=1,
    )


def make_product(
    shop: Shop,
    *,
    title: str = "Atlas silk scarf",
    price: int = 15900,
    status: str = "active",
    created: int = 0,
    category: str = "textiles",
) -> Product:
    n = next(_counter)
    return Product(
        product_id=f"prd_{n:06d}",
        shop_id=shop.shop_id,
        storefront=shop.storefront,
        title=title,
        description="Hand-woven",
        category=category,
        price_amount=price,
        currency="CNY",
        stock=5,
        status=status,
        attributes=dict(ATTRS),
        shop={**shop.summary(), "status": shop.status},
        created_at=ts(created),
        updated_at=ts(created),
    )


def active_shop(repo, **kw) -> Shop:
    shop = make_shop(status="active", **kw)
    repo.create_shop(shop)
    return shop


def all_pages(fetch, limit: int) -> list[list]:
    """Follows last_key to the end; returns the pages. Every page must respect `limit`."""
    pages, start = [], None
    for _ in range(100):
        page = fetch(limit, start)
        assert isinstance(page, Page)
        assert len(page.items) <= limit
        pages.append(page.items)
        if not page.last_key:
            return pages
        assert isinstance(page.last_key, dict)
        start = page.last_key
    raise AssertionError("pagination does not end")


def flat(pages: list[list]) -> list:
    return [x for page in pages for x in page]


# --- shops --------------------------------------------------------------------------------------------


class TestShops:
    def test_create_and_get(self, repo):
        shop = make_shop()
        assert repo.create_shop(shop) is None
        assert repo.get_shop(shop.shop_id) == shop
        assert repo.get_shop_by_slug(shop.storefront, shop.slug) == shop
        assert repo.get_shop("shp_missing") is None
        assert repo.get_shop_by_slug(shop.storefront, "no-such-slug") is None
        assert repo.get_shop_by_slug("b2b", shop.slug) is None

    def test_round_trip_keeps_unicode_and_nested_fields(self, repo):
        shop = replace(
            make_shop(),
            name="喀什丝绸之家",
            description="Кашгарский шёлк",
            region={"province": "新疆", "prefecture": "喀什", "county": "疏附"},
        )
        repo.create_shop(shop)
        assert repo.get_shop(shop.shop_id) == shop

    def test_slug_is_unique_per_storefront(self, repo):
        first = make_shop(slug="silk-house")
        repo.create_shop(first)
        clash = make_shop(slug="silk-house", owner="u2")
        with pytest.raises(Conflict) as exc:
            repo.create_shop(clash)
        assert exc.value.code == "slug_taken"
        assert repo.get_shop(clash.shop_id) is None  # nothing half-written
        assert repo.get_shop_by_slug("handicrafts", "silk-house") == first
        # the same slug in another storefront is fine
        other = make_shop(slug="silk-house", storefront="b2b")
        repo.create_shop(other)
        assert repo.get_shop_by_slug("b2b", "silk-house") == other

    def test_shop_id_cannot_be_created_twice(self, repo):
        shop = make_shop()
        repo.create_shop(shop)
        with pytest.raises(Conflict):
            repo.create_shop(replace(shop, slug="another-slug", name="Impostor"))
        assert repo.get_shop(shop.shop_id) == shop
        assert repo.get_shop_by_slug(shop.storefront, "another-slug") is None

    def test_update_bumps_version_and_checks_it(self, repo):
        shop = make_shop()
        repo.create_shop(shop)
        updated = repo.update_shop(replace(shop, name="Silk House 2"), shop.version)
        assert updated.version == shop.version + 1
        assert updated.name == "Silk House 2"
        assert repo.get_shop(shop.shop_id) == updated

        with pytest.raises(Conflict) as exc:
            repo.update_shop(replace(shop, name="lost update"), shop.version)  # stale version
        assert exc.value.code == "stale_shop"
        assert repo.get_shop(shop.shop_id) == updated

    def test_update_of_missing_shop_is_a_conflict(self, repo):
        with pytest.raises(Conflict) as exc:
            repo.update_shop(make_shop(), 1)
        assert exc.value.code == "stale_shop"

    def test_owner_listing_newest_first_with_pagination(self, repo):
        mine = [make_shop(owner="owner-a", created=i) for i in range(5)]
        for shop in mine:
            repo.create_shop(shop)
        repo.create_shop(make_shop(owner="owner-b", created=9))
        pages = all_pages(lambda limit, start: repo.shops_by_owner("owner-a", limit, start), 2)
        assert [s.shop_id for s in flat(pages)] == [s.shop_id for s in reversed(mine)]
        assert len(pages[0]) == 2
        assert flat(pages) == list(reversed(mine))
        assert repo.shops_by_owner("nobody", 10, None) == Page([], None)

    def test_status_and_storefront_listings_follow_updates(self, repo):
        shops = [make_shop(owner=f"o{i}", created=10 + i, storefront="specialties") for i in range(3)]
        for shop in shops:
            repo.create_shop(shop)
        b2b = make_shop(created=20, storefront="b2b")
        repo.create_shop(b2b)

        def ids(page_fetch):
            return [s.shop_id for s in flat(all_pages(page_fetch, 2))]

        pending_ids = ids(lambda limit, start: repo.shops_by_status("pending", limit, start))
        assert [s.shop_id for s in [b2b, *reversed(shops)]] == [
            i for i in pending_ids if i in {b2b.shop_id, *(s.shop_id for s in shops)}
        ]

        approved = repo.update_shop(shops[0].transition("approve", ts(30)), shops[0].version)
        repo.update_shop(shops[2].transition("approve", ts(31)), shops[2].version)
        repo.update_shop(b2b.transition("approve", ts(32)), b2b.version)
        assert approved.status == "active"

        active = ids(lambda limit, start: repo.active_shops("specialties", limit, start))
        assert active == [shops[2].shop_id, shops[0].shop_id]
        assert ids(lambda limit, start: repo.active_shops("b2b", limit, start)) == [b2b.shop_id]
        assert ids(lambda limit, start: repo.active_shops("handicrafts", limit, start)) == []
        still_pending = ids(lambda limit, start: repo.shops_by_status("pending", limit, start))
        assert shops[1].shop_id in still_pending and shops[0].shop_id not in still_pending

        repo.update_shop(approved.transition("suspend", ts(33)), approved.version)
        assert ids(lambda limit, start: repo.active_shops("specialties", limit, start)) == [shops[2].shop_id]
        assert shops[0].shop_id in ids(lambda limit, start: repo.shops_by_status("suspended", limit, start))

    def test_page_exactly_full_then_nothing_more(self, repo):
        for i in range(4):
            repo.create_shop(make_shop(owner="owner-full", created=i))
        pages = all_pages(lambda limit, start: repo.shops_by_owner("owner-full", limit, start), 2)
        assert len(flat(pages)) == 4
        assert [len(p) for p in pages if p] == [2, 2]


# --- products -----------------------------------------------------------------------------------------


class TestProducts:
    def test_create_get_and_version(self, repo):
        shop = active_shop(repo)
        product = make_product(shop)
        saved = repo.save_product(product, None, "active")
        assert saved.version == 1
        assert set(saved.listing_keys) == set(product.facets())
        assert repo.get_product(product.product_id) == saved
        assert repo.get_product("prd_missing") is None

    def test_create_twice_is_a_conflict(self, repo):
        shop = active_shop(repo)
        saved = repo.save_product(make_product(shop), None, "active")
        with pytest.raises(Conflict) as exc:
            repo.save_product(replace(saved, title="Impostor", version=0, listing_keys=()), None, "active")
        assert exc.value.code == "product_exists"
        assert repo.get_product(saved.product_id) == saved

    def test_update_checks_version(self, repo):
        shop = active_shop(repo)
        v1 = repo.save_product(make_product(shop), None, "active")
        v2 = repo.save_product(replace(v1, stock=9), v1.version, "active")
        assert v2.version == 2 and v2.stock == 9
        with pytest.raises(PreconditionFailed) as exc:
            repo.save_product(replace(v1, stock=1), v1.version, "active")
        assert exc.value.code == "stale_product"
        assert repo.get_product(v1.product_id) == v2
        with pytest.raises(PreconditionFailed):
            repo.save_product(make_product(shop), 1, "active")  # updating a product that does not exist

    @pytest.mark.parametrize("change", [{"stock": 1}, {"title": "Copper teapot"}, {"status": "archived"}])
    def test_each_failed_condition_is_reported_as_itself(self, repo, change):
        """Also when the write removes listing entries (the transaction then holds deletes as well)."""
        shop = active_shop(repo)
        v1 = repo.save_product(make_product(shop), None, "active")
        v2 = repo.save_product(replace(v1, stock=2), v1.version, "active")
        with pytest.raises(PreconditionFailed) as exc:
            repo.save_product(replace(v1, **change), v1.version, "active")
        assert exc.value.code == "stale_product"
        repo.update_shop(shop.transition("suspend", ts(41)), shop.version)
        with pytest.raises(Conflict) as exc:
            repo.save_product(replace(v2, **change), v2.version, "active")
        assert exc.value.code == "shop_changed"
        assert repo.get_product(v1.product_id) == v2

    def test_round_trip_keeps_media_and_attributes(self, repo):
        shop = active_shop(repo)
        refs = (
            MediaRef("med_1", "shops/x/1", "shops/x/1-thumb.jpg", "image/png", 640, 480),
            MediaRef("med_2", "shops/x/2", "shops/x/2-thumb.jpg", "image/webp", 10, 20),
        )
        product = replace(
            make_product(shop, title="Чайник 铜壶"), media=refs, attributes={**ATTRS, "materials": ["copper", "brass"]}
        )
        saved = repo.save_product(product, None, "active")
        got = repo.get_product(product.product_id)
        assert got == saved
        assert got.media == refs and got.attributes["materials"] == ["copper", "brass"]

    def test_shop_status_is_checked_in_the_same_write(self, repo):
        shop = active_shop(repo)
        with pytest.raises(Conflict) as exc:
            repo.save_product(make_product(shop), None, "pending")
        assert exc.value.code == "shop_changed"

        v1 = repo.save_product(make_product(shop), None, "active")
        repo.update_shop(shop.transition("suspend", ts(40)), shop.version)
        with pytest.raises(Conflict) as exc:
            repo.save_product(replace(v1, title="Changed while suspended"), v1.version, "active")
        assert exc.value.code == "shop_changed"
        assert repo.get_product(v1.product_id) == v1  # nothing half-written
        assert len(repo.listings(facet_key("handicrafts", None, None, "suspended"), "newest", 10, None, []).items) == 0

    def test_shop_status_condition_on_missing_shop(self, repo):
        ghost = make_shop(status="active")  # never stored
        with pytest.raises(Conflict) as exc:
            repo.save_product(make_product(ghost), None, "active")
        assert exc.value.code == "shop_changed"

    def test_stale_version_wins_over_shop_status(self, repo):
        shop = active_shop(repo)
        v1 = repo.save_product(make_product(shop), None, "active")
        repo.save_product(replace(v1, stock=1), v1.version, "active")
        with pytest.raises(PreconditionFailed):
            repo.save_product(replace(v1, stock=2), v1.version, "suspended")

    def test_shop_products_live_and_archived_with_pagination(self, repo):
        shop = active_shop(repo)
        other = active_shop(repo, owner="u2")
        live = [
            repo.save_product(make_product(shop, created=i, status="draft" if i % 2 else "active"), None, "active")
            for i in range(5)
        ]
        repo.save_product(make_product(other, created=7), None, "active")
        archived = repo.save_product(replace(live[1], status="archived"), live[1].version, "active")
        live_now = [live[i] for i in (4, 3, 2, 0)]
        pages = all_pages(lambda limit, start: repo.shop_products(shop.shop_id, limit, start), 3)
        assert flat(pages) == live_now
        pages = all_pages(lambda limit, start: repo.shop_products(shop.shop_id, limit, start, archived=True), 3)
        assert flat(pages) == [archived]
        assert repo.all_live_shop_products(shop.shop_id) == live_now
        assert repo.shop_products("shp_none", 10, None) == Page([], None)


# --- storefront listings -------------------------------------------------------------------------------


def _ids(page: Page) -> list[str]:
    return [card["product_id"] for card in page.items]


def _all_ids(repo, facet: str, sort: str, limit: int = 2, must: list[str] | None = None) -> list[str]:
    return [
        c["product_id"]
        for c in flat(all_pages(lambda lim, start: repo.listings(facet, sort, lim, start, must or []), limit))
    ]


class TestListings:
    def test_only_listed_products_have_entries_with_cards(self, repo):
        shop = active_shop(repo)
        listed = repo.save_product(make_product(shop, created=1), None, "active")
        repo.save_product(make_product(shop, created=2, status="draft"), None, "active")
        pending = make_shop(status="pending")
        repo.create_shop(pending)
        repo.save_product(make_product(pending, created=3), None, "pending")
        page = repo.listings("handicrafts", "newest", 10, None, [])
        assert _ids(page) == [listed.product_id]
        card = page.items[0]
        assert card == listed.card()
        assert card["thumbnail_key"] is None and card["prefecture"] == "Kashgar"

    def test_sorts_and_pagination(self, repo):
        shop = active_shop(repo)
        prices = [500, 100, 300, 200, 400]
        products = [
            repo.save_product(make_product(shop, created=i, price=p), None, "active") for i, p in enumerate(prices)
        ]
        by_id = {p.product_id: p for p in products}
        newest = _all_ids(repo, "handicrafts", "newest")
        assert newest == [p.product_id for p in reversed(products)]
        asc = _all_ids(repo, "handicrafts", "price_asc")
        assert [by_id[i].price_amount for i in asc] == sorted(prices)
        desc = _all_ids(repo, "handicrafts", "price_desc", limit=3)
        assert [by_id[i].price_amount for i in desc] == sorted(prices, reverse=True)
        first = repo.listings("handicrafts", "price_asc", 2, None, [])
        assert len(first.items) == 2 and first.last_key is not None

    def test_equal_prices_page_without_loss_or_duplicates(self, repo):
        shop = active_shop(repo)
        same = [repo.save_product(make_product(shop, created=i, price=1000), None, "active") for i in range(5)]
        for sort in ("price_asc", "price_desc"):
            got = _all_ids(repo, "handicrafts", sort, limit=2)
            assert sorted(got) == sorted(p.product_id for p in same) and len(set(got)) == 5

    def test_facets_by_category_prefecture_and_word(self, repo):
        shop = active_shop(repo)
        scarf = repo.save_product(make_product(shop, title="Atlas silk scarf", created=1), None, "active")
        teapot = repo.save_product(
            make_product(shop, title="Copper teapot", category="metalwork", created=2), None, "active"
        )
        assert _all_ids(repo, facet_key("handicrafts", "metalwork", None, None), "newest") == [teapot.product_id]
        assert _all_ids(repo, facet_key("handicrafts", None, "Kashgar", None), "newest") == [
            teapot.product_id,
            scarf.product_id,
        ]
        assert _all_ids(repo, facet_key("handicrafts", "textiles", "kashgar", "silk"), "newest") == [scarf.product_id]
        assert _all_ids(repo, facet_key("handicrafts", None, "Hotan", None), "newest") == []
        assert _all_ids(repo, facet_key("b2b", None, None, None), "newest") == []

    def test_must_contain_filters_after_limit(self, repo):
        shop = active_shop(repo)
        titles = ["silk scarf red", "silk scarf blue", "silk shawl red", "silk scarf green", "silk rug red"]
        made = [repo.save_product(make_product(shop, title=t, created=i), None, "active") for i, t in enumerate(titles)]
        facet, rest = query_facet("handicrafts", None, None, "silk red")
        assert facet == facet_key("handicrafts", None, None, "silk") and rest == ["red"]
        pages = all_pages(lambda limit, start: repo.listings(facet, "newest", limit, start, rest), 2)
        expected = [made[i].product_id for i in (4, 2, 0)]
        assert [c["product_id"] for c in flat(pages)] == expected
        # Limit is applied before the filter: 5 entries in pages of 2 -> 3 reads, however many match
        assert len(pages) == 3
        both = [
            c["product_id"]
            for c in flat(
                all_pages(lambda limit, start: repo.listings(facet, "price_asc", limit, start, ["red", "scarf"]), 10)
            )
        ]
        assert both == [made[0].product_id]

    def test_title_change_moves_word_facets(self, repo):
        shop = active_shop(repo)
        v1 = repo.save_product(make_product(shop, title="Atlas silk scarf"), None, "active")
        v2 = repo.save_product(replace(v1, title="Copper teapot", price_amount=99), v1.version, "active")
        assert _all_ids(repo, "handicrafts|w=silk", "newest") == []
        assert _all_ids(repo, "handicrafts|w=teapot", "newest") == [v2.product_id]
        cards = repo.listings("handicrafts", "newest", 10, None, []).items
        assert [c["title"] for c in cards] == ["Copper teapot"]
        assert cards[0]["price"]["amount"] == 99
        assert _all_ids(repo, "handicrafts", "price_asc") == [v2.product_id]
        assert set(v2.listing_keys) == set(v2.facets())

    def test_card_follows_media_changes(self, repo):
        shop = active_shop(repo)
        v1 = repo.save_product(make_product(shop), None, "active")
        ref = MediaRef("med_1", "k", "k-thumb.jpg", "image/png", 1, 1)
        v2 = repo.save_product(replace(v1, media=(ref,)), v1.version, "active")
        assert repo.listings("handicrafts|w=silk", "newest", 10, None, []).items[0]["thumbnail_key"] == "k-thumb.jpg"
        repo.save_product(replace(v2, media=()), v2.version, "active")
        assert repo.listings("handicrafts|w=silk", "newest", 10, None, []).items[0]["thumbnail_key"] is None

    @pytest.mark.parametrize("how", ["archive", "draft", "suspend"])
    def test_unlisting_removes_every_entry(self, repo, how):
        shop = active_shop(repo)
        keep = repo.save_product(make_product(shop, title="Copper teapot", created=1), None, "active")
        v1 = repo.save_product(make_product(shop, created=2), None, "active")
        facets = list(v1.listing_keys)
        if how == "suspend":
            suspended = repo.update_shop(shop.transition("suspend", ts(50)), shop.version)
            v2 = repo.save_product(replace(v1, shop={**v1.shop, "status": "suspended"}), v1.version, suspended.status)
        else:
            v2 = repo.save_product(
                replace(v1, status="archived" if how == "archive" else "draft"), v1.version, "active"
            )
        assert v2.listing_keys == ()
        for facet in facets:
            assert v1.product_id not in _all_ids(repo, facet, "newest", limit=10)
            assert v1.product_id not in _all_ids(repo, facet, "price_desc", limit=10)
        if how != "suspend":
            assert _all_ids(repo, "handicrafts", "newest") == [keep.product_id]
        # relisting brings the entries back
        if how == "draft":
            v3 = repo.save_product(replace(v2, status="active"), v2.version, "active")
            assert set(v3.listing_keys) == set(facets)
            assert v1.product_id in _all_ids(repo, "handicrafts|w=scarf", "newest")


# --- pending media ---------------------------------------------------------------------------------------


class TestPendingMedia:
    def test_add_get_delete(self, repo):
        media = PendingMedia(
            "med_000001", "shp_1", "prd_1", "shops/shp_1/products/prd_1/med_000001", "image/png", 12345, ts(1)
        )
        repo.add_pending_media(media)
        assert repo.get_pending_media(media.media_id) == media
        assert repo.get_pending_media("med_missing") is None
        repo.delete_pending_media(media.media_id)
        assert repo.get_pending_media(media.media_id) is None
        repo.delete_pending_media(media.media_id)  # deleting again is harmless
        repo.delete_pending_media("med_never")

    def test_media_id_is_not_reused(self, repo):
        media = PendingMedia("med_000002", "shp_1", "prd_1", "k1", "image/png", 10, ts(1))
        repo.add_pending_media(media)
        with pytest.raises(Conflict):
            repo.add_pending_media(replace(media, key="k2", shop_id="shp_other"))
        assert repo.get_pending_media(media.media_id) == media
