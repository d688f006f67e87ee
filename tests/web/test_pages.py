"""The web storefront in process (chalice.test.Client + moto): pages, filters and paging, escaping, CSRF,
cookie flags, languages, money, errors as friendly pages, and the buying journey through HTML forms."""

from __future__ import annotations

import dataclasses
import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from app import app
from chalicelib import bootstrap
from chalicelib.web import cart as cart_pages
from chalicelib.web import catalog as catalog_pages
from chalicelib.web import orders as order_pages
from chalicelib.web.formatting import format_money
from chalicelib.web.routing import FORM_CONTENT_TYPE, declared_pages
from tests.support import PASSWORD, png_bytes, random_email
from tests.web.helpers import ADDRESS, WebClient, add_to_cart, buyer_session, place_order, text_of

WEB_ROUTES = [(spec.method, spec.path) for spec in declared_pages(app)]

# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def shops(factory, seller):
    return {sf: factory.shop(seller, sf) for sf in ("b2b", "handicrafts", "specialties")}


@pytest.fixture
def products(factory, seller, shops):
    return {sf: factory.product(seller, shop, title=f"Demo {sf} item") for sf, shop in shops.items()}


def verify_gi_claim(factory, seller: str, shop: dict, product: dict) -> dict:
    """A geographic-indication claim on `product`, submitted with a document and verified by an operator."""
    api, stack = factory.api, factory.container
    pdf = b"%PDF-1.4\n% certificate\n%%EOF\n"
    announced = api.post(
        f"/v1/shops/{shop['shop_id']}/uploads",
        {"purpose": "gi_document", "content_type": "application/pdf", "size": len(pdf)},
        token=seller,
    ).json
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=announced["upload"]["fields"]["key"], Body=pdf)
    assert (
        api.post(f"/v1/shops/{shop['shop_id']}/uploads/{announced['upload_id']}/complete", token=seller).status == 200
    )
    body = {
        "product_ids": [product["product_id"]],
        "register": "CNIPA",
        "registration_number": "AGI2016-0412",
        "protected_name": "Hotan jujube",
        "document": announced["upload_id"],
    }
    claim = api.post(f"/v1/shops/{shop['shop_id']}/gi-claims", body, token=seller).json
    verified = api.post(f"/v1/admin/gi-claims/{claim['claim_id']}/verify", token=factory.operator)
    assert verified.status == 200, verified
    return verified.json


# --- pages render ---------------------------------------------------------------------------------------


def test_home_lists_the_three_storefronts_with_featured_products(web, products):
    page = web.get("/")
    assert page.status == 200, page
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="en" dir="ltr">' in page.text
    for name in ("Bulk trade", "Handicrafts &amp; farm produce", "Prefecture specialties"):
        assert name in page.text
    for product in products.values():
        assert f"/s/{product['storefront']}/p/{product['product_id']}" in page.text
    assert "from ¥100.00 / carton" in page.text  # b2b: the lowest tier price
    assert "Minimum order: 10 carton" in page.text


