"""Public storefronts: the list, browsing with filters, search, sorting, cursors and product pages."""

from __future__ import annotations

import copy
import uuid
from urllib.parse import urlencode

import pytest

from tests.support import ATTRIBUTES, REGION, png_bytes, settle

STOREFRONTS = ("b2b", "handicrafts", "specialties")


# --- helpers --------------------------------------------------------------------------------------


def browse(api, storefront: str, **params):
    reply = api.get(f"/v1/storefronts/{storefront}/products" + (f"?{urlencode(params)}" if params else ""))
    return reply


def ids(api, storefront: str, **params) -> list[str]:
    reply = browse(api, storefront, **params)
    assert reply.status == 200, (params, reply)
    return [item["product_id"] for item in reply.json["items"]]


def walk(api, storefront: str, **params) -> tuple[list[str], int]:
    """Follows next_cursor to the end; returns every product id seen, in order, and the number of pages."""
    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        reply = browse(api, storefront, **query)
        assert reply.status == 200, (query, reply)
        assert len(reply.json["items"]) <= int(params.get("limit", 20))
        seen += [item["product_id"] for item in reply.json["items"]]
        pages += 1
        cursor = reply.json["next_cursor"]
        if not cursor:
            return seen, pages
        assert pages < 50, "pagination does not end"


def shop_in(api, factory, token: str, storefront: str, prefecture: str, *, approve: bool = True) -> dict:
    """A shop whose region is in `prefecture` (Factory.shop always uses REGION)."""
    body = {
        "name": f"Shop {uuid.uuid4().hex[:8]}",
        "storefront": storefront,
        "description": "A family shop",
        "region": {"province": "Xinjiang", "prefecture": prefecture, "county": "Somewhere"},
    }
    reply = api.post("/v1/shops", body, token=token)
    assert reply.status == 201, reply
    shop = reply.json
    if approve:
        reply = api.post(f"/v1/admin/shops/{shop['shop_id']}/approve", token=factory.operator)
        assert reply.status == 200, reply
        shop = reply.json
    return shop


def origin(prefecture: str) -> dict:
    attrs = copy.deepcopy(ATTRIBUTES["specialties"])
    attrs["origin"] = {"province": "Xinjiang", "prefecture": prefecture, "county": "Somewhere"}
    return attrs


def b2b_price(amount: int) -> dict:
    """b2b price and attributes that agree (price.amount == first tier amount)."""
    attrs = copy.deepcopy(ATTRIBUTES["b2b"])
    attrs["price_tiers"] = [{"min_quantity": 10, "amount": amount}, {"min_quantity": 50, "amount": amount - 1}]
    return {"price": {"amount": amount, "currency": "CNY"}, "attributes": attrs}


def attach_picture(api, stack, token: str, shop: dict, product_id: str) -> dict:
    """Uploads a PNG the way a browser would (presigned POST -> S3 object) and completes it."""
    base = f"/v1/shops/{shop['shop_id']}/products/{product_id}/media"
    data = png_bytes(80, 60)
    ticket = api.post(base, {"content_type": "image/png", "size": len(data)}, token=token)
    assert ticket.status == 201, ticket
    stack.media.write(ticket.json["upload"]["fields"]["key"], data, "image/png")
    done = api.post(f"{base}/{ticket.json['media_id']}/complete", token=token)
    assert done.status == 200, done
    return done.json


@pytest.fixture
def seller(factory):
    return factory.user("seller")


def assert_400(reply, field: str | None = None) -> None:
    assert reply.status == 400, reply
    error = reply.json["error"]
    assert error["code"] and error["message"]
    if field:
        assert field in [d["field"] for d in error.get("details") or []], reply


# --- the storefront list --------------------------------------------------------------------------


def test_lists_the_three_storefronts_with_names_and_descriptions(api):
    reply = api.get("/v1/storefronts")
    assert reply.status == 200, reply
    items = reply.json["items"]
    assert [s["storefront"] for s in items] == list(STOREFRONTS)
    for sf in items:
        assert isinstance(sf["name"], str) and sf["name"].strip()
        assert isinstance(sf["description"], str) and len(sf["description"]) > 20
        assert sf["currency"] == "CNY"
        assert sf["categories"]
    assert len({s["name"] for s in items}) == 3


def test_unknown_storefront_is_404(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop)
    for path in (
        "/v1/storefronts/groceries/products",
        "/v1/storefronts/B2B/products",
        f"/v1/storefronts/groceries/products/{product['product_id']}",
        "/v1/storefronts/groceries/shops",
    ):
        reply = api.get(path)
        assert reply.status == 404, (path, reply)
        assert reply.json["error"]["code"]


