"""Issue 15 in the browser, in process: the personalisation form and its journey to the order, ship dates,
season and pre-sale labels, the maker page, the places of origin and a prefecture's landing page, in English,
Chinese and Russian."""

from __future__ import annotations

import re

import pytest

from tests.support import ATTRIBUTES, REGION
from tests.web.helpers import add_to_cart, buyer_session, place_order, text_of

PERSONALISED = [
    {"key": "initials", "label": "Initials", "type": "text", "required": True, "max_length": 3},
    {"key": "colour", "label": "Colour", "type": "choice", "required": False, "choices": ["crimson", "indigo"]},
]
SPRING = "2026-04-15T09:00:00.000Z"


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def crafts(factory, seller):
    return factory.shop(seller, "handicrafts")


@pytest.fixture
def orchard(factory, seller):
    return factory.shop(seller, "specialties")


@pytest.fixture
def spring(stack):
    clock = stack.clock
    stack.clock = lambda: SPRING
    yield
    stack.clock = clock


def personalised_scarf(factory, seller, shop) -> dict:
    attributes = {**ATTRIBUTES["handicrafts"], "personalisation": PERSONALISED}
    return factory.product(seller, shop, title="Atlas silk scarf, your initials", stock=5, attributes=attributes)


def add_personalised(web, product: dict, quantity: int, **values):
    path = f"/s/{product['storefront']}/p/{product['product_id']}"
    form = {"product_id": product["product_id"], "storefront": product["storefront"], "quantity": str(quantity)}
    return web.submit(path, "/cart/add", {**form, **{f"p.{k}": v for k, v in values.items()}, "next": path})


def test_the_product_page_asks_for_the_personalisation_and_the_order_keeps_it(web, factory, seller, crafts, spring):
    scarf = personalised_scarf(factory, seller, crafts)
    page = web.get(f"/s/handicrafts/p/{scarf['product_id']}")
    assert "<legend>Personalise it</legend>" in page.text
    assert 'name="p.initials"' in page.text and 'maxlength="3"' in page.text and '<option value="indigo">' in page.text
    assert "Ships by 25 April 2026" in page.text  # made to order in 10 days
    buyer_session(web, factory)

    missing = add_personalised(web, scarf, 1, initials="", colour="indigo")
    assert missing.status == 400 and "Please check the personalisation: Initials." in missing.text
    assert '<option value="indigo" selected>' in missing.text  # what the buyer chose is kept
    assert add_personalised(web, scarf, 2, initials="AT", colour="crimson").status == 303
    assert add_personalised(web, scarf, 1, initials="DA").status == 303
    cart = web.get("/cart")
    text = text_of(cart)
    assert "Initials AT Colour crimson" in text and "Initials DA" in text and "Ships by 25 April 2026" in text
    assert len(re.findall(r'name="p.initials" value="(AT|DA)"', cart.text)) == 2  # each line's form carries them

    update = {"product_id": scarf["product_id"], "quantity": "0", "p.initials": "DA"}
    assert web.submit("/cart", "/cart/update", update).status == 303
    assert "Initials DA" not in text_of(web.get("/cart"))  # only that personalisation's line went

    (order_id,) = place_order(web)
    order = text_of(web.get(f"/orders/{order_id}"))
    assert "Initials AT Colour crimson" in order and "Ships by 25 April 2026" in order


def test_an_out_of_season_product_shows_it_and_cannot_be_added(web, factory, seller, orchard, spring):
    attributes = {**ATTRIBUTES["specialties"], "season_months": [9, 10, 11]}
    pears = factory.product(seller, orchard, title="Korla pears", attributes=attributes)
    page = web.get(f"/s/specialties/p/{pears['product_id']}")
    assert "Out of season: it can be ordered again when the harvest begins." in page.text
    assert 'action="/cart/add"' not in page.text
    assert "Out of season" in web.get("/s/specialties").text
    buyer_session(web, factory)
    form = {"csrf": web.get("/").hidden("csrf"), "product_id": pears["product_id"], "storefront": "specialties"}
    refused = web.post("/cart/add", {**form, "quantity": "1"})
    assert refused.status == 409 and "This product is out of season and cannot be ordered now." in refused.text


