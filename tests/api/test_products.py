"""Products: create, validate per storefront, list, read, edit with ETags, archive, and storefront visibility."""

from __future__ import annotations

import copy

import pytest

from tests.support import ATTRIBUTES, CATEGORY, product_body, settle

# --- helpers --------------------------------------------------------------------------------------


def products_path(shop: dict) -> str:
    return f"/v1/shops/{shop['shop_id']}/products"


def product_path(shop: dict, product_id: str) -> str:
    return f"{products_path(shop)}/{product_id}"


def error_fields(reply) -> list[str]:
    """The `field` of every validation detail of an error reply (and checks the error shape)."""
    assert reply.status == 400, reply
    error = reply.json["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return [d["field"] for d in error.get("details") or []]


def rejected_fields(api, token: str, path: str, body: dict, method: str = "post", headers: dict | None = None):
    """Sends `body`; returns the detail fields of the 400, or a description of what came back instead."""
    reply = api.request(method.upper(), path, json_body=body, token=token, headers=headers)
    if reply.status != 400:
        return f"status {reply.status}: {reply.body[:200]!r}"
    return error_fields(reply)


def check_rejections(api, token: str, path: str, cases, make_body, method: str = "post", headers=None) -> None:
    """Every case must be a 400 whose details name the expected field; reports all failing cases at once."""
    failures = []
    for case_id, case, field in cases:
        fields = rejected_fields(api, token, path, make_body(case), method, headers)
        if isinstance(fields, str) or field not in fields:
            failures.append(f"{case_id}: expected a 400 naming {field!r}, got {fields}")
    assert not failures, "\n".join(failures)


def attrs(storefront: str, **changes) -> dict:
    out = copy.deepcopy(ATTRIBUTES[storefront])
    for key, value in changes.items():
        if value is _DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


_DROP = object()


def storefront_ids(api, storefront: str, **params) -> list[str]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    reply = api.get(f"/v1/storefronts/{storefront}/products" + (f"?{query}" if query else ""))
    assert reply.status == 200, reply
    return [item["product_id"] for item in reply.json["items"]]


def owner_ids(api, token: str, shop: dict, archived: bool = False) -> list[str]:
    ids, cursor = [], None
    while True:
        params = ["limit=100"]
        if archived:
            params.append("archived=true")
        if cursor:
            params.append(f"cursor={cursor}")
        reply = api.get(products_path(shop) + "?" + "&".join(params), token=token)
        assert reply.status == 200, reply
        ids += [p["product_id"] for p in reply.json["items"]]
        cursor = reply.json["next_cursor"]
        if not cursor:
            return ids


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def shops(factory, seller):
    """One active shop per storefront, all owned by `seller`."""
    return {sf: factory.shop(seller, sf) for sf in ("b2b", "handicrafts", "specialties")}


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("storefront", ["b2b", "handicrafts", "specialties"])
def test_create_product_in_each_storefront(api, factory, seller, storefront):
    shop = factory.shop(seller, storefront)
    body = product_body(storefront)
    reply = api.post(products_path(shop), body, token=seller)
    assert reply.status == 201, reply
    product = reply.json
    assert product["product_id"]
    assert reply.headers["etag"] == f'"{product["version"]}"'
    assert product["shop_id"] == shop["shop_id"]
    assert product["storefront"] == storefront
    assert product["title"] == body["title"]
    assert product["category"] == CATEGORY[storefront]
    assert product["price"] == body["price"]
    assert product["status"] == "active"
    assert product["media"] == []
    for key, value in body["attributes"].items():
        assert product["attributes"][key] == value

    again = api.get(product_path(shop, product["product_id"]), token=seller)
    assert again.status == 200, again
    assert again.json["product_id"] == product["product_id"]
    assert again.headers["etag"] == reply.headers["etag"]


def test_status_defaults_to_draft(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    body = product_body("handicrafts")
    del body["status"]
    reply = api.post(products_path(shop), body, token=seller)
    assert reply.status == 201, reply
    assert reply.json["status"] == "draft"


def test_price_amount_must_be_a_positive_integer(api, shops, seller):
    cases = [(repr(a), a, "price.amount") for a in (15900.0, 159.5, "15900", None, True, 0, -100, 10**13)]
    check_rejections(
        api,
        seller,
        products_path(shops["handicrafts"]),
        cases,
        lambda a: product_body("handicrafts", price={"amount": a, "currency": "CNY"}),
    )
    assert owner_ids(api, seller, shops["handicrafts"]) == []


def test_currency_must_be_cny(api, shops, seller):
    for storefront, shop in shops.items():
        amount = product_body(storefront)["price"]["amount"]
        cases = [(repr(c), c, "price.currency") for c in ("USD", "EUR", "cny", "", "CNYY", 156)]
        check_rejections(
            api,
            seller,
            products_path(shop),
            cases,
            lambda c, sf=storefront, a=amount: product_body(sf, price={"amount": a, "currency": c}),
        )
        assert owner_ids(api, seller, shop) == []


def test_category_must_belong_to_the_storefront(api, shops, seller):
    for storefront, categories in {
        "specialties": ("metalwork", "textiles"),  # handicrafts categories
        "handicrafts": ("grain", "tea"),  # b2b / specialties categories
        "b2b": ("tea", "no-such-category", "Dried-Fruit"),
    }.items():
        cases = [(c, c, "category") for c in categories]
        check_rejections(
            api, seller, products_path(shops[storefront]), cases, lambda c, sf=storefront: product_body(sf, category=c)
        )
        assert owner_ids(api, seller, shops[storefront]) == []


def test_bad_top_level_fields_are_rejected(api, shops, seller):
    cases = [
        ("empty-title", {"title": ""}, "title"),
        ("blank-title", {"title": "   "}, "title"),
        ("long-title", {"title": "x" * 121}, "title"),
        ("title-number", {"title": 12}, "title"),
        ("negative-stock", {"stock": -1}, "stock"),
        ("float-stock", {"stock": 1.5}, "stock"),
        ("archived-status", {"status": "archived"}, "status"),
        ("unknown-status", {"status": "published"}, "status"),
        ("attributes-list", {"attributes": ["moq"]}, "attributes"),
        ("unknown-field", {"colour": "red"}, "colour"),
        ("price-extra-field", {"price": {"amount": 15900, "currency": "CNY", "vat": 0}}, "price.vat"),
    ]
    check_rejections(
        api, seller, products_path(shops["handicrafts"]), cases, lambda change: product_body("handicrafts", **change)
    )
    for missing in ("title", "category", "price", "stock", "attributes"):
        body = product_body("handicrafts")
        del body[missing]
        assert missing in error_fields(api.post(products_path(shops["handicrafts"]), body, token=seller)), missing
    assert owner_ids(api, seller, shops["handicrafts"]) == []


def test_malformed_and_non_json_bodies(api, shops, seller):
    path = products_path(shops["handicrafts"])
    reply = api.request("POST", path, body=b'{"title": ', token=seller)
    assert reply.status == 400 and reply.json["error"]["code"], reply
    reply = api.request("POST", path, body=b"title=x", token=seller, headers={"Content-Type": "text/plain"})
    assert reply.status == 415, reply
    assert owner_ids(api, seller, shops["handicrafts"]) == []


B2B_REJECTS = [
    # (case id, attribute changes, price amount or None, expected field)
    (
        "tiers-not-ascending",
        {
            "price_tiers": [
                {"min_quantity": 10, "amount": 12000},
                {"min_quantity": 60, "amount": 10000},
                {"min_quantity": 50, "amount": 9000},
            ]
        },
        None,
        "attributes.price_tiers",
    ),
    (
        "tiers-equal-quantities",
        {"price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 10, "amount": 11000}]},
        None,
        "attributes.price_tiers",
    ),
    ("first-tier-not-moq", {"moq": 20}, None, "attributes.price_tiers"),
    ("price-not-first-tier", {}, 11000, "price.amount"),
    (
        "moq-not-multiple-of-order-multiple",
        {"moq": 12, "price_tiers": [{"min_quantity": 12, "amount": 12000}]},
        None,
        "attributes.moq",
    ),
    (
        "tier-not-multiple-of-order-multiple",
        {"price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 52, "amount": 10000}]},
        None,
        "attributes.price_tiers",
    ),
    (
        "higher-price-for-larger-quantity",
        {"price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 13000}]},
        None,
        "attributes.price_tiers",
    ),
    ("missing-moq", {"moq": _DROP}, None, "attributes.moq"),
    ("moq-zero", {"moq": 0}, None, "attributes.moq"),
    ("moq-string", {"moq": "10"}, None, "attributes.moq"),
    ("missing-unit", {"unit": _DROP}, None, "attributes.unit"),
    ("blank-unit", {"unit": "  "}, None, "attributes.unit"),
    ("missing-tiers", {"price_tiers": _DROP}, None, "attributes.price_tiers"),
    ("empty-tiers", {"price_tiers": []}, None, "attributes.price_tiers"),
    (
        "tier-extra-key",
        {"price_tiers": [{"min_quantity": 10, "amount": 12000, "discount": 1}]},
        None,
        "attributes.price_tiers[0]",
    ),
    (
        "tier-float-amount",
        {"price_tiers": [{"min_quantity": 10, "amount": 12000.5}]},
        None,
        "attributes.price_tiers[0].amount",
    ),
    (
        "tier-zero-quantity",
        {"price_tiers": [{"min_quantity": 0, "amount": 12000}]},
        None,
        "attributes.price_tiers[0].min_quantity",
    ),
    ("order-multiple-zero", {"order_multiple": 0}, None, "attributes.order_multiple"),
    ("lead-time-too-long", {"lead_time_days": 366}, None, "attributes.lead_time_days"),
    ("lead-time-negative", {"lead_time_days": -1}, None, "attributes.lead_time_days"),
    ("unknown-attribute", {"maker": "Aygul"}, None, "attributes.maker"),
]


def test_b2b_attribute_rules(api, shops, seller):
    def body(case):
        changes, amount = case
        out = product_body("b2b", attributes=attrs("b2b", **changes))
        if amount is not None:
            out["price"]["amount"] = amount
        return out

    cases = [(case_id, (changes, amount), field) for case_id, changes, amount, field in B2B_REJECTS]
    check_rejections(api, seller, products_path(shops["b2b"]), cases, body)
    assert owner_ids(api, seller, shops["b2b"]) == []


def test_b2b_valid_variants(api, shops, seller):
    """Optional attributes may be left out; a single tier is fine; equal amounts across tiers are fine."""
    minimal = {"moq": 7, "unit": "kg", "price_tiers": [{"min_quantity": 7, "amount": 900}]}
    reply = api.post(
        products_path(shops["b2b"]),
        product_body("b2b", attributes=minimal, price={"amount": 900, "currency": "CNY"}),
        token=seller,
    )
    assert reply.status == 201, reply
    assert reply.json["attributes"]["price_tiers"] == minimal["price_tiers"]
    flat = attrs("b2b", price_tiers=[{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 12000}])
    reply = api.post(products_path(shops["b2b"]), product_body("b2b", attributes=flat), token=seller)
    assert reply.status == 201, reply


def test_b2b_reports_every_problem_at_once(api, shops, seller):
    body = product_body("b2b", attributes=attrs("b2b", unit=_DROP, lead_time_days=999, colour="red"))
    body["price"]["amount"] = 1
    fields = error_fields(api.post(products_path(shops["b2b"]), body, token=seller))
    assert {"attributes.unit", "attributes.lead_time_days", "attributes.colour", "price.amount"} <= set(fields)


HANDICRAFTS_REJECTS = [
    ("made-to-order-without-processing-days", {"processing_days": _DROP}, "attributes.processing_days"),
    ("processing-days-on-stock-item", {"made_to_order": False}, "attributes.processing_days"),
    ("processing-days-zero", {"processing_days": 0}, "attributes.processing_days"),
    ("processing-days-too-long", {"processing_days": 181}, "attributes.processing_days"),
    ("missing-made-to-order", {"made_to_order": _DROP}, "attributes.made_to_order"),
    ("made-to-order-string", {"made_to_order": "yes"}, "attributes.made_to_order"),
    ("missing-maker", {"maker": _DROP}, "attributes.maker"),
    ("blank-maker", {"maker": ""}, "attributes.maker"),
    ("materials-not-a-list", {"materials": "silk"}, "attributes.materials"),
    ("materials-with-blank", {"materials": ["silk", " "]}, "attributes.materials"),
    ("harvest-date-invalid", {"harvest_date": "2024-13-01"}, "attributes.harvest_date"),
    ("harvest-date-not-iso", {"harvest_date": "yesterday"}, "attributes.harvest_date"),
    ("harvest-date-number", {"harvest_date": 20240901}, "attributes.harvest_date"),
    ("unknown-attribute", {"moq": 10}, "attributes.moq"),
]


def test_handicrafts_attribute_rules(api, shops, seller):
    check_rejections(
        api,
        seller,
        products_path(shops["handicrafts"]),
        HANDICRAFTS_REJECTS,
        lambda changes: product_body("handicrafts", attributes=attrs("handicrafts", **changes)),
    )
    assert owner_ids(api, seller, shops["handicrafts"]) == []


def test_handicrafts_valid_variants(api, shops, seller):
    in_stock = {"maker": "Tursun family", "made_to_order": False, "harvest_date": "2024-09-15"}
    reply = api.post(
        products_path(shops["handicrafts"]),
        product_body("handicrafts", title="Fresh jujubes", category="fresh-produce", attributes=in_stock),
        token=seller,
    )
    assert reply.status == 201, reply
    assert reply.json["attributes"]["harvest_date"] == "2024-09-15"
    assert "processing_days" not in reply.json["attributes"]


SPECIALTIES_REJECTS = [
    ("month-13", {"season_months": [9, 13]}, "attributes.season_months"),
    ("month-0", {"season_months": [0]}, "attributes.season_months"),
    ("months-empty", {"season_months": []}, "attributes.season_months"),
    ("months-duplicated", {"season_months": [9, 9]}, "attributes.season_months"),
    ("months-strings", {"season_months": ["9"]}, "attributes.season_months"),
    ("months-missing", {"season_months": _DROP}, "attributes.season_months"),
    ("origin-missing", {"origin": _DROP}, "attributes.origin"),
    ("origin-not-object", {"origin": "Hotan"}, "attributes.origin"),
    ("origin-missing-county", {"origin": {"province": "Xinjiang", "prefecture": "Hotan"}}, "attributes.origin.county"),
    (
        "origin-blank-prefecture",
        {"origin": {"province": "Xinjiang", "prefecture": " ", "county": "Yutian"}},
        "attributes.origin.prefecture",
    ),
    (
        "origin-unknown-field",
        {"origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian", "village": "X"}},
        "attributes.origin.village",
    ),
    ("gi-certificate-blank", {"gi_certificate": ""}, "attributes.gi_certificate"),
    ("gi-certificate-too-long", {"gi_certificate": "G" * 65}, "attributes.gi_certificate"),
    ("unknown-attribute", {"maker": "Aygul"}, "attributes.maker"),
]


def test_specialties_attribute_rules(api, shops, seller):
    check_rejections(
        api,
        seller,
        products_path(shops["specialties"]),
        SPECIALTIES_REJECTS,
        lambda changes: product_body("specialties", attributes=attrs("specialties", **changes)),
    )
    assert owner_ids(api, seller, shops["specialties"]) == []


def test_specialties_gi_certificate_is_optional_and_months_are_sorted(api, shops, seller):
    reply = api.post(
        products_path(shops["specialties"]),
        product_body("specialties", attributes=attrs("specialties", gi_certificate=_DROP, season_months=[11, 9, 10])),
        token=seller,
    )
    assert reply.status == 201, reply
    assert reply.json["attributes"]["season_months"] == [9, 10, 11]
    assert "gi_certificate" not in reply.json["attributes"]


# --- owner list -----------------------------------------------------------------------------------


def test_owner_list_includes_drafts_and_pages_with_next_cursor(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    created = [
        factory.product(seller, shop, title=f"Scarf {i}", status="draft" if i % 2 else "active")["product_id"]
        for i in range(5)
    ]
    seen, cursor, pages = [], None, 0
    while True:
        path = products_path(shop) + "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(path, token=seller)
        assert reply.status == 200, reply
        assert len(reply.json["items"]) <= 2
        seen += [p["product_id"] for p in reply.json["items"]]
        pages += 1
        cursor = reply.json["next_cursor"]
        if not cursor:
            break
        assert pages < 10
    assert pages >= 3
    assert seen == list(reversed(created))  # newest first, each exactly once
    statuses = {p["status"] for p in api.get(products_path(shop), token=seller).json["items"]}
    assert statuses == {"draft", "active"}


def test_owner_list_rejects_tampered_or_foreign_cursors(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    other_shop = factory.shop(seller, "handicrafts")
    for i in range(3):
        factory.product(seller, shop, title=f"Comb {i}")
        factory.product(seller, other_shop, title=f"Comb {i}")
    cursor = api.get(products_path(shop) + "?limit=1", token=seller).json["next_cursor"]
    assert cursor
    body, sig = cursor.split(".")
    tampered = body + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    for bad in (tampered, "not-a-cursor", body[:-2] + "." + sig):
        reply = api.get(products_path(shop) + f"?limit=1&cursor={bad}", token=seller)
        assert reply.status == 400, (bad, reply)
    # the same cursor against another shop, or against the archived list, is not valid there
    assert api.get(products_path(other_shop) + f"?limit=1&cursor={cursor}", token=seller).status == 400
    assert api.get(products_path(shop) + f"?limit=1&archived=true&cursor={cursor}", token=seller).status == 400
    assert api.get(products_path(shop) + f"?limit=1&cursor={cursor}", token=seller).status == 200


def test_owner_list_limit_bounds(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    for limit in ("0", "101", "abc", "-1", "1.5", "²", "99999999999999999999"):
        assert "limit" in error_fields(api.get(products_path(shop) + f"?limit={limit}", token=seller)), limit
    for limit in ("1", "100"):
        assert api.get(products_path(shop) + f"?limit={limit}", token=seller).status == 200


def test_other_sellers_and_buyers_cannot_read_or_change_products(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop)
    path = product_path(shop, product["product_id"])
    intruder = factory.user("seller")
    buyer = factory.user("buyer")
    for token in (intruder, buyer):
        assert api.get(products_path(shop), token=token).status in (403, 404)
        assert api.get(path, token=token).status in (403, 404)
        assert api.patch(path, {"title": "Hijacked"}, token=token).status in (403, 404)
        assert api.delete(path, token=token).status in (403, 404)
        assert api.post(products_path(shop), product_body("handicrafts"), token=token).status in (403, 404)
    assert api.get(path).status == 401
    mine = api.get(path, token=seller)
    assert mine.json["title"] == product["title"] and mine.json["status"] == "active"
    assert owner_ids(api, seller, shop) == [product["product_id"]]


def test_unknown_product_is_404(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    other = factory.shop(seller, "handicrafts")
    product = factory.product(seller, other)
    assert api.get(product_path(shop, "prd_nope"), token=seller).status == 404
    # a product of another shop is not reachable through this shop
    assert api.get(product_path(shop, product["product_id"]), token=seller).status == 404
    assert api.patch(product_path(shop, product["product_id"]), {"stock": 1}, token=seller).status == 404
    assert api.delete(product_path(shop, product["product_id"]), token=seller).status == 404


# --- edit with ETags -------------------------------------------------------------------------------


def test_patch_with_matching_if_match_returns_new_etag(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    created = api.post(products_path(shop), product_body("handicrafts"), token=seller)
    etag = created.headers["etag"]
    path = product_path(shop, created.json["product_id"])

    reply = api.patch(path, {"title": "Atlas silk shawl", "stock": 3}, token=seller, headers={"If-Match": etag})
    assert reply.status == 200, reply
    assert reply.json["title"] == "Atlas silk shawl"
    assert reply.json["stock"] == 3
    assert reply.json["description"] == "Hand-woven ikat silk."  # untouched fields stay
    new_etag = reply.headers["etag"]
    assert new_etag != etag
    assert new_etag == f'"{reply.json["version"]}"'
    assert api.get(path, token=seller).headers["etag"] == new_etag

    # the new ETag is good for the next edit
    reply = api.patch(path, {"stock": 4}, token=seller, headers={"If-Match": new_etag})
    assert reply.status == 200, reply


def test_patch_with_stale_if_match_is_412_and_changes_nothing(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    created = api.post(products_path(shop), product_body("handicrafts"), token=seller)
    stale = created.headers["etag"]
    path = product_path(shop, created.json["product_id"])
    fresh = api.patch(path, {"stock": 7}, token=seller, headers={"If-Match": stale})
    assert fresh.status == 200, fresh
    before = api.get(path, token=seller)

    for tag in (stale, '"999"', "garbage", '"²"', 'W/"1"', '"1", "2"'):
        reply = api.patch(path, {"title": "Lost update", "stock": 1}, token=seller, headers={"If-Match": tag})
        assert reply.status == 412, (tag, reply)
        assert reply.json["error"]["code"]
    after = api.get(path, token=seller)
    assert after.json == before.json
    assert after.headers["etag"] == before.headers["etag"]
    assert storefront_ids(api, "handicrafts", q="lost") == []


PATCH_REJECTS = [
    ("b2b", {"price": {"amount": 11000, "currency": "CNY"}}, "price.amount"),
    ("b2b", {"attributes": attrs("b2b", moq=20)}, "attributes.price_tiers"),
    ("handicrafts", {"attributes": attrs("handicrafts", made_to_order=False)}, "attributes.processing_days"),
    ("handicrafts", {"category": "tea"}, "category"),
    ("handicrafts", {"price": {"amount": 100, "currency": "USD"}}, "price.currency"),
    ("handicrafts", {"price": {"amount": 99.5, "currency": "CNY"}}, "price.amount"),
    ("handicrafts", {"status": "archived"}, "status"),
    ("handicrafts", {"shop_id": "shp_other"}, "shop_id"),
    (
        "specialties",
        {"attributes": attrs("specialties", origin={"province": "Xinjiang", "prefecture": "Hotan"})},
        "attributes.origin.county",
    ),
    ("specialties", {"title": ""}, "title"),
]


def test_patch_making_the_product_invalid_is_400_and_changes_nothing(api, shops, seller):
    created = {sf: api.post(products_path(shop), product_body(sf), token=seller) for sf, shop in shops.items()}
    for storefront, change, field in PATCH_REJECTS:
        shop, before = shops[storefront], created[storefront]
        path = product_path(shop, before.json["product_id"])
        reply = api.patch(path, change, token=seller, headers={"If-Match": before.headers["etag"]})
        assert reply.status == 400 and field in error_fields(reply), (storefront, change, reply)
        after = api.get(path, token=seller)
        assert after.json == before.json, change
        assert after.headers["etag"] == before.headers["etag"]
    assert storefront_ids(api, "b2b") == [created["b2b"].json["product_id"]]


def test_patch_b2b_price_together_with_tiers(api, shops, seller):
    shop = shops["b2b"]
    created = api.post(products_path(shop), product_body("b2b"), token=seller).json
    tiers = [{"min_quantity": 10, "amount": 11000}, {"min_quantity": 100, "amount": 9000}]
    reply = api.patch(
        product_path(shop, created["product_id"]),
        {"price": {"amount": 11000, "currency": "CNY"}, "attributes": attrs("b2b", price_tiers=tiers)},
        token=seller,
    )
    assert reply.status == 200, reply
    assert reply.json["price"]["amount"] == 11000
    assert reply.json["attributes"]["price_tiers"] == tiers
    assert reply.json["version"] > created["version"]
    cards = api.get("/v1/storefronts/b2b/products").json["items"]
    assert [c["price"]["amount"] for c in cards] == [11000]


# --- archive --------------------------------------------------------------------------------------


def test_delete_archives_the_product(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    keep = factory.product(seller, shop, title="Copper teapot", category="metalwork")
    gone = factory.product(seller, shop, title="Atlas silk scarf")
    path = product_path(shop, gone["product_id"])
    assert set(storefront_ids(api, "handicrafts")) == {keep["product_id"], gone["product_id"]}

    reply = api.delete(path, token=seller)
    assert reply.status == 204, reply

    assert owner_ids(api, seller, shop) == [keep["product_id"]]
    assert owner_ids(api, seller, shop, archived=True) == [gone["product_id"]]
    assert storefront_ids(api, "handicrafts") == [keep["product_id"]]
    assert storefront_ids(api, "handicrafts", q="silk") == []
    assert storefront_ids(api, "handicrafts", category="textiles") == []
    assert api.get(f"/v1/storefronts/handicrafts/products/{gone['product_id']}").status == 404
    shown = api.get(path, token=seller)
    assert shown.status == 200
    assert shown.json["status"] == "archived"
    assert shown.json["listed"] is False

    reply = api.patch(path, {"status": "active"}, token=seller)
    assert reply.status == 409, reply
    reply = api.patch(path, {"title": "Back again"}, token=seller, headers={"If-Match": shown.headers["etag"]})
    assert reply.status == 409, reply
    assert api.get(path, token=seller).json == shown.json
    assert storefront_ids(api, "handicrafts") == [keep["product_id"]]
    # archiving twice is harmless
    assert api.delete(path, token=seller).status == 204


def test_delete_with_stale_if_match_is_412(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    created = api.post(products_path(shop), product_body("handicrafts"), token=seller)
    path = product_path(shop, created.json["product_id"])
    assert api.patch(path, {"stock": 2}, token=seller).status == 200
    reply = api.delete(path, token=seller, headers={"If-Match": created.headers["etag"]})
    assert reply.status == 412, reply
    assert api.get(path, token=seller).json["status"] == "active"
    assert storefront_ids(api, "handicrafts") == [created.json["product_id"]]


# --- storefront visibility ------------------------------------------------------------------------


def test_draft_never_appears_in_storefronts_until_activated(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    draft = factory.product(seller, shop, status="draft")
    path = product_path(shop, draft["product_id"])
    assert draft["listed"] is False
    assert storefront_ids(api, "handicrafts") == []
    assert storefront_ids(api, "handicrafts", q="silk") == []
    assert storefront_ids(api, "handicrafts", category="textiles", prefecture="Kashgar") == []
    assert api.get(f"/v1/storefronts/handicrafts/products/{draft['product_id']}").status == 404

    # an edit that keeps it a draft keeps it out
    assert api.patch(path, {"stock": 3}, token=seller).status == 200
    assert storefront_ids(api, "handicrafts") == []

    reply = api.patch(path, {"status": "active"}, token=seller)
    assert reply.status == 200, reply
    assert reply.json["listed"] is True
    assert storefront_ids(api, "handicrafts") == [draft["product_id"]]
    assert storefront_ids(api, "handicrafts", q="silk", category="textiles") == [draft["product_id"]]
    assert api.get(f"/v1/storefronts/handicrafts/products/{draft['product_id']}").status == 200

    # and back to draft takes it out again
    assert api.patch(path, {"status": "draft"}, token=seller).status == 200
    assert storefront_ids(api, "handicrafts") == []
    assert storefront_ids(api, "handicrafts", q="silk") == []


def test_product_of_pending_shop_is_listed_only_after_approval(api, factory, seller):
    shop = factory.shop(seller, "specialties", approve=False)
    assert shop["status"] == "pending"
    product = factory.product(seller, shop, title="Hotan jujubes")
    draft = factory.product(seller, shop, title="Hotan walnuts", status="draft")
    assert product["listed"] is False
    assert storefront_ids(api, "specialties") == []
    assert storefront_ids(api, "specialties", q="hotan") == []
    assert api.get(f"/v1/storefronts/specialties/products/{product['product_id']}").status == 404

    reply = api.post(f"/v1/admin/shops/{shop['shop_id']}/approve", token=factory.operator)
    assert reply.status == 200, reply
    settle(factory.container)  # the shop's products follow it in a job
    assert storefront_ids(api, "specialties") == [product["product_id"]]
    assert storefront_ids(api, "specialties", q="hotan", prefecture="Hotan") == [product["product_id"]]
    assert api.get(f"/v1/storefronts/specialties/products/{product['product_id']}").status == 200
    assert api.get(product_path(shop, product["product_id"]), token=seller).json["listed"] is True
    assert api.get(product_path(shop, draft["product_id"]), token=seller).json["listed"] is False

    reply = api.post(f"/v1/admin/shops/{shop['shop_id']}/suspend", token=factory.operator)
    assert reply.status == 200, reply
    settle(factory.container)
    assert storefront_ids(api, "specialties") == []
    assert storefront_ids(api, "specialties", q="jujubes") == []
    assert api.get(f"/v1/storefronts/specialties/products/{product['product_id']}").status == 404
