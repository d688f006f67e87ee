"""Cache headers (api/caching.py): public reads are briefly cacheable with ETags and 304s, personal ones never
stored; media URLs are stable, so browsers and the CDN can keep the pictures."""

from __future__ import annotations

import pytest
import requests

from tests.support import png_bytes


@pytest.fixture
def listed(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, title="Atlas silk scarf")
    base = f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}/media"
    picture = png_bytes(900, 600)
    grant = api.post(base, {"content_type": "image/png", "size": len(picture)}, token=seller).json
    form = grant["upload"]
    assert requests.post(form["url"], data=form["fields"], files={"file": ("p", picture)}, timeout=10).ok
    assert api.post(f"{base}/{grant['media_id']}/complete", token=seller).status == 200
    return seller, shop, product


def test_an_anonymous_storefront_page_has_an_etag_short_public_caching_and_answers_304(api, listed):
    path = "/v1/storefronts/handicrafts/products?q=silk"
    first = api.get(path)
    assert first.status == 200
    assert first.headers["cache-control"] == "public, max-age=30"
    etag = first.headers["etag"]
    assert etag.startswith('W/"')

    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == "public, max-age=30"
    assert api.get(path, headers={"If-None-Match": 'W/"something-else"'}).status == 200

    # stable media URLs: the same page twice is the same bytes (a presigned URL would differ every time)
    assert api.get(path).body == first.body
    card = first.json["items"][0]
    assert "?" not in card["thumbnail_url"] and "?" not in card["medium_url"]


def test_a_changed_page_gets_a_new_etag(api, listed):
    seller, shop, product = listed
    page = f"/v1/storefronts/handicrafts/products/{product['product_id']}"
    before = api.get(page).headers["etag"]
    path = f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}"
    assert api.patch(path, {"price": {"amount": 17900, "currency": "CNY"}}, token=seller).status == 200
    after = api.get(page, headers={"If-None-Match": before})
    assert after.status == 200 and after.headers["etag"] != before


def test_requests_with_a_token_are_private_and_never_stored(api, listed):
    seller, shop, product = listed
    for path in (
        f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}",
        "/v1/me/shops",
        f"/v1/storefronts/handicrafts/products/{product['product_id']}",  # public, but asked with a token
    ):
        reply = api.get(path, token=seller)
        assert reply.status == 200, reply
        assert reply.headers["cache-control"] == "private, no-store", path
    # the owner's product read keeps its version ETag for If-Match
    owner = api.get(f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", token=seller)
    assert owner.headers["etag"] == f'"{owner.json["version"]}"'


def test_writes_and_errors_are_not_stored(api, listed):
    seller, shop, _ = listed
    created = api.post(
        f"/v1/shops/{shop['shop_id']}/products",
        {
            "title": "Copper teapot",
            "description": "",
            "category": "metalwork",
            "price": {"amount": 2500, "currency": "CNY"},
            "stock": 1,
            "status": "active",
            "attributes": {"maker": "Aygul Tursun", "made_to_order": False},
        },
        token=seller,
    )
    assert created.status == 201 and created.headers["cache-control"] == "private, no-store"
    missing = api.get("/v1/storefronts/handicrafts/products/prd_missing")
    assert missing.status == 404 and missing.headers["cache-control"] == "no-store" and "etag" not in missing.headers


def test_web_pages_revalidate_for_anonymous_browsers_and_are_never_stored_when_signed_in(web, api, listed):
    path = "/s/handicrafts"
    first = web.get(path)  # a first visit sets the CSRF cookie: not cacheable
    assert first.status == 200 and first.headers["cache-control"] == "no-store"
    second = web.get(path)
    assert second.headers["cache-control"] == "private, no-cache"
    etag = second.headers["etag"]
    assert web.get(path, headers={"If-None-Match": etag}).status == 304

    buyer_email = "cache-buyer@example.com"
    api.post("/v1/auth/register", {"email": buyer_email, "password": "Bazaar-test-1", "role": "buyer"})
    web.sign_in(buyer_email, "Bazaar-test-1")
    signed_in = web.get(path)
    assert signed_in.status == 200 and signed_in.headers["cache-control"] == "private, no-store"
    assert web.get(path, headers={"If-None-Match": etag}).status == 200


def test_the_stylesheet_stays_immutable(web):
    css = web.get("/static/site.css")
    assert css.status == 200 and "immutable" in css.headers["cache-control"]