def test_every_page_links_the_stylesheet_the_app_serves(web):
    page = web.get("/")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text).group(1)
    assert href.startswith("/static/site.css?v=")
    css = web.get("/static/site.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert "max-age" in css.headers["cache-control"] and b"@media" in css.body
    assert "https://" not in page.text and "http://" not in page.text  # no CDN, nothing off-site


def test_pages_send_security_headers_and_are_not_cached(web):
    page = web.get("/signin")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text  # the storefront works without JavaScript


def test_storefront_cards_show_price_stock_and_storefront_details(web, factory, seller, shops, products):
    factory.product(seller, shops["handicrafts"], title="Sold out bowl", stock=0)
    b2b = web.get("/s/b2b")
    assert b2b.status == 200
    assert "from ¥100.00 / carton" in b2b.text and "Minimum order: 10 carton" in b2b.text
    crafts = web.get("/s/handicrafts")
    assert "¥159.00" in crafts.text and "Aygul Tursun" in crafts.text and "Made to order" in crafts.text
    assert "Out of stock" in crafts.text
    assert "Geographic indication</span>" not in web.get("/s/specialties").text  # the seller's own text: no badge
    verify_gi_claim(factory, seller, shops["specialties"], products["specialties"])  # issue 15: verified claims do
    specialties = web.get("/s/specialties")
    assert "Geographic indication" in specialties.text and "Hotan" in specialties.text


def test_storefront_filters_by_category_prefecture_search_and_sorts(web, factory, seller, shops):
    shop = shops["specialties"]
    origin = {"province": "Xinjiang", "prefecture": "Turpan", "county": "Shanshan"}
    attrs = {"origin": origin, "season_months": [8, 9]}
    factory.product(seller, shop, title="Green raisins", category="dried-fruit", attributes=attrs)
    factory.product(seller, shop, title="Rose tea", category="tea", price={"amount": 4500, "currency": "CNY"})
    factory.product(seller, shop, title="Hotan walnuts", category="nuts", price={"amount": 9900, "currency": "CNY"})

    def titles(query: str) -> list[str]:
        page = web.get(f"/s/specialties?{query}")
        assert page.status == 200, page
        return re.findall(r'class="card-link" href="[^"]+">([^<]+)</a>', page.text)

    assert titles("category=tea") == ["Rose tea"]
    assert titles("prefecture=Turpan") == ["Green raisins"]
    assert titles("q=WALNUTS") == ["Hotan walnuts"]
    assert titles("sort=price_asc") == ["Rose tea", "Hotan walnuts", "Green raisins"]
    assert titles("sort=price_desc") == ["Green raisins", "Hotan walnuts", "Rose tea"]
    page = web.get("/s/specialties?category=tea&sort=price_desc&q=rose")
    assert '<option value="tea" selected>' in page.text and '<option value="price_desc" selected>' in page.text
    assert 'value="rose"' in page.text  # the form shows the filters in force


def test_bad_filters_re_show_the_form_with_a_message_and_400(web, products):
    page = web.get("/s/b2b?category=spaceships")
    assert page.status == 400
    assert "These filters are not valid." in page.text and 'role="search"' in page.text
    assert web.get("/s/b2b?sort=cheapest").status == 400
    assert web.get("/s/b2b?q=" + "x" * 101).status == 400


def test_next_and_previous_pages_follow_the_signed_cursors(web, factory, seller, shops):
    for i in range(catalog_pages.PAGE_SIZE + 3):
        factory.product(seller, shops["handicrafts"], title=f"Pot {i:02d}")

    def titles(page) -> list[str]:
        return re.findall(r'class="card-link" href="[^"]+">([^<]+)</a>', page.text)

    def link(page, rel: str) -> str:
        return re.search(rf'<a rel="{rel}" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")

    first = web.get("/s/handicrafts")
    assert len(titles(first)) == catalog_pages.PAGE_SIZE and "Page 1" in first.text
    assert 'rel="prev"' not in first.text
    second = web.get(link(first, "next"))
    assert second.status == 200 and "Page 2" in second.text
    assert len(titles(second)) == 3 and not set(titles(second)) & set(titles(first))
    back = web.get(link(second, "prev"))
    assert titles(back) == titles(first) and "Page 1" in back.text


def test_the_api_cursor_and_the_web_cursor_are_the_same(web, api, factory, seller, shops):
    for i in range(3):
        factory.product(seller, shops["handicrafts"], title=f"Cup {i}")
    cursor = api.get("/v1/storefronts/handicrafts/products?limit=2&category=textiles").json["next_cursor"]
    page = web.get(f"/s/handicrafts?category=textiles&cursor={cursor}")
    assert page.status == 200 and page.text.count('class="card"') == 1


def test_a_forged_or_foreign_cursor_is_a_400_page(web, api, factory, seller, shops):
    for i in range(3):
        factory.product(seller, shops["handicrafts"], title=f"Cup {i}")
    cursor = api.get("/v1/storefronts/handicrafts/products?limit=2").json["next_cursor"]
    foreign = web.get(f"/s/handicrafts?category=textiles&cursor={cursor}")  # bound to other filters
    assert foreign.status == 400 and "no longer valid" in foreign.text
    assert web.get("/s/handicrafts?cursor=abc.def").status == 400
    assert web.get(f"/s/handicrafts?cursor={cursor}&trail=forged.trail").status == 400


def test_product_page_per_storefront(web, products):
    b2b = web.get(f"/s/b2b/p/{products['b2b']['product_id']}")
    assert b2b.status == 200
    assert "Price by quantity" in b2b.text and "From 50 carton" in b2b.text and "¥100.00" in b2b.text
    assert "Minimum order" in b2b.text and "Order in multiples of" in b2b.text and "14 days" in b2b.text
    assert 'min="10" step="5" value="10"' in b2b.text
    crafts = web.get(f"/s/handicrafts/p/{products['handicrafts']['product_id']}")
    assert "Aygul Tursun" in crafts.text and "Made in 10 days" in crafts.text and "silk" in crafts.text
    specialties = web.get(f"/s/specialties/p/{products['specialties']['product_id']}")
    text = text_of(specialties)
    assert "Yutian, Hotan, Xinjiang" in text and "GI-2016-0412" in text
    assert "September, October, November" in text
    for page in (b2b, crafts, specialties):
        assert "In stock" in page.text and "Sold by" in page.text and 'action="/cart/add"' in page.text
        assert "/shops/" in page.text


def test_out_of_stock_product_has_no_buy_form(web, factory, seller, shops):
    product = factory.product(seller, shops["handicrafts"], stock=0)
    page = web.get(f"/s/handicrafts/p/{product['product_id']}")
    assert page.status == 200 and "Out of stock" in page.text and 'action="/cart/add"' not in page.text


def test_product_gallery_shows_thumbnails_and_the_chosen_full_picture(web, api, factory, seller, shops):
    product = factory.product(seller, shops["handicrafts"])
    base = f"/v1/shops/{shops['handicrafts']['shop_id']}/products/{product['product_id']}/media"
    for color in ((200, 40, 40), (40, 40, 200)):
        picture = png_bytes(120, 90, color)
        grant = api.post(base, {"content_type": "image/png", "size": len(picture)}, token=seller).json
        form = grant["upload"]
        posted = requests.post(form["url"], data=form["fields"], files={"file": ("p", picture)}, timeout=10)
        assert posted.status_code in (200, 201, 204)
        assert api.post(f"{base}/{grant['media_id']}/complete", token=seller).status == 200
    path = f"/s/handicrafts/p/{product['product_id']}"
    page = web.get(path)
    assert page.text.count('<ul class="thumbs">') == 1 and 'alt="Show picture 2"' in page.text
    assert 'alt="Atlas silk scarf, picture 1"' in page.text
    second = web.get(path + "?image=2")
    assert 'alt="Atlas silk scarf, picture 2"' in second.text
    assert web.get(path + "?image=99").status == 200  # out of range falls back to the first picture

    # responsive: the main picture offers thumbnail, mid-size WebP and original; the card thumbnail and mid-size
    shown = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}").json["media"][1]
    srcset = f"{shown['thumbnail_url']} 120w, {shown['medium_url']} 120w, {shown['url']} 120w"
    assert f'src="{shown["medium_url"]}" srcset="{srcset}"' in second.text
    first = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}").json["media"][0]
    grid = web.get(f"/shops/{shops['handicrafts']['slug']}")
    assert f'srcset="{first["thumbnail_url"]} 400w, {first["medium_url"]} 800w"' in grid.text


def test_shop_page_by_slug_lists_its_listed_products_only(web, factory, seller, shops, products):
    shop = shops["handicrafts"]
    factory.product(seller, shop, title="A draft pot", status="draft")
    page = web.get(f"/shops/{shop['slug']}")
    assert page.status == 200
    assert shop["name"] in page.text and "Demo handicrafts item" in page.text
    assert "A draft pot" not in page.text
    assert web.get(f"/shops/{shop['slug']}?storefront=handicrafts").status == 200
    assert web.get(f"/shops/{shop['slug']}?storefront=b2b").status == 404


def test_same_slug_in_two_storefronts_asks_which_shop(web, factory, seller):
    a = factory.shop(seller, "b2b", name="Twin Traders")
    b = factory.shop(seller, "specialties", name="Twin Traders")
    assert a["slug"] == b["slug"]
    page = web.get(f"/shops/{a['slug']}")
    assert page.status == 200 and "Which one do you mean?" in page.text
    assert f"/shops/{a['slug']}?storefront=b2b" in page.text
    assert f"/shops/{a['slug']}?storefront=specialties" in page.text


