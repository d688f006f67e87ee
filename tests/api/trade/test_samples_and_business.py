"""Samples on b2b products and business applications through the API (issue 14)."""

from __future__ import annotations

import pytest

from tests.api.trade.support import REAL_USCC, business_body
from tests.support import assert_api_error, checkout, error_fields, product_body, stock_of

SAMPLE = {"amount": 2500, "max_quantity": 2}


@pytest.fixture
def seller(factory):
    return factory.user("seller")


@pytest.fixture
def b2b_shop(factory, seller):
    return factory.shop(seller, "b2b")


def sample_product(api, seller, shop, **attrs) -> dict:
    body = product_body("b2b", title="Aksu walnuts", stock=100)
    body["attributes"]["sample"] = dict(SAMPLE, **attrs)
    reply = api.post(f"/v1/shops/{shop['shop_id']}/products", body, token=seller)
    assert reply.status == 201, reply
    return reply.json


# --- samples -----------------------------------------------------------------------------------------------


def test_a_sample_is_bought_below_the_moq_at_the_sample_price_once_per_buyer(api, factory, seller, b2b_shop):
    product = sample_product(api, seller, b2b_shop)
    page = api.get(f"/v1/storefronts/b2b/products/{product['product_id']}").json
    assert page["attributes"]["sample"] == SAMPLE
    buyer = factory.user("buyer")
    cart = api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2, "sample": True}, token=buyer)
    assert cart.status == 200, cart
    (line,) = cart.json["shops"][0]["lines"]
    assert (line.get("sample"), line["unit_price"]["amount"], line["problems"], cart.json["can_checkout"]) == (
        True,
        2500,
        [],
        True,
    )
    placed = checkout(api, buyer)
    assert placed.status == 201, placed
    (order_line,) = placed.json["orders"][0]["lines"]
    assert (order_line.get("sample"), order_line["quantity"], order_line["unit_price"]["amount"]) == (True, 2, 2500)
    assert stock_of(api, seller, product) == 98

    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1, "sample": True}, token=buyer)
    again = checkout(api, buyer)
    assert_api_error(again, 409, "sample_already_bought")
    assert error_fields(again) == {f"lines.{product['product_id']}"}
    assert stock_of(api, seller, product) == 98  # nothing taken
    # a bulk order of the same product is of course fine, at the tier price
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=buyer)
    bulk = checkout(api, buyer)
    assert bulk.status == 201 and bulk.json["orders"][0]["lines"][0]["unit_price"]["amount"] == 12000
    # another buyer may have their own sample
    other = factory.user("buyer")
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1, "sample": True}, token=other)
    assert checkout(api, other).status == 201


def test_a_sample_above_its_maximum_or_of_a_product_without_one_is_refused(api, factory, seller, b2b_shop):
    product = sample_product(api, seller, b2b_shop)
    plain = factory.product(seller, b2b_shop)
    buyer = factory.user("buyer")
    cart = api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 3, "sample": True}, token=buyer).json
    assert [p["code"] for p in cart["shops"][0]["lines"][0]["problems"]] == ["sample_over_max"]
    assert cart["can_checkout"] is False
    assert_api_error(checkout(api, buyer), 409, "lines_unavailable")
    refused = api.put(f"/v1/cart/items/{plain['product_id']}", {"quantity": 1, "sample": True}, token=buyer)
    assert_api_error(refused, 409, "no_sample")


def test_the_sample_offer_is_validated_and_is_part_of_the_price(api, seller, b2b_shop, factory):
    for bad in ({"amount": 0, "max_quantity": 2}, {"amount": 100, "max_quantity": 10}, {"amount": 100}):
        body = product_body("b2b")
        body["attributes"]["sample"] = bad
        reply = api.post(f"/v1/shops/{b2b_shop['shop_id']}/products", body, token=seller)
        assert_api_error(reply, 400)
        assert any(f.startswith("attributes.sample") for f in error_fields(reply))
    product = sample_product(api, seller, b2b_shop)
    buyer = factory.user("buyer")
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1, "sample": True}, token=buyer)
    attrs = dict(product["attributes"], sample={"amount": 3000, "max_quantity": 2})
    changed = api.patch(
        f"/v1/shops/{b2b_shop['shop_id']}/products/{product['product_id']}", {"attributes": attrs}, token=seller
    )
    assert changed.status == 200, changed
    assert_api_error(checkout(api, buyer), 409, "price_changed")  # the buyer was shown 25.00
    again = checkout(api, buyer)
    assert again.status == 201 and again.json["orders"][0]["lines"][0]["unit_price"]["amount"] == 3000


# --- business applications -------------------------------------------------------------------------------------


