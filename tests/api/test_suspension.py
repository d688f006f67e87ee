"""Issue 9, "a suspended shop cannot sell": the moment a suspension commits, no checkout of the shop's products
succeeds (409 shop_unavailable); its products leave every storefront page in a job that runs outside the
request, page by page, for a shop of any size; the job can be interrupted and re-run (repeating the
moderation is allowed) and finishes the work.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.catalog import Product, Shop
from chalicelib.services.shops import RESYNC_PAGE, shop_snapshot
from tests.support import assert_api_error, checkout, settle

BIG_SHOP = 2_000


def seed_big_shop(stack, seller_id: str, n: int) -> tuple[Shop, list[Product]]:
    """An active shop with `n` listed products, written straight into the tables as the repository writes
    them (through the API that many is slow on moto)."""
    from bench.catalog_seed import SeededCatalog, _write_to_moto_backend, catalog_items

    shop = Shop(
        shop_id="shp_bigshop",
        owner_id=seller_id,
        name="Big Bazaar",
        slug="big-bazaar",
        storefront="handicrafts",
        description="Two thousand rugs",
        region={"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
        status="active",
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        version=1,
    )
    products = [
        Product(
            product_id=f"prd_big{i:05d}",
            shop_id=shop.shop_id,
            storefront="handicrafts",
            title="Rug",
            description="Knotted",
            category="textiles",
            price_amount=10_000 + i,
            currency="CNY",
            stock=10,
            status="active",
            attributes={"maker": "Aygul Tursun", "made_to_order": False},
            shop=shop_snapshot(shop),
            created_at=f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i // 3600:03d}Z",
            updated_at="2026-01-01T00:00:00.000Z",
        )
        for i in range(n)
    ]
    catalog = SeededCatalog(n, shops=[shop], products=products, seller_shop=shop)
    _write_to_moto_backend(catalog_items(catalog))
    return shop, products


LISTINGS = ("", "&q=rug", "&category=textiles", "&prefecture=Kashgar", "&sort=price_asc")


def listed_from_the_shop(api, shop_id: str, *, listings=LISTINGS, first_page_only: bool = False) -> int:
    """Cards of the shop on every page (or the first page) of the storefront's main and search partitions.

    Each page is a moto Query that sorts the whole index partition, so the 10,000 cards of a big shop are
    counted in full only where it matters: before (the main listing) and after the job (everywhere)."""
    seen = 0
    for query in listings:
        cursor = None
        while True:
            url = "/v1/storefronts/handicrafts/products?limit=100" + query + (f"&cursor={cursor}" if cursor else "")
            reply = api.get(url)
            assert reply.status == 200, reply
            seen += sum(1 for card in reply.json["items"] if card["shop"]["shop_id"] == shop_id)
            cursor = reply.json["next_cursor"]
            if not cursor or first_page_only:
                break
    return seen


def test_a_shop_with_2000_products_is_suspended_and_fully_hidden_by_a_job_outside_the_request(api, stack, factory):
    from bench.counting import CallRecorder

    seller, buyer = factory.user("seller"), factory.user("buyer")
    seller_id = api.get("/v1/me", token=seller).json["user_id"]
    shop, products = seed_big_shop(stack, seller_id, BIG_SHOP)
    assert listed_from_the_shop(api, shop.shop_id, listings=("",)) == BIG_SHOP
    assert listed_from_the_shop(api, shop.shop_id, first_page_only=True) == 5 * 100  # listed in every partition
    assert api.put(f"/v1/cart/items/{products[7].product_id}", {"quantity": 1}, token=buyer).status == 200

    with CallRecorder() as rec:
        reply = api.post(f"/v1/admin/shops/{shop.shop_id}/suspend", token=factory.operator)
    assert reply.status == 200, reply
    assert rec.dynamodb().calls == 2  # the request never touches the products: GetItem shop + one transaction

    # From this moment no checkout of its products succeeds, though its products are still listed.
    assert listed_from_the_shop(api, shop.shop_id, first_page_only=True) == 5 * 100
    error = assert_api_error(checkout(api, buyer), 409, "shop_unavailable")
    assert error["details"] == [{"field": f"shops.{shop.shop_id}", "message": "this shop is not selling right now"}]

    handled = settle(stack)
    steps = [e for e in handled if e["type"] == "shop.resync"]
    assert len(steps) == -(-BIG_SHOP // RESYNC_PAGE)  # one step per page of 100, each started by the one before
    assert listed_from_the_shop(api, shop.shop_id) == 0
    stored = stack.catalog.get_product(products[-1].product_id)
    assert stored.shop["status"] == "suspended" and not stored.is_listed


def test_an_interrupted_job_is_finished_by_its_redelivery_or_by_repeating_the_moderation(
    api, stack, factory, monkeypatch
):
    """A step that fails (DynamoDB throttles a product write) is delivered again and redoes only what is left;
    an operator may also repeat the action at any time, which runs the job again."""
    from chalicelib.domain.errors import ServiceUnavailable
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    seller = factory.user("seller")
    seller_id = api.get("/v1/me", token=seller).json["user_id"]
    shop, products = seed_big_shop(stack, seller_id, 150)
    assert api.post(f"/v1/admin/shops/{shop.shop_id}/suspend", token=factory.operator).status == 200

    repo, original, writes = stack.catalog, stack.catalog.save_product, []

    def throttled_after_40(product, *args, **kwargs):
        if len(writes) >= 40:
            raise ServiceUnavailable("injected throttling")
        writes.append(product.product_id)
        return original(product, *args, **kwargs)

    monkeypatch.setattr(repo, "save_product", throttled_after_40)
    records = drain_order_events(stack)
    failed = handle_records(records)["batchItemFailures"]
    assert len(failed) == 1  # the step failed: its message stays on the queue (SQS redelivers it)
    assert 0 < listed_from_the_shop(api, shop.shop_id) < 5 * 150

    monkeypatch.setattr(repo, "save_product", original)
    assert handle_records([r for r in records if r["messageId"] == failed[0]["itemIdentifier"]]) == {
        "batchItemFailures": []
    }
    settle(stack)
    assert listed_from_the_shop(api, shop.shop_id) == 0

    # Repeating the suspension is allowed, changes nothing more, and finishes anything left over.
    stale = stack.catalog.get_product(products[3].product_id)
    stack.catalog.save_product(replace(stale, shop={**stale.shop, "status": "active"}), stale.version, "suspended")
    again = api.post(f"/v1/admin/shops/{shop.shop_id}/suspend", token=factory.operator)
    assert again.status == 200 and again.json["status"] == "suspended"
    settle(stack)
    assert stack.catalog.get_product(products[3].product_id).shop["status"] == "suspended"


def test_a_job_for_an_older_version_of_the_shop_stops_and_the_newer_one_wins(api, stack, factory):
    seller = factory.user("seller")
    seller_id = api.get("/v1/me", token=seller).json["user_id"]
    shop, _ = seed_big_shop(stack, seller_id, 5)
    operator = factory.operator
    assert api.post(f"/v1/admin/shops/{shop.shop_id}/suspend", token=operator).status == 200
    assert api.post(f"/v1/admin/shops/{shop.shop_id}/approve", token=operator).status == 200
    handled = settle(stack)
    assert [e["version"] for e in handled if e["type"] == "shop.resync"] == [2, 3]
    assert listed_from_the_shop(api, shop.shop_id) == 5 * 5  # back, after both jobs ran in order
