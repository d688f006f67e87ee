"""Products listed by earlier code (old `\\w+` word facets, cards with stock counts, no price fingerprint) are
re-indexed once by services.catalog.reindex (devtools/reindex.py on a deployed stage), and then found by the
new search; running it again writes nothing."""

from __future__ import annotations

import json

from bench.counting import CallRecorder
from chalicelib.services.catalog import reindex
from tests.support import checkout


def _as_before_issue_16(stack, product_id: str, words: list[str]) -> None:
    """Rewrites a product and its listing entries the way the code before issue 16 stored them."""
    ddb, settings = stack.buying._client, stack.settings
    item = ddb.get_item(TableName=settings.products_table, Key={"product_id": {"S": product_id}})["Item"]
    for key in item["listing_keys"]["L"]:
        ddb.delete_item(
            TableName=settings.listings_table,
            Key={"facet": key, "newest_key": {"S": f"{item['created_at']['S']}#{product_id}"}},
        )
    card = {
        "product_id": product_id,
        "storefront": "specialties",
        "title": item["title"]["S"],
        "category": item["category"]["S"],
        "prefecture": "Hotan",
        "price": {"amount": 15900, "currency": "CNY"},
        "stock": 25,
        "shop": {k: json.loads(item["shop"]["S"])[k] for k in ("shop_id", "name", "slug")},
        "thumbnail_key": None,
        "created_at": item["created_at"]["S"],
        "specialties": {"origin": {}, "season_months": [9], "gi_certified": True},
    }
    facets = ["specialties", *(f"specialties|w={w}" for w in words)]
    for facet in facets:
        ddb.put_item(
            TableName=settings.listings_table,
            Item={
                "facet": {"S": facet},
                "newest_key": {"S": f"{item['created_at']['S']}#{product_id}"},
                "price_key": {"S": f"{15900:015d}#{product_id}"},
                "product_id": {"S": product_id},
                "words": {"L": [{"S": w} for w in words]},
                "card": {"S": json.dumps(card)},
            },
        )
    for name in ("listing_digest", "listed", "price_fp"):
        item.pop(name, None)
    item["listing_keys"] = {"L": [{"S": f} for f in facets]}
    ddb.put_item(TableName=settings.products_table, Item=item)


def ids(api, **params) -> list[str]:
    from urllib.parse import urlencode

    reply = api.get(f"/v1/storefronts/specialties/products?{urlencode(params)}")
    assert reply.status == 200, reply
    return [i["product_id"] for i in reply.json["items"]]


def test_products_listed_by_earlier_code_are_reindexed_once_and_then_found(api, stack, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "specialties")
    walnuts = factory.product(seller, shop, title="Грецкие орехи")["product_id"]
    jujubes = factory.product(seller, shop, title="新疆和田红枣")["product_id"]
    _as_before_issue_16(stack, walnuts, ["грецкие", "орехи"])
    _as_before_issue_16(stack, jujubes, ["新疆和田红枣"])
    assert ids(api, q="орех") == [] and ids(api, q="红枣") == []  # the old entries hold the old words
    assert set(ids(api)) == {walnuts, jujubes}  # and still show on the unfiltered page, as before

    counts = reindex(stack.catalog, page_size=1)
    assert counts["rewritten"] == 2 and counts["next"] is None
    assert ids(api, q="орех") == [walnuts] and ids(api, q="红枣") == [jujubes]
    card = api.get("/v1/storefronts/specialties/products").json["items"][0]
    assert "stock" not in card and card["in_stock"] is True
    listings = stack.buying._client.scan(TableName=stack.settings.listings_table)["Items"]
    assert not [i for i in listings if i["facet"]["S"].endswith(("|w=орехи", "|w=新疆和田红枣"))]

    with CallRecorder() as rec:  # nothing left to do
        assert reindex(stack.catalog)["rewritten"] == 0
    assert rec.written_to(stack.settings.listings_table) == 0

    buyer = factory.user("buyer")  # and checkout conditions on the fingerprint the reindex recorded
    assert api.put(f"/v1/cart/items/{walnuts}", {"quantity": 1}, token=buyer).status == 200
    assert checkout(api, buyer).status == 201


def test_a_product_from_before_issue_16_can_still_be_bought_before_it_is_reindexed(api, stack, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    walnuts = factory.product(seller, factory.shop(seller, "specialties"), title="Грецкие орехи")["product_id"]
    _as_before_issue_16(stack, walnuts, ["грецкие", "орехи"])
    assert api.put(f"/v1/cart/items/{walnuts}", {"quantity": 2}, token=buyer).status == 200
    placed = checkout(api, buyer)
    assert placed.status == 201, placed


def test_the_reindex_command_finds_the_stage_tables_from_its_stack():
    import boto3
    from moto import mock_aws

    from devtools.deploy_stack import deploy
    from devtools.reindex import run, stack_tables

    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        env = deploy(session, None, "bazaar-reindex")
        tables = stack_tables(session, "bazaar-reindex", None)
        assert tables["products_table"] == env["PRODUCTS_TABLE"]
        assert tables["listings_table"] == env["LISTINGS_TABLE"]
        assert run(session, tables, None) == {"seen": 0, "rewritten": 0, "next": None}