def test_empty_storefront(api):
    for sf in STOREFRONTS:
        reply = browse(api, sf)
        assert reply.status == 200, reply
        assert reply.json == {"items": [], "next_cursor": None}


# --- browsing and filters -------------------------------------------------------------------------


def test_each_storefront_lists_only_its_own_active_products(api, factory, seller):
    made = {}
    for sf in STOREFRONTS:
        shop = factory.shop(seller, sf)
        made[sf] = factory.product(seller, shop, title=f"Listed {sf} item")["product_id"]
        factory.product(seller, shop, title=f"Draft {sf} item", status="draft")
    for sf in STOREFRONTS:
        reply = browse(api, sf)
        assert reply.status == 200, reply
        assert [i["product_id"] for i in reply.json["items"]] == [made[sf]]
        card = reply.json["items"][0]
        assert card["storefront"] == sf
        assert card["title"] == f"Listed {sf} item"
        assert card["price"]["currency"] == "CNY"
        assert card["shop"]["shop_id"]
        assert card[sf]  # the storefront's own summary block
        assert ids(api, sf, q="item") == [made[sf]]
        assert ids(api, sf, q="draft") == []


def test_pending_shop_products_are_not_listed(api, factory, seller):
    pending = factory.shop(seller, "handicrafts", approve=False)
    factory.product(seller, pending)
    assert ids(api, "handicrafts") == []
    assert ids(api, "handicrafts", q="silk", category="textiles", prefecture=REGION["prefecture"]) == []
    shops = api.get("/v1/storefronts/handicrafts/shops")
    assert shops.status == 200 and shops.json["items"] == []


def test_storefront_shops_lists_active_shops_of_that_storefront(api, factory, seller):
    active = factory.shop(seller, "handicrafts")
    factory.shop(seller, "handicrafts", approve=False)
    factory.shop(seller, "b2b")
    reply = api.get("/v1/storefronts/handicrafts/shops")
    assert reply.status == 200, reply
    assert [s["shop_id"] for s in reply.json["items"]] == [active["shop_id"]]
    assert reply.json["items"][0]["status"] == "active"


def test_category_filter(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, title="Atlas silk scarf", category="textiles")["product_id"]
    teapot = factory.product(seller, shop, title="Copper teapot", category="metalwork")["product_id"]
    assert ids(api, "handicrafts", category="textiles") == [scarf]
    assert ids(api, "handicrafts", category="metalwork") == [teapot]
    assert ids(api, "handicrafts", category="ceramics") == []
    assert set(ids(api, "handicrafts")) == {scarf, teapot}