def test_a_pending_shop_has_no_page(web, factory, seller):
    pending = factory.shop(seller, "handicrafts", approve=False)
    assert web.get(f"/shops/{pending['slug']}").status == 404


# --- errors are friendly pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/s/spaceships",
        "/s/b2b/p/prd_missing",
        "/shops/no-such-shop",
        "/shops/NOT_A_SLUG",
    ],
)
def test_unknown_things_are_404_pages(web, path):
    page = web.get(path)
    assert page.status == 404, page
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text
    assert 'href="/"' in page.text


def test_a_product_in_another_storefront_or_not_listed_is_404(web, factory, seller, shops, products):
    assert web.get(f"/s/b2b/p/{products['handicrafts']['product_id']}").status == 404
    draft = factory.product(seller, shops["handicrafts"], status="draft")
    assert web.get(f"/s/handicrafts/p/{draft['product_id']}").status == 404


def test_an_unexpected_failure_is_a_500_page_not_a_traceback(web, monkeypatch):
    from chalicelib.services import storefront

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(storefront, "browse", boom)
    page = web.get("/s/b2b")
    assert page.status == 500
    assert "Something went wrong on our side" in page.text and "secret internal detail" not in page.text


def test_a_busy_dependency_is_a_503_page_with_retry_after(web, monkeypatch):
    from chalicelib.domain.errors import ServiceUnavailable
    from chalicelib.services import storefront

    def busy(*args, **kwargs):
        raise ServiceUnavailable("throttled")

    monkeypatch.setattr(storefront, "browse", busy)
    page = web.get("/")
    assert page.status == 503 and page.headers["retry-after"] == "1"
    assert "We are busy right now" in page.text


def test_a_token_check_that_cannot_be_made_is_a_503_and_keeps_the_session(web, factory, stack, monkeypatch):
    from chalicelib.domain.errors import ServiceUnavailable

    buyer_session(web, factory)

    def unreachable(token):
        raise ServiceUnavailable("the key service is unreachable")

    monkeypatch.setattr(stack.tokens, "verify", unreachable)
    page = web.get("/orders")
    assert page.status == 503 and page.cookie("bz_session") is None and "bz_session" in web.jar


def test_a_broken_configuration_is_still_an_html_500(web, monkeypatch):
    def broken():
        raise RuntimeError("STAGE is not set")

    monkeypatch.setattr(bootstrap, "container", broken)
    page = web.get("/")
    assert page.status == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side" in page.text and "STAGE" not in page.text


# --- escaping ---------------------------------------------------------------------------------------------


def test_markup_in_seller_content_and_query_renders_as_text(web, factory, seller, shops):
    evil = "<script>alert(1)</script>"
    shop = factory.shop(seller, "handicrafts", name='Bad "shop" <b>bold</b>')
    product = factory.product(seller, shop, title=f"{evil} scarf", description=f"{evil}<img src=x onerror=alert(2)>")
    pages_to_check = [
        web.get("/"),
        web.get("/s/handicrafts"),
        web.get(f"/s/handicrafts/p/{product['product_id']}"),
        web.get(f"/shops/{shop['slug']}"),
        web.get("/s/handicrafts?q=%22%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E"),
    ]
    buyer_session(web, factory)
    add_to_cart(web, product, 1)
    pages_to_check.append(web.get("/cart"))
    (order_id,) = place_order(web, name="<i>Mallory</i>")
    pages_to_check += [web.get("/orders"), web.get(f"/orders/{order_id}")]
    for page in pages_to_check:
        assert page.status == 200, page
        assert "<script>" not in page.text and "<img src=x" not in page.text and "<b>bold" not in page.text
        assert "<i>Mallory" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; scarf" in pages_to_check[2].text
    assert "&lt;b&gt;bold&lt;/b&gt;" in pages_to_check[3].text
    assert "&lt;i&gt;Mallory&lt;/i&gt;" in pages_to_check[-1].text
    assert 'value="&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"' in pages_to_check[4].text


# --- sessions, cookies, CSRF ------------------------------------------------------------------------------


def test_session_cookie_is_httponly_lax_and_not_secure_on_local_stages(web, factory):
    email = f"web-{random_email()}"
    factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    reply = web.sign_in(email, PASSWORD)
    session = reply.cookie("bz_session")
    assert session and "HttpOnly" in session and "SameSite=Lax" in session and "Path=/" in session
    assert "Secure" not in session
    assert re.search(r"Max-Age=\d+", session)
    assert "Secure" not in (web.get("/").cookie("bz_csrf") or "")  # already set: not sent again
    assert reply.location == "/"


def test_cookies_are_secure_off_local_stages(stack, chalice_client, factory):
    email = f"web-{random_email()}"
    factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    bootstrap.install(dataclasses.replace(stack, settings=dataclasses.replace(stack.settings, stage="dev")))
    try:
        assert not bootstrap.container().settings.is_local
        web = WebClient(chalice_client)
        first = web.get("/signin")
        assert "Secure" in first.cookie("bz_csrf") and "HttpOnly" in first.cookie("bz_csrf")
        reply = web.sign_in(email, PASSWORD)
        session = reply.cookie("bz_session")
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
        lang = web.post("/lang", {"csrf": web.get("/").hidden("csrf"), "lang": "ru", "next": "/"})
        assert "Secure" in lang.cookie("lang")
        assert "http:" not in lang.headers["content-security-policy"]
    finally:
        bootstrap.install(stack)