def test_presale_labels_on_the_card_the_product_page_the_cart_and_the_order(web, factory, seller, orchard, spring):
    attributes = {
        **ATTRIBUTES["specialties"],
        "season_months": [9, 10, 11],
        "presale": {"ships_from": "2026-09-10", "deposit_percent": 30},
    }
    pears = factory.product(seller, orchard, title="Korla pears, pre-sale", attributes=attributes)
    assert "Pre-sale, ships from 10 September 2026" in web.get("/s/specialties").text
    page = text_of(web.get(f"/s/specialties/p/{pears['product_id']}"))
    assert "Pre-sale, ships from 10 September 2026" in page
    assert "Pay a 30% deposit now, the rest when it ships." in page
    buyer_session(web, factory)
    add_to_cart(web, pears, 2)
    assert "Pre-sale, ships from 10 September 2026" in text_of(web.get("/cart"))
    (order_id,) = place_order(web, payment_method="bank_transfer")
    done = text_of(web.get(f"/checkout/done?orders={order_id}"))
    assert "Deposit: ¥95.40 · Balance: ¥222.60 (due when it ships)" in done
    order = text_of(web.get(f"/orders/{order_id}"))
    assert "Deposit ¥95.40 — due now" in order and "Balance ¥222.60 — due when it ships" in order
    assert "To pay now ¥95.40" in order and "Ship date Ships by 10 September 2026" in order


def test_the_maker_page_is_linked_from_the_product_page(web, api, factory, seller, crafts):
    maker = api.post(
        f"/v1/shops/{crafts['shop_id']}/makers",
        {"name": "Memet Ali", "story": "Forty years at the anvil.", "region": dict(REGION), "craft": "coppersmith"},
        token=seller,
    ).json
    teapot = factory.product(
        seller,
        crafts,
        title="Hammered copper teapot",
        attributes={"maker_id": maker["maker_id"], "made_to_order": False},
    )
    product = web.get(f"/s/handicrafts/p/{teapot['product_id']}")
    assert f'<a href="/makers/{maker["maker_id"]}">Memet Ali</a>' in product.text
    page = web.get(f"/makers/{maker['maker_id']}")
    assert page.status == 200, page
    text = text_of(page)
    assert "Memet Ali, coppersmith" in text and "Forty years at the anvil." in text
    assert "Hammered copper teapot" in text and crafts["name"] in text
    assert web.get("/makers/mkr_nobody").status == 404


def test_places_of_origin_and_a_prefectures_landing_page(web, factory, seller, orchard):
    hotan = {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"}
    factory.product(seller, orchard, title="Hotan jujubes", attributes={**ATTRIBUTES["specialties"], "origin": hotan})
    factory.product(
        seller,
        orchard,
        title="Lop walnuts",
        category="nuts",
        attributes={**ATTRIBUTES["specialties"], "origin": {**hotan, "county": "Lop"}},
    )
    origins = web.get("/s/specialties/origins")
    assert origins.status == 200 and 'href="/s/specialties/origin/Hotan"' in origins.text
    assert "Browse by place of origin" in web.get("/s/specialties").text
    page = web.get("/s/specialties/origin/Hotan")
    assert page.status == 200, page
    text = text_of(page)
    assert "Specialties of Hotan" in text and "2 products from Hotan, Xinjiang." in text
    assert "Lop 1 product" in text and "Yutian 1 product" in text and "1 products" not in text
    assert "Hotan jujubes" in text and "Lop walnuts" in text
    assert web.get("/s/specialties/origin/Atlantis").status == 404
    assert web.get("/s/b2b/origins").status == 404


@pytest.mark.parametrize(
    ("lang", "html_lang", "phrase"),
    [("zh", "zh-Hans", "和田 特产"), ("ru", "ru", "Деликатесы: Hotan")],
)
def test_the_new_pages_speak_chinese_and_russian(web, factory, seller, orchard, lang, html_lang, phrase):
    factory.product(seller, orchard, title="Hotan jujubes")
    web.accept_language = lang
    page = web.get("/s/specialties/origin/Hotan")
    assert page.status == 200 and f'<html lang="{html_lang}" dir="ltr">' in page.text
    assert phrase.replace("和田", "Hotan") in page.text


def test_the_storefront_filters_verified_gi_and_in_season_products(web, factory, seller, orchard, stack):
    from tests.web.test_pages import verify_gi_claim

    month = int(stack.clock()[5:7])
    now = {**ATTRIBUTES["specialties"], "season_months": [month]}
    later = {**ATTRIBUTES["specialties"], "season_months": [m for m in range(1, 13) if m != month]}
    fresh = factory.product(seller, orchard, title="Fresh pears", attributes=now)
    stored = factory.product(seller, orchard, title="Stored pears", attributes=later)
    verify_gi_claim(factory, seller, orchard, stored)

    def titles(query: str) -> list[str]:
        page = web.get(f"/s/specialties?{query}")
        assert page.status == 200, page
        return re.findall(r'class="card-link" href="[^"]+">([^<]+)</a>', page.text)

    assert (
        titles("in_season=true") == [fresh["title"]]
        and 'id="in_season" name="in_season"' in web.get("/s/specialties?in_season=true").text
    )
    assert titles("gi=verified") == [stored["title"]]
    assert titles("gi=verified&in_season=true") == []
