"""The use cases run on the in-memory fakes: no AWS, milliseconds per test."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from chalicelib.domain.identity import Actor, Role
from chalicelib.services import catalog, media, shops, storefront
from tests.fakes import InMemoryCatalogRepository, InMemoryMediaStore, InMemoryOutbox
from tests.support import ATTRIBUTES, REGION, png_bytes

SELLER = Actor("u-seller", "s@example.com", frozenset({Role.SELLER}))
OTHER = Actor("u-other", "o@example.com", frozenset({Role.SELLER}))
OPERATOR = Actor("u-op", "op@example.com", frozenset({Role.OPERATOR}))
NOW = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def repo():
    return InMemoryCatalogRepository()


@pytest.fixture
def store():
    return InMemoryMediaStore()


def open_active_shop(repo, name="Silk House", storefront="handicrafts"):
    shop = shops.open_shop(
        repo,
        SELLER,
        {"name": name, "storefront": storefront, "region": dict(REGION)},
        now=NOW,
        shop_id=f"shp_{name}",
    )
    return shops.moderate(repo, OPERATOR, shop.shop_id, "approve", now=NOW)


def add_product(repo, shop, title="Atlas silk scarf", n=1, status="active"):
    data = {
        "title": title,
        "description": "",
        "category": "textiles",
        "price_amount": 15900,
        "currency": "CNY",
        "stock": 3,
        "status": status,
        "attributes": dict(ATTRIBUTES["handicrafts"]),
    }
    return catalog.add_product(
        repo, SELLER, shop.shop_id, data, now=f"2026-01-01T00:00:{n:02d}.000Z", product_id=f"prd_{n}"
    )


def browse(repo, **kw):
    args = {"category": None, "prefecture": None, "q": None, "sort": "newest", "limit": 20, "start": None}
    args.update(kw)
    return [c["product_id"] for c in storefront.browse(repo, "handicrafts", **args).items]


def test_shop_lifecycle_moves_products_in_and_out_of_the_storefront(repo):
    shop = open_active_shop(repo)
    product = add_product(repo, shop)
    add_product(repo, shop, title="Draft teapot", n=2, status="draft")
    assert browse(repo) == [product.product_id]
    assert browse(repo, q="SILK scarf") == [product.product_id]
    assert browse(repo, q="teapot") == []
    shops.moderate(repo, OPERATOR, shop.shop_id, "suspend", now=NOW)
    run_product_jobs(repo)
    assert browse(repo) == []
    with pytest.raises(NotFound):
        storefront.listed_product(repo, "handicrafts", product.product_id)
    shops.moderate(repo, OPERATOR, shop.shop_id, "approve", now=NOW)
    run_product_jobs(repo)
    assert browse(repo) == [product.product_id]


def run_product_jobs(repo) -> int:
    """What the outbox relay and the queue consumer do with the jobs a moderation writes (shop.resync steps)."""
    outbox, steps = InMemoryOutbox(sink=repo.outbox), 0
    while repo.outbox:
        event = repo.outbox.pop(0)
        if event["type"] == "shop.resync":
            shops.resync_step(repo, outbox, event, now=NOW)
            steps += 1
    return steps


def test_slug_clash_in_the_same_storefront(repo):
    open_active_shop(repo, name="Silk House")
    with pytest.raises(Conflict) as exc:
        shops.open_shop(
            repo,
            OTHER,
            {"name": "silk  house!", "storefront": "handicrafts", "region": dict(REGION)},
            now=NOW,
            shop_id="shp_2",
        )
    assert exc.value.code == "slug_taken"


def test_media_request_complete_and_remove(repo, store):
    shop = open_active_shop(repo)
    product = add_product(repo, shop)
    picture = png_bytes(800, 600)
    announced = media.request_upload(
        repo,
        store,
        SELLER,
        shop.shop_id,
        product.product_id,
        "image/png",
        len(picture),
        media_id="med_1",
        now=NOW,
        expires_in=900,
    )
    key = announced["upload"]["fields"]["key"]
    assert key.startswith(f"shops/{shop.shop_id}/")
    assert store.uploads[key] == {"content_type": "image/png", "max_size": len(picture), "expires_in": 900}
    store.put(key, picture, "image/png")
    ref = media.complete_upload(repo, store, SELLER, shop.shop_id, product.product_id, "med_1", now=NOW)
    assert (ref.width, ref.height) == (800, 600)
    assert store.objects[ref.thumbnail_key][0][:3] == b"\xff\xd8\xff"
    assert repo.get_product(product.product_id).media == (ref,)
    card = storefront.browse(
        repo, "handicrafts", category=None, prefecture=None, q=None, sort="newest", limit=5, start=None
    ).items[0]
    assert card["thumbnail_key"] == ref.thumbnail_key
    # twice is harmless
    assert media.complete_upload(repo, store, SELLER, shop.shop_id, product.product_id, "med_1", now=NOW) == ref

    with pytest.raises(Forbidden):
        media.remove_media(repo, store, OTHER, shop.shop_id, product.product_id, "med_1", now=NOW)
    media.remove_media(repo, store, SELLER, shop.shop_id, product.product_id, "med_1", now=NOW)
    assert repo.get_product(product.product_id).media == ()
    assert store.objects == {}


def test_rejected_upload_is_removed(repo, store):
    shop = open_active_shop(repo)
    product = add_product(repo, shop)
    media.request_upload(
        repo,
        store,
        SELLER,
        shop.shop_id,
        product.product_id,
        "image/jpeg",
        100,
        media_id="med_1",
        now=NOW,
        expires_in=900,
    )
    key = repo.get_pending_media("med_1").key
    store.put(key, png_bytes(5, 5)[:100])
    with pytest.raises(Unprocessable) as exc:
        media.complete_upload(repo, store, SELLER, shop.shop_id, product.product_id, "med_1", now=NOW)
    assert exc.value.code == "media_type_mismatch"
    assert key not in store.objects and repo.get_pending_media("med_1") is None