def test_every_post_form_needs_a_valid_csrf_token(web, factory, products):
    buyer_session(web, factory)
    product = products["handicrafts"]
    form = {"product_id": product["product_id"], "storefront": "handicrafts", "quantity": "1"}
    for action, data in (
        ("/cart/add", form),
        ("/cart/update", {"product_id": product["product_id"], "quantity": "1"}),
        ("/checkout", ADDRESS),
        ("/signout", {}),
        ("/lang", {"lang": "zh"}),
        ("/signin", {"email": "a@b.cn", "password": "x"}),
        ("/register", {"email": "a@b.cn", "password": "x"}),
        ("/confirm", {"email": "a@b.cn", "code": "123456"}),
        ("/confirm/resend", {"email": "a@b.cn"}),
        ("/orders/ord_x/cancel", {}),
        ("/orders/ord_x/return", {}),
        ("/orders/ord_x/lines/ord_x-1/review", {"rating": "5"}),  # issue 13
        ("/orders/ord_x/disputes", {"reason": "damaged"}),
        ("/orders/ord_x/disputes/dsp_x/accept", {}),
        ("/orders/ord_x/disputes/dsp_x/escalate", {}),
        ("/orders/ord_x/evidence", {}),
        ("/admin/disputes/dsp_x/decide", {"refund_amount": "1", "funded_by": "seller", "note": "x"}),
        # the rural service network's consoles (issue 10)
        ("/signin/new-password", {"email": "a@b.cn", "temporary_password": "x", "new_password": "y"}),
        ("/county/scan", {"code": "ord_x"}),
        ("/county/manifests", {"village_id": "vil_x"}),
        ("/county/manifests/mfs_x/dispatch", {}),
        ("/county/manifests/mfs_x/receive", {"codes": "ord_x"}),
        ("/county/returns/ret_x/forward", {"carrier": "x", "tracking_number": "y"}),
        ("/village/handovers", {"village_id": "vil_x", "order_id": "ord_x", "pickup_code": "123456"}),
        ("/village/manifests", {"village_id": "vil_x"}),
        ("/village/manifests/mfs_x/dispatch", {"village_id": "vil_x"}),
        ("/village/manifests/mfs_x/receive", {"village_id": "vil_x", "codes": "ord_x"}),
        ("/village/returns", {"village_id": "vil_x", "order_id": "ord_x"}),
        # issue 11: the partner's villagers, assisted orders and cash
        ("/village/villagers", {"village_id": "vil_x", "name": "A"}),
        ("/village/villagers/vgr_x", {"village_id": "vil_x", "name": "A"}),
        ("/village/villagers/vgr_x/erase", {"village_id": "vil_x", "confirm": "yes"}),
        ("/village/order/quote", {"village_id": "vil_x"}),
        ("/village/orders", {"village_id": "vil_x"}),
        ("/village/remittances", {"village_id": "vil_x", "amount": "1"}),
        ("/village/producers", {"village_id": "vil_x", "name": "A", "consent": "yes"}),
        ("/village/producers/pdr_x/shop", {"village_id": "vil_x", "name": "A", "storefront": "handicrafts"}),
        ("/village/producers/pdr_x/products", {"village_id": "vil_x", "title": "A", "price": "1", "stock": "1"}),
        ("/village/producers/pdr_x/products/prd_x", {"village_id": "vil_x", "title": "A", "price": "1"}),
        ("/village/producers/pdr_x/products/prd_x/pictures", {"village_id": "vil_x"}),
        ("/county/remittances/rmt_x/confirm", {"amount_received": "1"}),
        # issue 14: bulk trade
        ("/business", {"company_name": "X", "tax_id": "91350100M000100Y43"}),
        ("/rfqs", {"title": "X"}),
        ("/rfqs/rfq_x/cancel", {}),
        ("/rfqs/rfq_x/accept", {"quote_id": "qte_x"}),
        ("/rfqs/rfq_x/quotes/qte_x/messages", {"text": "hi"}),
        ("/cart/sample", {"product_id": product["product_id"], "quantity": "1"}),
        # issue 19: buy together
        ("/groups", {"product_id": product["product_id"], "target": "10", "deadline_days": "3"}),
        ("/groups/grp_x/join", {"quantity": "5"}),
        ("/groups/grp_x/withdraw", {}),
        ("/village/groups/grp_x/commitments", {"villager_id": "vgr_x", "quantity": "5"}),  # for a villager
        ("/village/groups/grp_x/withdraw", {"villager_id": "vgr_x"}),
        # issue 12: the Russian storefront
        ("/ru/cart/add", {"product_id": product["product_id"], "quantity": "1"}),
        ("/ru/checkout", {"name": "A", "payment_method": "sbp"}),
    ):
        missing = web.post(action, data)
        assert missing.status == 403, (action, missing)
        assert "This form has expired or did not come from this site" in missing.text
        assert web.post(action, {**data, "csrf": "forged"}).status == 403, action
    assert web.get("/cart").text.count("Demo handicrafts item") == 0  # nothing was added
    posted = {path for method, path in WEB_ROUTES if method == "POST"}
    assert posted == {
        "/signin",
        "/register",
        "/confirm",
        "/confirm/resend",
        "/signout",
        "/lang",
        "/cart/add",
        "/cart/update",
        "/checkout",
        "/orders/{order_id}/cancel",
        "/orders/{order_id}/return",
        "/orders/{order_id}/lines/{line_id}/review",
        "/orders/{order_id}/disputes",
        "/orders/{order_id}/disputes/{dispute_id}/accept",
        "/orders/{order_id}/disputes/{dispute_id}/escalate",
        "/admin/disputes/{dispute_id}/decide",
        "/orders/{order_id}/evidence",
        "/signin/new-password",
        "/county/scan",
        "/county/manifests",
        "/county/manifests/{manifest_id}/dispatch",
        "/county/manifests/{manifest_id}/receive",
        "/county/returns/{return_id}/forward",
        "/village/handovers",
        "/village/manifests",
        "/village/manifests/{manifest_id}/dispatch",
        "/village/manifests/{manifest_id}/receive",
        "/village/returns",
        "/village/villagers",
        "/village/villagers/{villager_id}",
        "/village/villagers/{villager_id}/erase",
        "/village/order/quote",
        "/village/orders",
        "/village/remittances",
        "/village/producers",  # issue 11
        "/village/producers/{producer_id}/shop",
        "/village/producers/{producer_id}/products",
        "/village/producers/{producer_id}/products/{product_id}",
        "/village/producers/{producer_id}/products/{product_id}/pictures",
        "/county/remittances/{remittance_id}/confirm",
        "/business",
        "/rfqs",
        "/rfqs/{rfq_id}/cancel",
        "/rfqs/{rfq_id}/accept",
        "/rfqs/{rfq_id}/quotes/{quote_id}/messages",
        "/cart/sample",
        "/groups",  # issue 19
        "/groups/{group_id}/join",
        "/groups/{group_id}/withdraw",
        "/village/groups/{group_id}/commitments",  # issue 19: buy together for villagers
        "/village/groups/{group_id}/withdraw",
        "/ru/cart/add",  # issue 12
        "/ru/checkout",
    }, "a new POST form route needs a line in this test"


