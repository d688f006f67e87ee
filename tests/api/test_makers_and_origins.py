"""Makers and origins (issue 15): makers and their public pages, the files behind them, verified geographic
indications, the origin taxonomy with its live counts, and the storefront's gi / in_season filters.

One moto world for the module (each test makes its own sellers, shops and products; origin counts are told
apart by a province of their own)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest

from bench.counting import CallRecorder
from tests.support import ATTRIBUTES, REGION, Factory, assert_api_error, module_world, png_bytes, product_body, settle

PDF = b"%PDF-1.7\n% Certificate of a protected geographic indication\n%%EOF\n"


@pytest.fixture(scope="module")
def world():
    with module_world() as (stack, api):
        yield stack, api


@pytest.fixture(scope="module")
def stack(world):
    return world[0]


@pytest.fixture(scope="module")
def api(world):
    return world[1]


@pytest.fixture(scope="module")
def factory(api, stack):
    return Factory(api, stack)


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def crafts(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def specialties(factory, seller):
    return factory.shop(seller, "specialties")


def upload(api, stack, token: str, shop: dict, purpose: str, body: bytes, content_type: str, complete: bool = True):
    announced = api.post(
        f"/v1/shops/{shop['shop_id']}/uploads",
        {"purpose": purpose, "content_type": content_type, "size": len(body)},
        token=token,
    )
    assert announced.status == 201, announced
    key = announced.json["upload"]["fields"]["key"]
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=key, Body=body, ContentType=content_type)
    if not complete:
        return announced.json["upload_id"], key
    done = api.post(f"/v1/shops/{shop['shop_id']}/uploads/{announced.json['upload_id']}/complete", token=token)
    assert done.status == 200, done
    return done.json


def add_maker(api, token: str, shop: dict, **overrides) -> dict:
    body = {
        "name": "Memet Ali",
        "story": "Raised his first teapot at twelve.",
        "workshop": "Coppersmiths' lane, no. 12",
        "region": dict(REGION),
        "craft": "coppersmith",
        **overrides,
    }
    reply = api.post(f"/v1/shops/{shop['shop_id']}/makers", body, token=token)
    assert reply.status == 201, reply
    return reply.json


def crafted_by(maker: dict, **attrs) -> dict:
    return {"maker_id": maker["maker_id"], "made_to_order": True, "processing_days": 21, **attrs}


def card(api, storefront: str, product_id: str, **params) -> dict | None:
    query = urlencode({"limit": 100, **params})
    items = api.get(f"/v1/storefronts/{storefront}/products?{query}").json["items"]
    return next((c for c in items if c["product_id"] == product_id), None)


# --- makers -------------------------------------------------------------------------------------------------


def test_a_seller_adds_a_maker_with_a_photo_and_names_them_on_a_product(api, stack, factory, seller, crafts):
    photo = upload(api, stack, seller, crafts, "maker_photo", png_bytes(640, 480), "image/png")
    assert photo["status"] == "ready" and photo["file"]["thumbnail_url"] and photo["file"]["width"] == 640
    maker = add_maker(api, seller, crafts, photo=photo["upload_id"])
    assert maker["photo"]["url"] == photo["file"]["url"] and maker["version"] == 1
    base = f"/v1/shops/{crafts['shop_id']}/makers"
    assert [m["maker_id"] for m in api.get(base, token=seller).json["items"]] == [maker["maker_id"]]
    assert api.get(f"{base}/{maker['maker_id']}", token=seller).json == maker

    teapot = factory.product(seller, crafts, title="Hammered copper teapot", attributes=crafted_by(maker))
    assert teapot["attributes"]["maker"] == "Memet Ali"  # the maker's name, for cards and pages
    assert card(api, "handicrafts", teapot["product_id"])["handicrafts"]["maker_id"] == maker["maker_id"]
    old_style = factory.product(seller, crafts, title="Old listing")  # the free-text maker stays accepted
    assert old_style["attributes"]["maker"] == ATTRIBUTES["handicrafts"]["maker"]


def test_the_public_maker_page_is_one_query_with_the_maker_and_their_listed_products(api, factory, seller, crafts):
    maker = add_maker(api, seller, crafts)
    assert_api_error(api.get(f"/v1/makers/{maker['maker_id']}"), 404, "maker_not_found")  # nothing listed yet
    made = [
        factory.product(seller, crafts, title=f"Copper bowl {i}", attributes=crafted_by(maker))["product_id"]
        for i in range(3)
    ]
    factory.product(seller, crafts, title="Draft bowl", status="draft", attributes=crafted_by(maker))
    factory.product(seller, crafts, title="Someone else's comb")

    with CallRecorder() as rec:
        page = api.get(f"/v1/makers/{maker['maker_id']}?limit=2")
    assert page.status == 200, page
    assert rec.dynamodb().calls == 1 and dict(rec.dynamodb().operations) == {"Query": 1}
    assert page.json["maker"]["name"] == "Memet Ali" and page.json["maker"]["shop_id"] == crafts["shop_id"]
    assert "owner_id" not in page.json["maker"] and "version" not in page.json["maker"]
    second = api.get(f"/v1/makers/{maker['maker_id']}?limit=2&cursor={page.json['next_cursor']}")
    assert second.json["maker"] is None
    shown = [c["product_id"] for c in page.json["items"] + second.json["items"]]
    assert shown == list(reversed(made)) and second.json["next_cursor"] is None


def test_a_new_maker_name_follows_onto_their_products_and_cards(api, factory, seller, crafts):
    maker = add_maker(api, seller, crafts)
    ewer = factory.product(seller, crafts, title="Copper ewer", attributes=crafted_by(maker))
    path = f"/v1/shops/{crafts['shop_id']}/makers/{maker['maker_id']}"
    renamed = api.patch(path, {"name": "Memet Ali Usta", "story": "Forty years at the anvil."}, token=seller)
    assert renamed.status == 200 and renamed.json["version"] == 2, renamed
    assert card(api, "handicrafts", ewer["product_id"])["handicrafts"]["maker"] == "Memet Ali Usta"
    product = api.get(f"/v1/storefronts/handicrafts/products/{ewer['product_id']}").json
    assert product["attributes"]["maker"] == "Memet Ali Usta"
    assert api.get(f"/v1/makers/{maker['maker_id']}").json["maker"]["story"] == "Forty years at the anvil."


def test_a_product_cannot_name_another_shops_maker_and_makers_are_for_handicrafts(
    api, factory, seller, crafts, specialties
):
    other_seller = factory.user("seller")
    theirs = add_maker(api, other_seller, factory.shop(other_seller, "handicrafts"))
    reply = api.post(
        f"/v1/shops/{crafts['shop_id']}/products",
        product_body("handicrafts", attributes=crafted_by(theirs)),
        token=seller,
    )
    assert "attributes.maker_id" in {d["field"] for d in assert_api_error(reply, 400)["details"]}
    reply = api.post(
        f"/v1/shops/{specialties['shop_id']}/makers",
        {"name": "A", "region": dict(REGION), "craft": "orchards"},
        token=seller,
    )
    assert_api_error(reply, 409, "makers_not_in_this_storefront")


def test_a_suspended_shops_makers_leave_with_its_products(api, stack, factory, seller, crafts):
    maker = add_maker(api, seller, crafts)
    factory.product(seller, crafts, title="Copper tray", attributes=crafted_by(maker))
    assert api.get(f"/v1/makers/{maker['maker_id']}").status == 200
    assert api.post(f"/v1/admin/shops/{crafts['shop_id']}/suspend", token=factory.operator).status == 200
    settle(stack)  # the shop's product job (issue 9: moderation's fan-out runs outside the request)
    assert_api_error(api.get(f"/v1/makers/{maker['maker_id']}"), 404, "maker_not_found")
    assert api.post(f"/v1/admin/shops/{crafts['shop_id']}/approve", token=factory.operator).status == 200
    settle(stack)
    assert api.get(f"/v1/makers/{maker['maker_id']}").status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"region": dict(REGION), "craft": "x"},
        {"name": "", "region": dict(REGION), "craft": "x"},
        {"name": "A", "region": {"province": "Xinjiang"}, "craft": "x"},
        {"name": "A", "region": dict(REGION), "craft": "x", "photo": "upl_nope"},
        {"name": "A", "region": dict(REGION), "craft": "x", "story": "s" * 4001},
        {"name": "A", "region": dict(REGION), "craft": "x", "colour": "red"},
    ],
)
def test_bad_makers_are_400(api, seller, crafts, body):
    assert_api_error(api.post(f"/v1/shops/{crafts['shop_id']}/makers", body, token=seller), 400)


def test_a_maker_photo_must_be_a_ready_photo_of_the_shop(api, stack, seller, crafts):
    document = upload(api, stack, seller, crafts, "gi_document", PDF, "application/pdf")
    pending, _ = upload(api, stack, seller, crafts, "maker_photo", png_bytes(), "image/png", complete=False)
    for upload_id in (document["upload_id"], pending):
        reply = api.post(
            f"/v1/shops/{crafts['shop_id']}/makers",
            {"name": "A", "region": dict(REGION), "craft": "x", "photo": upload_id},
            token=seller,
        )
        assert "photo" in {d["field"] for d in assert_api_error(reply, 400)["details"]}


def test_an_upload_that_is_not_what_it_says_is_422_and_removed(api, stack, seller, crafts):
    upload_id, key = upload(api, stack, seller, crafts, "gi_document", b"GIF89a not a pdf", "application/pdf", False)
    reply = api.post(f"/v1/shops/{crafts['shop_id']}/uploads/{upload_id}/complete", token=seller)
    assert_api_error(reply, 422, "media_type_mismatch")
    objects = stack.media._s3.list_objects_v2(Bucket=stack.settings.media_bucket, Prefix=key).get("Contents", [])
    assert objects == []
    wrong = api.post(
        f"/v1/shops/{crafts['shop_id']}/uploads",
        {"purpose": "maker_photo", "content_type": "application/pdf", "size": 10},
        token=seller,
    )
    assert "content_type" in {d["field"] for d in assert_api_error(wrong, 400)["details"]}


# --- geographic indications ------------------------------------------------------------------------------------


def claim_body(products: list[dict], document: dict) -> dict:
    return {
        "product_ids": [p["product_id"] for p in products],
        "register": "CNIPA",
        "registration_number": "AGI2011-01-0522",
        "protected_name": "Hotan jujube (和田大枣)",
        "document": document["upload_id"],
    }


def gi_ids(api, **params) -> set[str]:
    query = urlencode({"limit": 100, "gi": "verified", **params})
    return {c["product_id"] for c in api.get(f"/v1/storefronts/specialties/products?{query}").json["items"]}


def test_the_gi_badge_shows_only_after_verification_and_leaves_everywhere_on_revocation(
    api, stack, factory, seller, specialties
):
    jujubes = factory.product(seller, specialties, title="Hotan jujubes")
    assert jujubes["attributes"]["gi_certificate"]  # the seller's own text: no badge for that
    assert card(api, "specialties", jujubes["product_id"])["specialties"]["gi_certified"] is False
    document = upload(api, stack, seller, specialties, "gi_document", PDF, "application/pdf")
    submitted = api.post(f"/v1/shops/{specialties['shop_id']}/gi-claims", claim_body([jujubes], document), token=seller)
    assert submitted.status == 201 and submitted.json["status"] == "pending", submitted
    claim = submitted.json
    assert claim["document"]["url"].endswith(".pdf") and claim["register"] == "CNIPA"

    def badge_everywhere() -> list:
        product = api.get(f"/v1/storefronts/specialties/products/{jujubes['product_id']}").json
        listed = card(api, "specialties", jujubes["product_id"])
        in_filter = jujubes["product_id"] in gi_ids(api)
        return [product["gi"], listed.get("gi"), listed["specialties"]["gi_certified"], in_filter]

    assert badge_everywhere() == [None, None, False, False]  # pending: nothing yet
    queue = api.get("/v1/admin/gi-claims?status=pending&limit=100", token=factory.operator).json["items"]
    assert claim["claim_id"] in {c["claim_id"] for c in queue}

    verified = api.post(f"/v1/admin/gi-claims/{claim['claim_id']}/verify", token=factory.operator)
    assert verified.status == 200 and verified.json["status"] == "verified", verified
    badge = {"protected_name": "Hotan jujube (和田大枣)", "register": "CNIPA", "registration_number": "AGI2011-01-0522"}
    assert badge_everywhere() == [badge, badge, True, True]
    assert jujubes["product_id"] in gi_ids(api, prefecture="Hotan", category="dried-fruit")

    revoked = api.post(
        f"/v1/admin/gi-claims/{claim['claim_id']}/revoke",
        {"reason": "The registration was cancelled."},
        token=factory.operator,
    )
    assert revoked.status == 200 and revoked.json["status"] == "revoked", revoked
    assert badge_everywhere() == [None, None, False, False]
    again = api.post(f"/v1/admin/gi-claims/{claim['claim_id']}/revoke", {"reason": "again"}, token=factory.operator)
    assert again.status == 200 and again.json["reason"] == "The registration was cancelled."  # idempotent
    assert_api_error(api.post(f"/v1/admin/gi-claims/{claim['claim_id']}/verify", token=factory.operator), 409)


def test_a_product_is_in_one_open_claim_at_a_time_and_a_rejection_frees_it(api, stack, factory, seller, specialties):
    raisins = factory.product(seller, specialties, title="Turpan raisins")
    document = upload(api, stack, seller, specialties, "gi_document", PDF, "application/pdf")
    path = f"/v1/shops/{specialties['shop_id']}/gi-claims"
    first = api.post(path, claim_body([raisins], document), token=seller).json
    assert_api_error(api.post(path, claim_body([raisins], document), token=seller), 409, "product_already_claimed")
    rejected = api.post(
        f"/v1/admin/gi-claims/{first['claim_id']}/reject", {"reason": "Wrong register."}, token=factory.operator
    )
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "Wrong register."
    assert raisins["product_id"] not in gi_ids(api)
    assert api.post(path, claim_body([raisins], document), token=seller).status == 201
    mine = api.get(path, token=seller).json["items"]
    assert [c["status"] for c in mine] == ["pending", "rejected"]


def test_a_claim_names_products_of_its_shop_and_a_ready_document(api, stack, factory, seller, specialties):
    other = factory.user("seller")
    theirs = factory.product(other, factory.shop(other, "specialties"))
    mine = factory.product(seller, specialties)
    document = upload(api, stack, seller, specialties, "gi_document", PDF, "application/pdf")
    path = f"/v1/shops/{specialties['shop_id']}/gi-claims"
    assert_api_error(api.post(path, claim_body([theirs], document), token=seller), 400)
    photo = upload(api, stack, seller, specialties, "maker_photo", png_bytes(), "image/png")
    reply = api.post(path, claim_body([mine], photo), token=seller)
    assert "document" in {d["field"] for d in assert_api_error(reply, 400)["details"]}
    bad = {**claim_body([mine], document), "register": "WIPO"}
    assert_api_error(api.post(path, bad, token=seller), 400)


# --- origins ----------------------------------------------------------------------------------------------------


def origin(province: str, prefecture: str, county: str) -> dict:
    return {"province": province, "prefecture": prefecture, "county": county}


def province_of(api, province: str) -> dict | None:
    reply = api.get("/v1/storefronts/specialties/origins")
    assert reply.status == 200, reply
    return next((p for p in reply.json["items"] if p["province"] == province), None)


def test_origin_counts_follow_listing_delisting_moves_and_suspension(api, stack, factory, seller, specialties):
    province = f"Province {uuid.uuid4().hex[:6]}"
    attrs = dict(ATTRIBUTES["specialties"], origin=origin(province, "Hotan", "Yutian"))
    a = factory.product(seller, specialties, attributes=attrs)
    factory.product(seller, specialties, attributes=attrs)
    factory.product(seller, specialties, attributes=dict(attrs, origin=origin(province, "Hotan", "Lop")))
    factory.product(seller, specialties, attributes=attrs, status="draft")  # not listed: not counted
    assert province_of(api, province) == {
        "province": province,
        "count": 3,
        "prefectures": [
            {
                "prefecture": "Hotan",
                "count": 3,
                "counties": [{"county": "Lop", "count": 1}, {"county": "Yutian", "count": 2}],
            }
        ],
    }
    path = f"/v1/shops/{specialties['shop_id']}/products/{a['product_id']}"
    moved = dict(attrs, origin=origin(province, "Turpan", "Gaochang"))
    assert api.patch(path, {"attributes": moved}, token=seller).status == 200
    counts = {p["prefecture"]: p["count"] for p in province_of(api, province)["prefectures"]}
    assert counts == {"Hotan": 2, "Turpan": 1}
    assert api.patch(path, {"status": "draft"}, token=seller).status == 200
    assert {p["prefecture"]: p["count"] for p in province_of(api, province)["prefectures"]} == {"Hotan": 2}
    assert api.post(f"/v1/admin/shops/{specialties['shop_id']}/suspend", token=factory.operator).status == 200
    settle(stack)  # the shop's product job (issue 9: moderation's fan-out runs outside the request)
    assert province_of(api, province) is None
    assert api.post(f"/v1/admin/shops/{specialties['shop_id']}/approve", token=factory.operator).status == 200
    settle(stack)
    assert province_of(api, province)["count"] == 2


def test_origins_are_one_query_and_only_for_storefronts_with_origins(api):
    with CallRecorder() as rec:
        assert api.get("/v1/storefronts/specialties/origins").status == 200
    assert rec.dynamodb().calls == 1 and "Scan" not in rec.dynamodb().operations
    assert_api_error(api.get("/v1/storefronts/b2b/origins"), 404, "no_origins")
    assert_api_error(api.get("/v1/storefronts/nowhere/origins"), 404, "storefront_not_found")


# --- storefront flags -------------------------------------------------------------------------------------------


def test_gi_and_in_season_pages_are_one_query_of_their_own_partition(api, stack, factory, seller, specialties):
    always = dict(ATTRIBUTES["specialties"], season_months=list(range(1, 13)))
    never_now = dict(ATTRIBUTES["specialties"], season_months=[m for m in range(1, 13) if m != _this_month(stack)])
    fresh = factory.product(seller, specialties, title="Korla pears", attributes=always)
    stored = factory.product(seller, specialties, title="Korla pears, last year's", attributes=never_now)
    for params in ({"in_season": "true"}, {"gi": "verified"}, {"in_season": "true", "gi": "verified", "q": "pears"}):
        with CallRecorder() as rec:
            reply = api.get(f"/v1/storefronts/specialties/products?{urlencode(params)}")
        assert reply.status == 200 and rec.dynamodb().calls == 1, (params, reply)
        assert dict(rec.dynamodb().operations) == {"Query": 1}
    season_ids = {
        c["product_id"] for c in api.get("/v1/storefronts/specialties/products?in_season=true&limit=100").json["items"]
    }
    assert fresh["product_id"] in season_ids and stored["product_id"] not in season_ids
    labels = {
        pid: card(api, "specialties", pid)["season"]["state"] for pid in (fresh["product_id"], stored["product_id"])
    }
    assert labels == {fresh["product_id"]: "in_season", stored["product_id"]: "out_of_season"}
    assert_api_error(api.get("/v1/storefronts/specialties/products?in_season=false"), 400)


def _this_month(stack) -> int:
    return int(stack.clock()[5:7])
