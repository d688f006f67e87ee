"""A product change too big for one DynamoDB transaction (issue 15): a verified-GI specialty in season with a
10-word title has 56 listing entries; changing its title, category and origin at once would delete 55 and put
56 (with the product, the shop check and two origin counts: 115 actions, over DynamoDB's 100). The repository
commits everything but the old entries' deletes first, then deletes them with a second transaction."""

from __future__ import annotations

from dataclasses import replace

from bench.counting import CallRecorder
from chalicelib.domain.identity import Actor, Role
from chalicelib.services import catalog, origins, shops

SELLER = Actor("usr_seller", "seller@example.com", frozenset({Role.SELLER}))
OPERATOR = Actor("usr_operator", "operator@example.com", frozenset({Role.OPERATOR}))
NOW = "2026-10-01T09:00:00.000Z"
BADGE = {
    "claim_id": "gic_1",
    "register": "CNIPA",
    "registration_number": "AGI1",
    "protected_name": "Hotan jujube",
    "verified_at": NOW,
}


def _listing_entries(stack, product) -> set[str]:
    import boto3

    client = boto3.client("dynamodb", region_name=stack.settings.region)
    items = client.scan(TableName=stack.settings.listings_table)["Items"]
    return {i["facet"]["S"] for i in items if i.get("product_id", {}).get("S") == product.product_id}


def test_a_change_over_a_hundred_actions_is_written_in_two_transactions_and_leaves_nothing_stale(stack):
    repo = stack.catalog
    shop = shops.open_shop(
        repo,
        SELLER,
        {"name": "Orchard", "storefront": "specialties", "region": {"province": "X", "prefecture": "Y", "county": "Z"}},
        now=NOW,
        shop_id="shp_big",
    )
    shops.moderate(repo, OPERATOR, shop.shop_id, "approve", now=NOW)
    title = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    data = {
        "title": title,
        "description": "",
        "category": "dried-fruit",
        "price_amount": 6800,
        "currency": "CNY",
        "stock": 10,
        "status": "active",
        "attributes": {
            "origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
            "season_months": list(range(1, 13)),
        },
    }
    product = catalog.add_product(repo, SELLER, shop.shop_id, data, now=NOW, product_id="prd_big")
    product = repo.save_product(replace(product, gi=BADGE), product.version, "active")
    assert len(product.listing_keys) == 56 and _listing_entries(stack, product) == set(product.listing_keys)

    changes = {
        "title": "kilo lima mike november oscar papa quebec romeo sierra tango",
        "category": "nuts",
        "attributes": {
            "origin": {"province": "Xinjiang", "prefecture": "Turpan", "county": "Shanshan"},
            "season_months": list(range(1, 13)),
        },
    }
    with CallRecorder() as rec:
        edited = catalog.edit_product(repo, SELLER, shop.shop_id, product.product_id, changes, if_match=None, now=NOW)
    assert rec.dynamodb().operations["TransactWriteItems"] == 2
    stored = repo.get_product(product.product_id)
    assert stored.listing_keys == edited.listing_keys and len(stored.listing_keys) == 56
    assert _listing_entries(stack, stored) == set(stored.listing_keys)  # nothing of the old title, category, place
    counts = {p["prefecture"]: p["count"] for p in origins.origins(stack.provenance, "specialties")[0]["prefectures"]}
    assert counts == {"Turpan": 1}