def test_a_csrf_token_is_bound_to_its_browser_and_its_session(web, chalice_client, factory, products):
    token_before_sign_in = web.get("/").hidden("csrf")
    buyer_session(web, factory)
    product = products["handicrafts"]
    form = {"product_id": product["product_id"], "storefront": "handicrafts", "quantity": "1"}
    assert web.post("/cart/add", {**form, "csrf": token_before_sign_in}).status == 403  # session changed
    other = WebClient(chalice_client)
    assert web.post("/cart/add", {**form, "csrf": other.get("/").hidden("csrf")}).status == 403
    assert web.post("/cart/add", {**form, "csrf": web.get("/").hidden("csrf")}).status == 303


def test_forms_must_be_url_encoded(web):
    token = web.get("/").hidden("csrf")
    reply = web.request("POST", "/lang", headers={"Content-Type": "application/json"}, data=None)
    assert reply.status == 415
    form = web.post("/lang", {"csrf": token, "lang": "ru", "next": "/"})
    assert form.status == 303


def test_other_cookies_of_the_site_do_not_break_the_session(web, factory):
    buyer_session(web, factory)
    session = web.jar.pop("bz_session")
    other = {"_ga": "GA1.2.3", "weird": '{"json":"value"}', "bz_session": session}
    web.jar.clear()
    web.jar.update(other)
    page = web.get("/cart")
    assert page.status == 200, page


def test_an_invalid_session_cookie_signs_out_quietly(web):
    web.jar["bz_session"] = "not-a-jwt"
    page = web.get("/")
    assert page.status == 200 and "Sign in" in page.text
    assert "Max-Age=0" in page.cookie("bz_session")
    assert "bz_session" not in web.jar


def test_sign_in_sign_out_and_redirect_back(web, factory):
    assert web.get("/cart").location == "/signin?next=%2Fcart&required=1"
    signin = web.get("/signin?next=%2Fcart&required=1")
    assert "Please sign in to continue." in signin.text and 'name="next" value="/cart"' in signin.text
    email = f"web-{random_email()}"
    factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"})
    reply = web.post("/signin", {"csrf": signin.hidden("csrf"), "email": email, "password": PASSWORD, "next": "/cart"})
    assert reply.status == 303 and reply.location == "/cart"
    assert web.get("/cart").status == 200
    out = web.post("/signout", {"csrf": web.get("/").hidden("csrf")})
    assert out.status == 303 and "Max-Age=0" in out.cookie("bz_session")
    assert web.get("/cart").status == 303


def test_wrong_password_re_shows_the_form_with_400(web, factory):
    page = web.submit("/signin", "/signin", {"email": "Nobody@Example.com", "password": "Wrong-pass-1", "next": "/"})
    assert page.status == 400
    assert "Wrong email or password." in page.text and 'value="Nobody@Example.com"' in page.text
    empty = web.submit("/signin", "/signin", {"email": "", "password": ""})
    assert empty.status == 400 and empty.text.count("Required.") >= 2 and 'aria-invalid="true"' in empty.text


def test_redirects_never_leave_the_site(web):
    for evil in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\r\nX: 1",
        "/é",
    ):
        reply = web.post("/lang", {"csrf": web.get("/").hidden("csrf"), "lang": "en", "next": evil})
        assert reply.status == 303 and reply.location == "/", evil
        assert 'name="next" value="/"' in web.get(f"/signin?next={quote(evil, safe='')}").text


def test_register_as_buyer_validates_and_signs_in(web, factory):
    bad = web.submit("/register", "/register", {"email": "not-an-email", "password": "short"})
    assert bad.status == 400
    assert "Enter a valid email address." in bad.text
    weak = web.submit("/register", "/register", {"email": random_email(), "password": "short"})
    assert weak.status == 400 and "10 to 128 characters" in weak.text
    email = random_email("web")
    done = web.submit("/register", "/register", {"email": email, "password": PASSWORD, "next": "/orders"})
    assert done.status == 303 and done.location == "/orders" and done.cookie("bz_session")
    assert f"Signed in as {email}" in web.get("/orders").text
    web.post("/signout", {"csrf": web.get("/").hidden("csrf")})
    taken = web.submit("/register", "/register", {"email": email, "password": PASSWORD})
    assert taken.status == 400 and "already exists" in taken.text


def test_a_seller_account_gets_a_403_page_on_buyer_pages(web, factory):
    email = random_email("seller")
    factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "seller"})
    web.sign_in(email, PASSWORD)
    page = web.get("/cart")
    assert page.status == 403 and "This page is for buyer accounts." in page.text


# --- languages and money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang", "html_lang", "heading"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh", "zh-Hans", "三个市场，一个购物车"),
        ("fr-FR, ru;q=0.9, en;q=0.5", "ru", "ru", "Три рынка — одна корзина"),
        ("de-DE,fr;q=0.8", "en", "en", "Three markets, one basket"),
        ("", "en", "en", "Three markets, one basket"),
    ],
)
def test_language_comes_from_accept_language(chalice_client, stack, accept, lang, html_lang, heading):
    page = WebClient(chalice_client, accept_language=accept).get("/")
    assert page.status == 200
    assert f'<html lang="{html_lang}" dir="ltr">' in page.text and heading in page.text
    assert page.headers["content-language"] == html_lang


def test_the_language_switch_overrides_accept_language_on_every_page(web, products):
    web.accept_language = "en"
    product = products["handicrafts"]
    path = f"/s/handicrafts/p/{product['product_id']}"
    page = web.get(path)
    assert page.text.count('name="lang"') == 4 and 'aria-pressed="true">English' in page.text  # en, zh, ru, ug
    reply = web.post("/lang", {"csrf": page.hidden("csrf"), "lang": "ru", "next": path})
    assert reply.status == 303 and reply.location == path
    cookie = reply.cookie("lang")
    assert cookie.startswith("lang=ru;") and "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie
    russian = web.get(path)
    assert '<html lang="ru" dir="ltr">' in russian.text and "Добавить в корзину" not in russian.text  # signed out
    assert "Войдите, чтобы купить" in russian.text and "159,00\u00a0¥" in russian.text
    chinese = web.post("/lang", {"csrf": russian.hidden("csrf"), "lang": "zh", "next": path})
    assert chinese.status == 303
    assert "登录后购买" in web.get(path).text
    assert web.post("/lang", {"csrf": russian.hidden("csrf"), "lang": "xx"}).status == 400