def test_unknown_category_is_400(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    factory.product(seller, shop)
    # "tea" is a category of specialties, not of handicrafts
    for category in ("tea", "no-such-thing", "Textiles"):
        assert_400(browse(api, "handicrafts", category=category), "category")


def test_prefecture_filter_uses_the_shops_region_outside_specialties(api, factory, seller):
    kashgar = factory.shop(seller, "handicrafts")  # REGION is Kashgar
    hotan = shop_in(api, factory, seller, "handicrafts", "Hotan")
    a = factory.product(seller, kashgar, title="Hand-carved comb", category="woodwork")["product_id"]
    b = factory.product(seller, hotan, title="Hotan silk carpet")["product_id"]
    assert ids(api, "handicrafts", prefecture="Kashgar") == [a]
    assert ids(api, "handicrafts", prefecture="Hotan") == [b]
    assert ids(api, "handicrafts", prefecture="Turpan") == []
    cards = {c["product_id"]: c for c in browse(api, "handicrafts").json["items"]}
    assert cards[a]["prefecture"] == "Kashgar" and cards[b]["prefecture"] == "Hotan"

    b2b_shop = shop_in(api, factory, seller, "b2b", "Aksu")
    cotton = factory.product(seller, b2b_shop, title="Long-staple cotton", category="cotton-textiles")["product_id"]
    assert ids(api, "b2b", prefecture="Aksu") == [cotton]
    assert ids(api, "b2b", prefecture="Kashgar") == []

    # moving the shop moves its products
    reply = api.patch(
        f"/v1/shops/{b2b_shop['shop_id']}",
        {"region": {"province": "Xinjiang", "prefecture": "Korla", "county": "Yuli"}},
        token=seller,
    )
    assert reply.status == 200, reply
    settle(factory.container)  # the products follow the shop in a job
    assert ids(api, "b2b", prefecture="Korla") == [cotton]
    assert ids(api, "b2b", prefecture="Aksu") == []


def test_specialties_prefecture_filter_uses_the_origin(api, factory, seller):
    shop = factory.shop(seller, "specialties")  # the shop itself is in Kashgar
    jujubes = factory.product(seller, shop, title="Hotan jujubes", attributes=origin("Hotan"))["product_id"]
    raisins = factory.product(seller, shop, title="Turpan raisins", attributes=origin("Turpan"))["product_id"]
    assert ids(api, "specialties", prefecture="Hotan") == [jujubes]
    assert ids(api, "specialties", prefecture="Turpan") == [raisins]
    assert ids(api, "specialties", prefecture="Kashgar") == []
    pears = factory.product(
        seller, shop, title="Korla fragrant pears", category="fresh-fruit", attributes=origin("Bayingolin Mongol")
    )["product_id"]
    assert ids(api, "specialties", prefecture="Bayingolin Mongol") == [pears]
    assert ids(api, "specialties", prefecture="Bayingolin") == []
    page = api.get(f"/v1/storefronts/specialties/products/{jujubes}")
    assert page.json["prefecture"] == "Hotan"


def test_q_matches_whole_title_words_case_insensitively_by_their_stem(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, title="Atlas Silk Scarf")["product_id"]
    shawl = factory.product(seller, shop, title="Wool shawl, silk-trimmed")["product_id"]
    factory.product(seller, shop, title="Copper teapot", category="metalwork")
    assert ids(api, "handicrafts", q="silk") == [shawl, scarf]
    assert ids(api, "handicrafts", q="SILK") == [shawl, scarf]
    assert ids(api, "handicrafts", q="silks") == [shawl, scarf]
    assert ids(api, "handicrafts", q="Scarf") == [scarf]
    assert ids(api, "handicrafts", q="atlas") == [scarf]
    for partial in ("sil", "scar", "atlas-silk-scarf-x", "las"):
        assert ids(api, "handicrafts", q=partial) == [], partial
    assert ids(api, "handicrafts", q="teapot") != []
    # a blank q is no filter
    assert len(ids(api, "handicrafts", q="  ")) == 3


def test_search_in_chinese_uyghur_russian_and_english_on_real_titles(api, factory, seller):
    shop = factory.shop(seller, "specialties")
    jujubes = factory.product(seller, shop, title="新疆和田红枣 2kg", attributes=origin("Hotan"))["product_id"]
    walnuts = factory.product(seller, shop, title="Грецкие орехи", category="nuts", attributes=origin("Hotan"))[
        "product_id"
    ]
    apples = factory.product(seller, shop, title="ئاقسۇ ئالمىسى", category="fresh-fruit", attributes=origin("Aksu"))[
        "product_id"
    ]
    mixed = factory.product(
        seller, shop, title="Turpan raisins 吐鲁番葡萄干 Изюм تۇرپان ئۈزۈمى", attributes=origin("Turpan")
    )["product_id"]

    assert ids(api, "specialties", q="红枣") == [jujubes]  # inside the one "word" 新疆和田红枣
    assert ids(api, "specialties", q="和田红枣") == [jujubes]
    assert ids(api, "specialties", q="枣") == []  # one character matches only where it stands alone
    assert ids(api, "specialties", q="орех") == [walnuts]  # Russian stems
    assert ids(api, "specialties", q="Грецкий орех", category="nuts") == [walnuts]
    assert ids(api, "specialties", q="ئالمىسى") == [apples]
    assert ids(api, "specialties", q="المىسى") == [apples]  # typed without the hamza
    assert ids(api, "specialties", q="\ufe8b\ufe8e\ufedf\ufee4\ufbe9\ufeb4\ufef0") == [apples]  # presentation forms
    # one script's query finds a mixed-script title
    for q in ("raisin", "葡萄干", "изюм", "ئۈزۈمى", "Turpan 葡萄"):
        assert ids(api, "specialties", q=q) == [mixed], q


def test_multi_word_q_requires_every_word(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    scarf = factory.product(seller, shop, title="Atlas Silk Scarf")["product_id"]
    shawl = factory.product(seller, shop, title="Silk shawl")["product_id"]
    assert ids(api, "handicrafts", q="silk scarf") == [scarf]
    assert ids(api, "handicrafts", q="Scarf  ATLAS") == [scarf]
    assert ids(api, "handicrafts", q="silk shawl") == [shawl]
    assert ids(api, "handicrafts", q="silk wool") == []
    assert ids(api, "handicrafts", q="scarf shawl") == []
    assert ids(api, "handicrafts", q="silk sil") == []


def test_q_category_and_prefecture_combined(api, factory, seller):
    shop = factory.shop(seller, "specialties")
    dried = factory.product(seller, shop, title="Hotan jujubes", category="dried-fruit", attributes=origin("Hotan"))[
        "product_id"
    ]
    fresh = factory.product(
        seller, shop, title="Fresh Hotan jujubes", category="fresh-fruit", attributes=origin("Hotan")
    )["product_id"]
    turpan = factory.product(seller, shop, title="Turpan jujubes", category="dried-fruit", attributes=origin("Turpan"))[
        "product_id"
    ]
    walnuts = factory.product(seller, shop, title="Hotan walnuts", category="nuts", attributes=origin("Hotan"))[
        "product_id"
    ]
    assert ids(api, "specialties", q="jujubes", category="dried-fruit", prefecture="Hotan") == [dried]
    assert ids(api, "specialties", q="jujubes", category="dried-fruit") == [turpan, dried]
    assert ids(api, "specialties", q="jujubes", prefecture="Hotan") == [fresh, dried]
    assert ids(api, "specialties", category="dried-fruit", prefecture="Hotan") == [dried]
    assert ids(api, "specialties", q="hotan") == [walnuts, fresh, dried]
    assert ids(api, "specialties", q="fresh jujubes", prefecture="Hotan") == [fresh]
    assert ids(api, "specialties", q="fresh jujubes", category="dried-fruit") == []
    assert ids(api, "specialties", q="walnuts", category="dried-fruit", prefecture="Hotan") == []
    assert ids(
        api, "specialties", q="hotan jujubes", category="dried-fruit", prefecture="Hotan", sort="price_desc"
    ) == [dried]


# --- sorting --------------------------------------------------------------------------------------


def test_sort_orders(api, factory, seller):
    shop = factory.shop(seller, "b2b")
    made = [
        (factory.product(seller, shop, title=f"Dried apricots lot {n}", **b2b_price(amount))["product_id"], amount)
        for n, amount in enumerate([30000, 10000, 20000, 15000])
    ]
    newest = [pid for pid, _ in reversed(made)]
    cheapest = [pid for pid, _ in sorted(made, key=lambda m: m[1])]
    assert ids(api, "b2b") == newest
    assert ids(api, "b2b", sort="newest") == newest
    assert ids(api, "b2b", sort="price_asc") == cheapest
    assert ids(api, "b2b", sort="price_desc") == list(reversed(cheapest))
    assert (
        ids(api, "b2b", sort="price_asc", q="apricots", category="dried-fruit", prefecture=REGION["prefecture"])
        == cheapest
    )
    amounts = [c["price"]["amount"] for c in browse(api, "b2b", sort="price_asc").json["items"]]
    assert amounts == sorted(amounts)


def test_unknown_sort_is_400(api):
    for sort in ("oldest", "price", "PRICE_ASC", "rating"):
        assert_400(browse(api, "handicrafts", sort=sort), "sort")


def test_limit_out_of_range_is_400(api):
    for limit in ("0", "101", "abc", "-5", "1.5", "1e2", "²", "１", "99999999999999999999"):
        assert_400(browse(api, "handicrafts", limit=limit), "limit")
    for limit in ("1", "100"):
        assert browse(api, "handicrafts", limit=limit).status == 200


# --- pagination -----------------------------------------------------------------------------------


def test_walking_next_cursor_returns_every_product_once(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    prices = [(i * 7919) % 25 * 100 + 500 for i in range(25)]  # 25 distinct prices in scrambled order
    made = [
        factory.product(
            seller,
            shop,
            title=f"Silk scarf {n}",
            price={"amount": p, "currency": "CNY"},
            category="textiles" if n % 5 else "other",
        )["product_id"]
        for n, p in enumerate(prices)
    ]
    price_of = dict(zip(made, prices, strict=True))

    seen, pages = walk(api, "handicrafts", limit=10)
    assert pages == 3
    assert seen == list(reversed(made))

    for sort in ("price_asc", "price_desc"):
        seen, _ = walk(api, "handicrafts", limit=10, sort=sort)
        assert sorted(seen) == sorted(made) and len(set(seen)) == 25, sort
        assert [price_of[p] for p in seen] == sorted(prices, reverse=sort == "price_desc"), sort

    seen, _ = walk(api, "handicrafts", limit=7, q="silk", category="textiles", sort="price_asc")
    textiles = [p for n, p in enumerate(made) if n % 5]
    assert sorted(seen) == sorted(textiles) and len(seen) == len(textiles)

    seen, _ = walk(api, "handicrafts", limit=3, q="scarf silk", category="other")
    assert seen == [p for n, p in reversed(list(enumerate(made))) if n % 5 == 0]

    # default limit is 20
    first = browse(api, "handicrafts")
    assert len(first.json["items"]) == 20 and first.json["next_cursor"]
    assert len(browse(api, "handicrafts", limit=100).json["items"]) == 25


def test_multi_word_q_pages_return_each_match_once(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    red = []
    for n in range(10):
        colour = "red" if n % 2 else "blue"
        pid = factory.product(seller, shop, title=f"{colour} silk scarf {n}")["product_id"]
        if colour == "red":
            red.append(pid)
    seen, _ = walk(api, "handicrafts", limit=3, q="silk red")
    assert seen == list(reversed(red))


def test_tampered_cursor_is_400(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    for n in range(3):
        factory.product(seller, shop, title=f"Copper teapot {n}", category="metalwork")
    cursor = browse(api, "handicrafts", limit=1).json["next_cursor"]
    assert cursor
    body, signature = cursor.split(".")
    flipped = "A" if body[-1] != "A" else "B"
    for bad in (
        body[:-1] + flipped + "." + signature,
        body + "." + signature[::-1],
        body,
        "x" + cursor,
        "garbage",
        "a.b.c",
        "%%%.@@@",
        "A" * 3000,
    ):
        assert_400(browse(api, "handicrafts", limit=1, cursor=bad), "cursor")
    assert browse(api, "handicrafts", limit=1, cursor=cursor).status == 200


def test_cursor_from_another_query_is_400(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    other = factory.shop(seller, "specialties")
    for n in range(3):
        factory.product(seller, shop, title=f"Silk scarf {n}")
        factory.product(seller, other, title=f"Silk jujubes {n}")
    cursor = browse(api, "handicrafts", limit=1, q="silk").json["next_cursor"]
    assert cursor
    assert browse(api, "handicrafts", limit=1, q="silk", cursor=cursor).status == 200
    # the limit may change between pages
    assert browse(api, "handicrafts", limit=2, q="silk", cursor=cursor).status == 200
    for storefront, params in (
        ("handicrafts", {"q": "scarf"}),
        ("handicrafts", {}),
        ("handicrafts", {"q": "silk", "category": "textiles"}),
        ("handicrafts", {"q": "silk", "prefecture": REGION["prefecture"]}),
        ("handicrafts", {"q": "silk", "sort": "price_asc"}),
        ("specialties", {"q": "silk"}),
    ):
        assert_400(browse(api, storefront, limit=1, cursor=cursor, **params), "cursor")
    # nor does an owner-list cursor work on a storefront
    owner_cursor = api.get(f"/v1/shops/{shop['shop_id']}/products?limit=1", token=seller).json["next_cursor"]
    assert owner_cursor
    assert_400(browse(api, "handicrafts", limit=1, cursor=owner_cursor), "cursor")


# --- product page ---------------------------------------------------------------------------------


def test_product_page_has_shop_summary_and_media(api, stack, factory, seller):
    shop = factory.shop(seller, "handicrafts", name="Kashgar Copper Works")
    product = factory.product(seller, shop, title="Copper teapot", category="metalwork")
    picture = attach_picture(api, stack, seller, shop, product["product_id"])

    reply = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}")
    assert reply.status == 200, reply
    page = reply.json
    assert page["product_id"] == product["product_id"]
    assert page["title"] == "Copper teapot"
    assert page["price"] == product["price"]
    assert page["attributes"] == product["attributes"]
    assert page["shop"]["shop_id"] == shop["shop_id"]
    assert page["shop"]["name"] == "Kashgar Copper Works"
    assert page["shop"]["slug"] == shop["slug"]
    assert page["shop"]["region"] == shop["region"]
    assert page["prefecture"] == REGION["prefecture"]
    assert [m["media_id"] for m in page["media"]] == [picture["media_id"]]
    media = page["media"][0]
    assert media["url"].startswith("http") and media["thumbnail_url"].startswith("http")
    # owner-only fields stay private
    for private in ("status", "version", "listed"):
        assert private not in page

    card = browse(api, "handicrafts").json["items"][0]
    assert card["product_id"] == product["product_id"]
    assert card["thumbnail_url"] and card["thumbnail_url"].startswith("http")


def test_product_page_without_media_has_an_empty_list(api, factory, seller):
    shop = factory.shop(seller, "specialties")
    product = factory.product(seller, shop, title="Korla fragrant pears", category="fresh-fruit")
    page = api.get(f"/v1/storefronts/specialties/products/{product['product_id']}")
    assert page.status == 200, page
    assert page.json["media"] == []
    assert page.json["attributes"]["origin"]["prefecture"] == "Hotan"


def test_product_page_of_another_storefront_or_unknown_is_404(api, factory, seller):
    shop = factory.shop(seller, "specialties")
    product = factory.product(seller, shop, title="Turpan raisins")
    assert api.get(f"/v1/storefronts/specialties/products/{product['product_id']}").status == 200
    for sf in ("handicrafts", "b2b"):
        reply = api.get(f"/v1/storefronts/{sf}/products/{product['product_id']}")
        assert reply.status == 404, reply
        assert reply.json["error"]["code"]
    assert api.get("/v1/storefronts/specialties/products/prd_doesnotexist").status == 404


# --- edits show up --------------------------------------------------------------------------------


def test_editing_title_price_and_category_updates_the_storefront(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    cheap = factory.product(
        seller, shop, title="Hand-carved comb", category="woodwork", price={"amount": 5000, "currency": "CNY"}
    )["product_id"]
    product = factory.product(
        seller, shop, title="Atlas silk scarf", category="textiles", price={"amount": 15900, "currency": "CNY"}
    )
    pid = product["product_id"]
    assert ids(api, "handicrafts", q="silk") == [pid]
    assert ids(api, "handicrafts", sort="price_asc") == [cheap, pid]

    reply = api.patch(
        f"/v1/shops/{shop['shop_id']}/products/{pid}",
        {"title": "Copper teapot", "category": "metalwork", "price": {"amount": 2500, "currency": "CNY"}},
        token=seller,
    )
    assert reply.status == 200, reply

    for old in (
        {"q": "silk"},
        {"q": "atlas"},
        {"q": "scarf"},
        {"category": "textiles"},
        {"q": "silk", "category": "textiles", "prefecture": REGION["prefecture"]},
    ):
        assert ids(api, "handicrafts", **old) == [], old
    for new in (
        {"q": "teapot"},
        {"q": "COPPER"},
        {"category": "metalwork"},
        {"q": "copper teapot", "category": "metalwork", "prefecture": REGION["prefecture"]},
    ):
        assert ids(api, "handicrafts", **new) == [pid], new
    assert ids(api, "handicrafts", sort="price_asc") == [pid, cheap]
    assert ids(api, "handicrafts", sort="price_desc") == [cheap, pid]
    assert ids(api, "handicrafts") == [pid, cheap]  # newest keeps the creation order

    card = next(c for c in browse(api, "handicrafts").json["items"] if c["product_id"] == pid)
    assert card["title"] == "Copper teapot"
    assert card["category"] == "metalwork"
    assert card["price"] == {"amount": 2500, "currency": "CNY"}
    page = api.get(f"/v1/storefronts/handicrafts/products/{pid}").json
    assert (page["title"], page["category"], page["price"]["amount"]) == ("Copper teapot", "metalwork", 2500)


def test_selling_out_shows_on_the_card_which_carries_no_stock_count(api, factory, seller):
    shop = factory.shop(seller, "handicrafts")
    pid = factory.product(seller, shop, stock=4)["product_id"]
    assert browse(api, "handicrafts").json["items"][0]["in_stock"] is True
    assert api.patch(f"/v1/shops/{shop['shop_id']}/products/{pid}", {"stock": 0}, token=seller).status == 200
    card = browse(api, "handicrafts").json["items"][0]
    assert card["in_stock"] is False and "stock" not in card
    assert api.get(f"/v1/storefronts/handicrafts/products/{pid}").json["stock"] == 0  # the page is exact
    # sold out products stay listed
    assert ids(api, "handicrafts", q="silk") == [pid]


def test_a_query_without_letters_or_digits_matches_nothing(api, factory):
    seller = factory.user("seller")
    factory.product(seller, factory.shop(seller, "handicrafts"), title="Atlas silk scarf")
    reply = api.get("/v1/storefronts/handicrafts/products?q=!!!")
    assert reply.status == 200
    assert reply.json == {"items": [], "next_cursor": None}