def test_a_buyer_applies_as_a_business_and_an_operator_verifies_it(api, factory):
    buyer = factory.user("buyer")
    applied = api.post("/v1/me/business", business_body(tax_id=REAL_USCC[1]), token=buyer)
    assert applied.status == 201, applied
    assert (applied.json["status"], applied.json["tax_id"]) == ("pending", REAL_USCC[1])
    assert "owner_id" not in applied.json
    queue = api.get("/v1/admin/businesses?status=pending&limit=100", token=factory.operator).json["items"]
    assert applied.json["business_id"] in [b["business_id"] for b in queue]
    verified = api.post(f"/v1/admin/businesses/{applied.json['business_id']}/verify", {}, token=factory.operator)
    assert verified.status == 200 and verified.json["status"] == "verified"
    mine = api.get("/v1/me/business", token=buyer).json
    assert mine["status"] == "verified" and mine["net_terms_available"] is False and "credit" not in mine
    assert_api_error(api.post("/v1/me/business", business_body(), token=buyer), 409, "business_already_verified")
    assert_api_error(
        api.post(f"/v1/admin/businesses/{applied.json['business_id']}/verify", {}, token=factory.operator), 409
    )


def test_a_wrong_check_character_is_a_clear_400(api, factory):
    buyer = factory.user("buyer")
    code = REAL_USCC[0][:17] + "4"  # the right one is 3
    reply = api.post("/v1/me/business", business_body(tax_id=code), token=buyer)
    error = assert_api_error(reply, 400, "tax_id_check_character")
    assert "check character" in error["message"] and error["details"][0]["field"] == "tax_id"
    assert_api_error(api.post("/v1/me/business", business_body(tax_id="91350100M000100I43"), token=buyer), 400)
    assert_api_error(api.post("/v1/me/business", business_body(tax_id="123"), token=buyer), 400)
    assert_api_error(api.get("/v1/me/business", token=buyer), 404, "business_not_found")


def test_a_rejected_business_applies_again_and_a_rejection_needs_a_reason(api, factory):
    buyer = factory.user("buyer")
    business_id = api.post("/v1/me/business", business_body(), token=buyer).json["business_id"]
    assert_api_error(api.post(f"/v1/admin/businesses/{business_id}/reject", {}, token=factory.operator), 400)
    rejected = api.post(
        f"/v1/admin/businesses/{business_id}/reject", {"reason": "the licence is unreadable"}, token=factory.operator
    )
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "the licence is unreadable"
    again = api.post("/v1/me/business", business_body(company_name="Good Harvest Foods"), token=buyer)
    assert again.status == 200 and again.json["status"] == "pending" and again.json["reason"] is None
    assert again.json["company_name"] == "Good Harvest Foods"


def test_business_documents_are_uploaded_checked_and_shown_to_operators(api, stack, factory):
    buyer = factory.user("buyer")
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    ticket = api.post(
        "/v1/me/business/uploads",
        {"content_type": "application/pdf", "size": len(pdf), "name": "licence.pdf"},
        token=buyer,
    )
    assert ticket.status == 201, ticket
    media_id, key = ticket.json["media_id"], ticket.json["upload"]["fields"]["key"]
    assert key.startswith("businesses/") and "/shops/" not in key  # private: not under the CDN's prefix

    missing = api.post("/v1/me/business", business_body(documents=[media_id]), token=buyer)
    assert_api_error(missing, 422, "upload_missing")
    s3 = stack.media._s3
    s3.put_object(Bucket=stack.settings.media_bucket, Key=key, Body=b"GIF89a not a pdf", ContentType="application/pdf")
    assert_api_error(
        api.post("/v1/me/business", business_body(documents=[media_id]), token=buyer), 422, "upload_mismatch"
    )
    s3.put_object(Bucket=stack.settings.media_bucket, Key=key, Body=pdf, ContentType="application/pdf")
    assert_api_error(api.post("/v1/me/business", business_body(documents=["doc_someone_elses"]), token=buyer), 400)

    applied = api.post("/v1/me/business", business_body(documents=[media_id]), token=buyer)
    assert applied.status == 201, applied
    assert applied.json["documents"] == [
        {"media_id": media_id, "name": "licence.pdf", "content_type": "application/pdf", "size": len(pdf)}
    ]
    seen = api.get(f"/v1/admin/businesses/{applied.json['business_id']}", token=factory.operator).json
    link = seen["documents"][0]["url"]
    assert "Signature" in link or "X-Amz-Signature" in link
    import urllib.parse

    parsed = urllib.parse.urlparse(link)
    assert parsed.path.endswith(key)


def test_application_fields_are_validated(api, factory):
    buyer = factory.user("buyer")
    for bad in (
        {"company_name": " "},
        {"address": {"province": "Zhejiang", "prefecture": "Hangzhou", "line": "1 Road", "postal_code": "31001"}},
        {"contact": {"name": "Li", "phone": "call me"}},
        {"documents": ["d"] * 11},
        {"website": "https://example.com"},
    ):
        assert_api_error(api.post("/v1/me/business", business_body(**bad), token=buyer), 400)
    seller = factory.user("seller")
    assert_api_error(api.post("/v1/me/business", business_body(), token=seller), 403)