def test_error_pages_are_translated_too(chalice_client, stack):
    page = WebClient(chalice_client, accept_language="zh").get("/s/nowhere")
    assert page.status == 404 and "页面未找到" in page.text


def test_money_and_dates_are_formatted_per_language():
    from chalicelib.web.formatting import format_datetime, format_money

    assert format_money(15900, "CNY", "en") == "¥159.00"
    assert format_money(15900, "CNY", "zh") == "¥159.00"
    assert format_money(15900, "CNY", "ru") == "159,00\u00a0¥"
    assert format_money(285000000, "CNY", "en") == "¥2,850,000.00"
    assert format_money(285000000, "CNY", "ru") == "2\u00a0850\u00a0000,00\u00a0¥"
    assert format_money(5, "CNY", "en") == "¥0.05"
    assert format_money(-1250, "CNY", "en") == "-¥12.50"
    assert format_money(1500, "JPY", "en") == "¥1,500"
    assert format_money(1999, "CHF", "en") == "CHF\u00a019.99"
    assert format_datetime("2026-05-01T14:03:09.123Z", "en") == "1 May 2026, 14:03 UTC"
    assert format_datetime("2026-05-01T14:03:09.123Z", "zh") == "2026年5月1日 14:03 UTC"
    assert format_datetime("2026-05-01T14:03:09.123Z", "ru") == "1 мая 2026 г., 14:03 UTC"
    assert format_datetime("not a date", "en") == "not a date"


# --- cart, checkout, orders, returns ----------------------------------------------------------------------


def test_cart_groups_lines_by_shop_and_warns_about_rules(web, factory, products):
    buyer_session(web, factory)
    assert add_to_cart(web, products["b2b"], 7).status == 303  # below the MOQ of 10, not a multiple of 5
    assert add_to_cart(web, products["handicrafts"], 2).location == "/cart?added=1"
    cart = web.get("/cart?added=1")
    assert cart.status == 200 and "Added to your cart." in cart.text
    assert cart.text.count('class="cart-group"') == 2
    assert "The minimum order is 10 carton." in cart.text and "Order in multiples of 5." in cart.text
    assert "Proceed to checkout" not in cart.text and "Change or remove them to check out" in cart.text
    assert "¥318.00" in cart.text  # 2 x 159.00 handicrafts line

    b2b_id = products["b2b"]["product_id"]
    web.post("/cart/update", {"csrf": cart.hidden("csrf"), "product_id": b2b_id, "quantity": "30"})
    cart = web.get("/cart")
    assert "Only 25 left." in cart.text and "The minimum order" not in cart.text
    fixed = web.post("/cart/update", {"csrf": cart.hidden("csrf"), "product_id": b2b_id, "quantity": "20"})
    assert fixed.status == 303 and fixed.location == "/cart?updated=1"
    cart = web.get(fixed.location)
    assert "Your cart was updated." in cart.text and "⚠" not in cart.text
    assert "Proceed to checkout" in cart.text
    assert "¥2,400.00" in cart.text  # 20 cartons at the first tier's 120.00
    removed = web.post("/cart/update", {"csrf": cart.hidden("csrf"), "product_id": b2b_id, "remove": "1"})
    assert removed.status == 303
    assert web.get("/cart").text.count('class="cart-group"') == 1


def test_adding_adds_to_the_quantity_already_in_the_cart(web, factory, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 2)
    add_to_cart(web, products["handicrafts"], 3)
    assert 'min="0" value="5"' in web.get("/cart").text


def test_a_bad_quantity_re_shows_the_product_page_with_400(web, factory, products):
    buyer_session(web, factory)
    for quantity in ("0", "-1", "abc", "1.5", "99999999999"):
        page = add_to_cart(web, products["handicrafts"], quantity)  # type: ignore[arg-type]
        assert page.status == 400, quantity
        assert "Enter a whole number from 1 to" in page.text and 'aria-invalid="true"' in page.text
        assert "<h1>Demo handicrafts item</h1>" in page.text


def test_adding_to_the_cart_signed_out_goes_to_sign_in_and_back(web, products):
    product = products["handicrafts"]
    reply = add_to_cart(web, product, 1)
    assert reply.status == 303
    assert reply.location == f"/signin?next=%2Fs%2Fhandicrafts%2Fp%2F{product['product_id']}&required=1"


def test_checkout_validates_the_address_and_re_shows_the_form(web, factory, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 1)
    page = web.get("/checkout")
    assert "Cash on delivery" in page.text and "Bank transfer" in page.text
    form = {
        **ADDRESS,
        "name": "  ",
        "phone": "call me",
        "postal_code": "84/4",
        "payment_method": "card",
        "csrf": page.hidden("csrf"),
        "idempotency_key": page.hidden("idempotency_key"),
    }
    reply = web.post("/checkout", form)
    assert reply.status == 400
    assert "Please correct the following:" in reply.text
    assert 'id="name-error">Required.' in reply.text
    assert 'id="phone-error">Enter a phone number' in reply.text
    assert 'id="postal_code-error">Enter a postal code' in reply.text
    assert 'id="payment_method-error"' in reply.text
    assert 'value="12 Id Kah Square"' in reply.text  # what was typed is kept
    assert web.get("/orders").text.count('class="order-card"') == 0


def test_checkout_places_one_order_per_shop_and_confirms_it(web, factory, seller, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 2)
    add_to_cart(web, products["specialties"], 1)
    page = web.get("/checkout")
    form = {**ADDRESS, "csrf": page.hidden("csrf"), "idempotency_key": page.hidden("idempotency_key")}
    reply = web.post("/checkout", form)
    assert reply.status == 303
    order_ids = parse_qs(urlsplit(reply.location).query)["orders"][0].split(",")
    assert len(order_ids) == 2
    done = web.get(reply.location)
    assert done.status == 200 and "Thank you for your order" in done.text
    assert all(order_id in done.text for order_id in order_ids)
    assert "Cash on delivery" in done.text and "¥477.00" in done.text  # 2 x 159 + 159
    # the same form posted again (a double click) is the same checkout, not a second one
    again = web.post("/checkout", form)
    assert again.status == 303 and again.location == reply.location
    assert web.get("/orders").text.count('class="order-card"') == 2
    assert "Your cart is empty." in web.get("/cart").text
    assert web.get("/checkout").text.count('name="idempotency_key"') == 0  # nothing left to check out


def test_a_price_changed_since_adding_is_shown_and_the_order_placed_again_pays_the_new_price(
    web, api, factory, seller, shops, products
):
    buyer_session(web, factory)
    product = products["handicrafts"]
    add_to_cart(web, product, 2)
    page = web.get("/checkout")
    form = {**ADDRESS, "csrf": page.hidden("csrf"), "idempotency_key": page.hidden("idempotency_key")}
    path = f"/v1/shops/{shops['handicrafts']['shop_id']}/products/{product['product_id']}"
    assert api.patch(path, {"price": {"amount": 16900, "currency": "CNY"}}, token=seller).status == 200

    refused = web.post("/checkout", form)
    assert refused.status == 409
    assert "A seller changed a price since you added the item." in refused.text
    assert "¥338.00" in refused.text  # 2 x 169: the order form now shows the new price
    placed = web.post("/checkout", form)  # the same form, submitted again
    assert placed.status == 303
    assert "¥338.00" in web.get(placed.location).text


def test_confirmation_of_someone_elses_order_is_404(web, chalice_client, factory, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 1)
    (order_id,) = place_order(web)
    other = WebClient(chalice_client)
    buyer_session(other, factory)
    assert other.get(f"/checkout/done?orders={order_id}").status == 404
    assert other.get(f"/orders/{order_id}").status == 404
    assert other.get("/checkout/done?orders=").status == 404
    assert other.get("/orders/ord_<b>").status == 404


def test_my_orders_pages_and_shows_status_and_timeline(web, factory, seller, shops):
    # stock enough for 11 unpaid units to stay within one buyer's unpaid-hold cap (20 % of the stock, issue 9)
    product = factory.product(seller, shops["handicrafts"], title="Demo handicrafts item", stock=100)
    buyer_session(web, factory)
    for _ in range(order_pages.ORDERS_PAGE_SIZE + 1):
        add_to_cart(web, product, 1)
        place_order(web)
    first = web.get("/orders")
    assert first.text.count('class="order-card"') == order_pages.ORDERS_PAGE_SIZE
    assert "Awaiting payment" in first.text
    older = re.search(r'<a rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = web.get(older)
    assert second.text.count('class="order-card"') == 1 and "Newer orders" in second.text
    order_id = re.search(r'href="/orders/(ord_\w+)"', second.text).group(1)
    detail = web.get(f"/orders/{order_id}")
    assert detail.status == 200 and "Order placed" in detail.text and "by you" in detail.text
    assert "Aygul Tursun" in detail.text and "844000" in detail.text


def test_cancel_an_open_order(web, factory, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 1)
    (order_id,) = place_order(web)
    page = web.get(f"/orders/{order_id}")
    reply = web.post(f"/orders/{order_id}/cancel", {"csrf": page.hidden("csrf")})
    assert reply.status == 303 and reply.location == f"/orders/{order_id}?cancelled=1"
    page = web.get(reply.location)
    assert "The order was cancelled." in page.text and "status-cancelled" in page.text
    assert "Cancel this order" not in page.text
    again = web.post(f"/orders/{order_id}/cancel", {"csrf": page.hidden("csrf")})
    assert again.status == 409 and "cannot be changed like this any more" in again.text


def test_return_request_on_a_delivered_order(web, api, factory, seller, shops, products):
    buyer_session(web, factory)
    add_to_cart(web, products["handicrafts"], 3)
    (order_id,) = place_order(web)
    page = web.get(f"/orders/{order_id}")
    assert "Return items" not in page.text  # not delivered yet
    base = f"/v1/shops/{shops['handicrafts']['shop_id']}/orders/{order_id}"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF123"}, token=seller).status == 200
    assert api.post(f"{base}/deliver", token=seller).status == 200

    page = web.get(f"/orders/{order_id}")
    assert "Return items" in page.text and "Shipped with SF, tracking number SF123" in page.text
    line_id = re.search(r'name="qty-([^"]+)"', page.text).group(1)
    nothing = web.post(f"/orders/{order_id}/return", {"csrf": page.hidden("csrf"), f"qty-{line_id}": "0"})
    assert nothing.status == 400 and "Choose at least one item to return." in nothing.text
    too_many = web.post(f"/orders/{order_id}/return", {"csrf": page.hidden("csrf"), f"qty-{line_id}": "4"})
    assert too_many.status == 409 and "cannot return more than you bought" in too_many.text
    reply = web.post(
        f"/orders/{order_id}/return", {"csrf": page.hidden("csrf"), f"qty-{line_id}": "2", "reason": "<b>torn</b>"}
    )
    assert reply.status == 303 and reply.location.startswith(f"/orders/{order_id}?returned=ret_")
    page = web.get(reply.location)
    assert "Your return was requested." in page.text and "Return requested" in page.text and "2 returned" in page.text
    returns = api.get(f"/v1/shops/{shops['handicrafts']['shop_id']}/returns", token=seller).json["items"]
    assert [(r["order_id"], r["reason"], r["lines"][0]["quantity"]) for r in returns] == [(order_id, "<b>torn</b>", 2)]
    # cash on delivery, not paid yet: the refund will be nothing, and the page says so rather than "the full price"
    assert returns[0]["refund"] == {"amount": 0, "currency": "CNY"} and returns[0]["refund_is_estimate"]
    assert "Nothing has been paid for these items yet, so there is nothing to refund." in page.text
    assert "nothing to refund" not in web.get(f"/orders/{order_id}").text  # only just after asking


def test_the_return_page_shows_the_refund_the_shop_will_pay_on_an_order_paid_partly_with_points(
    web, api, stack, factory
):
    """3 units of 100.00 CNY, 1,001 points spent: returning one shows 96.67 (what was paid for it), not 100.00,
    and receiving the goods refunds exactly that."""
    from tests.api.test_return_funded_discounts import sell_with_points

    email = f"web-{random_email()}"
    sale = sell_with_points(api, stack, factory, 3, 1001, email=email)
    web.sign_in(email, PASSWORD)
    order_id = sale["order"]["order_id"]
    page = web.get(f"/orders/{order_id}")
    line_id = re.search(r'name="qty-([^"]+)"', page.text).group(1)
    reply = web.post(f"/orders/{order_id}/return", {"csrf": page.hidden("csrf"), f"qty-{line_id}": "1"})
    assert reply.status == 303
    from bench.counting import CallRecorder

    with CallRecorder() as rec:
        shown = web.get(reply.location)
    assert f"it refunds you about {format_money(10000 - 333, 'CNY', 'en')} (an estimate" in shown.text
    assert rec.totals().calls <= order_pages.order_page.page_spec.budget.calls  # order, disputes, reviews, return
    return_id = reply.location.split("returned=")[1]
    received = api.post(f"/v1/shops/{sale['shop_id']}/returns/{return_id}/receive", token=sale["seller"])
    assert received.status == 200 and received.json["refunded"] == {"amount": 10000 - 333, "currency": "CNY"}
    refunded = web.get(reply.location)
    assert "refunds you about" not in refunded.text  # the goods are back: no estimate any more
    # the refund is listed, in yuan (a home order), with the total given back
    refund_row = re.search(r'<tr class="refund refund-return">(.*?)</tr>', refunded.text, re.S).group(1)
    assert "Returned goods" in refund_row and format_money(10000 - 333, "CNY", "en") in refund_row
    total = re.search(r'<td class="num refunds-total">([^<]*)</td>', refunded.text).group(1)
    assert "Total refunded" in refunded.text and total == format_money(10000 - 333, "CNY", "en")


# --- i18n completeness ------------------------------------------------------------------------------------


def test_every_message_has_its_four_translations_with_the_same_placeholders():
    from string import Formatter

    from chalicelib.web.i18n import LANGUAGES, MESSAGES

    assert LANGUAGES == ("en", "zh", "ru", "ug")
    for key, row in MESSAGES.items():
        assert len(row) == len(LANGUAGES) and all(text.strip() for text in row), key
        names = [sorted({f for _, f, _, _ in Formatter().parse(text) if f}) for text in row]
        assert all(n == names[0] for n in names), key
        words = re.sub(r"{\w+}", "", row[0])
        if any(ch.isalpha() for ch in words) and key != "browse.prefecture_hint":
            assert any("\u0600" <= ch <= "\u06ff" for ch in row[3]), f"{key}: Uyghur is written in Arabic script"


def test_every_key_the_templates_and_views_use_exists():
    from chalicelib.web import i18n
    from chalicelib.web.render import TEMPLATES

    sources = [p.read_text() for p in TEMPLATES.glob("*.html")]
    sources += [p.read_text() for p in TEMPLATES.parent.glob("*.py")]
    used = set()
    for source in sources:
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z0-9_.-]+)['"]\s*[,)]""", source))
    assert used, "no message keys found"
    missing = sorted(key for key in used if not i18n.has(key))
    assert missing == []


def test_every_domain_value_shown_on_a_page_has_a_translation():
    from chalicelib.domain.orders import ORDER_STATUSES, PAYMENT_METHODS
    from chalicelib.domain.storefronts import STOREFRONTS
    from chalicelib.web import i18n

    keys = [f"cat.{c}" for sf in STOREFRONTS.values() for c in sf.categories]
    keys += [f"sf.{k}.{part}" for k in STOREFRONTS for part in ("name", "desc")]
    keys += [f"status.{s}" for s in ORDER_STATUSES] + [f"pay.{m}" for m in PAYMENT_METHODS]
    keys += [f"action.{a}" for a in ("placed", "paid", "shipped", "delivered", "cancelled", "completed")]
    keys += [f"action.{a}" for a in ("return_requested", "refunded")]
    keys += [f"action.{a}" for a in ("deposit_paid", "balance_paid")]  # issue 15: a pre-sale's two payments
    keys += [f"rule.{r}" for r in ("out_of_season", "personalisation_changed")]
    keys += [f"country.{c}" for c in cart_pages.COUNTRIES]
    keys += [f"rule.{r}" for r in ("unavailable", "below_moq", "not_a_multiple", "out_of_stock")]
    keys += [f"refunds.reason.{r}" for r in order_pages.REFUND_REASONS]
    keys += [f"refunds.status.{s}" for s in order_pages.REFUND_STATUSES]
    assert [k for k in keys if not i18n.has(k)] == []


def test_accept_language_negotiation():
    from chalicelib.web.i18n import negotiate

    assert negotiate("zh-TW") == "zh"
    assert negotiate("en;q=0.2, ru;q=0.8") == "ru"
    assert negotiate("ru;q=0, zh;q=0.1") == "zh"
    assert negotiate("ru;q=abc") == "en"
    assert negotiate("*") == "en"
    assert negotiate(None) == "en"
    assert negotiate("x" * 5000) == "en"


# --- structure --------------------------------------------------------------------------------------------


def test_stage_prefix_is_kept_in_links_when_api_gateway_adds_one():
    from chalicelib.web.session import _actual_path, _base_path

    class Request:
        path = "/s/{storefront}/p/{product_id}"
        uri_params = {"storefront": "b2b", "product_id": "prd_1"}
        context = {"path": "/api/s/b2b/p/prd_1"}

    assert _actual_path(Request) == "/s/b2b/p/prd_1"
    assert _base_path(Request, "/s/b2b/p/prd_1") == "/api"
    Request.context = {"path": "/s/b2b/p/prd_1"}
    assert _base_path(Request, "/s/b2b/p/prd_1") == ""


def test_web_routes_are_exactly_the_web_blueprints_routes():
    from app import app
    from chalicelib.api.routing import served_routes

    served = served_routes(app)
    web_routes = set(WEB_ROUTES)
    assert len(web_routes) == len(WEB_ROUTES) and web_routes <= served
    assert all(not path.startswith("/v1/") for _, path in web_routes)
    assert {(m, p) for m, p in served if not p.startswith("/v1/")} == web_routes


def test_post_routes_take_form_bodies_only():
    from app import app

    for method, path in WEB_ROUTES:
        entry = app.routes[path][method]
        if method == "POST":
            assert entry.content_types == [FORM_CONTENT_TYPE], path


def test_importing_the_app_does_not_import_jinja2():
    import subprocess
    import sys

    from tests.support import ROOT

    code = "import sys, app; print(json.dumps(sorted(m for m in sys.modules if m.startswith('jinja2'))))"
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
