"""Buyer trust in the browser (issue 13): ratings on cards, product and shop pages; the review form, the dispute
form and the buyer's answers on a delivered order; points at checkout. Checked against the JSON API."""

from __future__ import annotations

import re

from bench.counting import CallRecorder
from chalicelib.services import points
from tests.web.helpers import add_to_cart, buyer_session, place_order, text_of


def _delivered(web, api, factory, quantity: int = 2):
    """A seller's shop and product, and a delivered order of it placed through the web by a new buyer."""
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=50, title="Felt rug")
    buyer_session(web, factory)
    add_to_cart(web, product, quantity)
    (order_id,) = place_order(web)
    base = f"/v1/shops/{shop['shop_id']}/orders/{order_id}"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=seller).status == 200
    assert api.post(f"{base}/deliver", token=seller).status == 200
    assert api.post(f"{base}/mark-paid", token=seller).status == 200  # the courier brought the cash back
    return seller, shop, product, order_id


def test_a_buyer_reviews_a_delivered_line_and_the_rating_shows_on_the_card_product_and_shop_pages(web, api, factory):
    seller, shop, product, order_id = _delivered(web, api, factory)
    page = web.get(f"/orders/{order_id}")
    assert "Review Felt rug" in text_of(page)
    line_id = re.search(r'action="/orders/[^/]+/lines/([^/]+)/review"', page.text).group(1)

    bad = web.post(f"/orders/{order_id}/lines/{line_id}/review", {"csrf": page.hidden("csrf"), "rating": "9"})
    assert bad.status == 400 and "Choose 1 to 5 stars." in bad.text
    done = web.post(
        f"/orders/{order_id}/lines/{line_id}/review", {"csrf": page.hidden("csrf"), "rating": "4", "text": "Warm"}
    )
    assert done.status == 303, done
    again = web.get(done.location)
    assert "Thank you for your review." in again.text and "Review Felt rug" not in text_of(again)
    twice = web.post(f"/orders/{order_id}/lines/{line_id}/review", {"csrf": page.hidden("csrf"), "rating": "5"})
    assert twice.status == 409 and "You have reviewed this item already." in twice.text

    product_page = web.get(f"/s/handicrafts/p/{product['product_id']}")
    assert "4.0 of 5 (1 reviews)" in text_of(product_page) and "Warm" in product_page.text
    api_reviews = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}/reviews").json["items"]
    assert [r["text"] for r in api_reviews] == ["Warm"]
    card = web.get("/s/handicrafts").text.split('<li class="card">')[1]  # the only product of this world
    assert product["product_id"] in card and "4.0 of 5 (1 reviews)" in text_of_html(card)
    reviews_page = web.get(f"/s/handicrafts/p/{product['product_id']}/reviews?sort=rating")
    assert reviews_page.status == 200 and "Warm" in reviews_page.text
    shop_page = web.get(f"/shops/{shop['slug']}?storefront=handicrafts")
    assert "4.0 of 5 (1 reviews)" in text_of(shop_page)
    assert "0.0 % (0 of 1 delivered orders, last 90 days)" in text_of(shop_page)
    assert web.get(f"/s/handicrafts/p/{product['product_id']}/reviews?sort=worst").status == 400


def test_a_buyer_opens_a_dispute_accepts_the_answer_and_escalates_another_from_the_order_page(web, api, factory):
    seller, shop, product, order_id = _delivered(web, api, factory)
    page = web.get(f"/orders/{order_id}")
    assert "100% quality assurance" in page.text
    line_id = re.search(r'name="dispute-qty-([^"]+)"', page.text).group(1)
    csrf = page.hidden("csrf")

    empty = web.post(f"/orders/{order_id}/disputes", {"csrf": csrf, "reason": "damaged", "description": "Torn"})
    assert empty.status == 400 and "Say how many items have a problem." in empty.text
    form = {"csrf": csrf, f"dispute-qty-{line_id}": "1", "reason": "damaged", "description": "Torn along the edge"}
    opened = web.post(f"/orders/{order_id}/disputes", form)
    assert opened.status == 303, opened
    shown = web.get(opened.location)
    assert "Your dispute is open." in shown.text and "Waiting for the shop" in shown.text
    (dispute,) = api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"]
    assert dispute["description"] == "Torn along the edge" and dispute["lines"][0]["quantity"] == 1

    answer = {"action": "partial_refund", "amount": 3000, "message": "Sorry"}
    path = f"/v1/shops/{shop['shop_id']}/disputes/{dispute['dispute_id']}/respond"
    assert api.post(path, answer, token=seller).status == 200
    shown = web.get(f"/orders/{order_id}")
    assert "The shop offers a partial refund" in text_of(shown) and "Accept the shop&#39;s answer" in shown.text
    accepted = web.post(f"/orders/{order_id}/disputes/{dispute['dispute_id']}/accept", {"csrf": csrf})
    assert accepted.status == 303, accepted
    shown = web.get(accepted.location)
    assert "Resolved" in shown.text and "refunded" in text_of(shown)
    again = web.post(f"/orders/{order_id}/disputes/{dispute['dispute_id']}/accept", {"csrf": csrf})
    assert again.status == 409 and "this step is no longer possible" in again.text

    assert web.post(f"/orders/{order_id}/disputes", form).status == 303  # the line is free again
    second = next(
        d for d in api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"]
        if d["status"] == "awaiting_seller"
    )  # fmt: skip
    escalated = web.post(f"/orders/{order_id}/disputes/{second['dispute_id']}/escalate", {"csrf": csrf})
    assert escalated.status == 303
    assert "Bazaar is deciding" in web.get(escalated.location).text
    operator_view = api.get("/v1/admin/disputes?status=escalated", token=factory.operator).json["items"]
    assert second["dispute_id"] in {d["dispute_id"] for d in operator_view}


def test_checkout_shows_the_points_balance_and_redeems_them_within_a_quarter_of_the_goods(web, api, factory, stack):
    from tests.support import PASSWORD

    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=50, price={"amount": 10000, "currency": "CNY"})
    email = buyer_session(web, factory)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    buyer_id = api.get("/v1/me", token=token).json["user_id"]
    add_to_cart(web, product, 1)
    assert "Points to use" not in web.get("/checkout").text  # no points, no field
    points.grant(stack.trust, stack.ledger, buyer_id, 4000, "cmp_web_test", now=stack.clock())
    page = web.get("/checkout")
    assert "You have 4,000 points." in page.text and "at most 2,500 here" in page.text

    too_many = place_order_raw(web, points_to_redeem="2600")
    assert too_many.status == 409 and "more points than this order accepts" in too_many.text
    form = checkout_form(web, points_to_redeem="2500")
    with CallRecorder() as rec:
        placed = web.post("/checkout", form)
    assert placed.status == 303, placed
    assert rec.totals().calls == 3  # the checkout's 2 and the ledger's read of the balance
    order_id = re.search(r"orders=(ord_\w+)", placed.location).group(1)
    order = web.get(f"/orders/{order_id}")
    assert "Points used" in order.text and "2,500" in order.text and "¥75.00" in text_of(order)
    assert api.get("/v1/me/points", token=token).json["balance"] == 1500
    assert api.get(f"/v1/orders/{order_id}", token=token).json["amount_due"] == {"amount": 7500, "currency": "CNY"}


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def checkout_form(web, **overrides) -> dict:
    from tests.web.helpers import ADDRESS

    page = web.get("/checkout")
    return {**ADDRESS, **overrides, "csrf": page.hidden("csrf"), "idempotency_key": page.hidden("idempotency_key")}


def place_order_raw(web, **overrides):
    return web.post("/checkout", checkout_form(web, **overrides))


def _upload_page(web, order_id: str, csrf: str, have: str = ""):
    return web.post(
        f"/orders/{order_id}/evidence", {"csrf": csrf, "evidence": have}, headers={"Host": "127.0.0.1:8000"}
    )


def _fields(page) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))


def test_a_buyer_adds_photos_to_a_dispute_straight_to_s3_and_only_the_parties_see_them(web, api, factory, stack):
    from html import unescape
    from urllib.parse import urlsplit

    from tests.support import png_bytes

    seller, shop, product, order_id = _delivered(web, api, factory)
    page = web.get(f"/orders/{order_id}")
    csrf = page.hidden("csrf")
    upload = _upload_page(web, order_id, csrf)
    assert upload.status == 200, upload
    action = unescape(re.search(r'<form method="post" action="([^"]+)" enctype="multipart/form-data"', upload.text)[1])
    fields = {k: unescape(v) for k, v in _fields(upload).items()}
    target = urlsplit(action)
    assert f"form-action 'self' {target.scheme}://{target.netloc}" in upload.headers["content-security-policy"]
    back = urlsplit(fields["success_action_redirect"])
    assert back.netloc == "127.0.0.1:8000" and back.path.startswith(f"/orders/{order_id}/evidence/evd_")

    # what the browser's form post does: S3 stores the file under the signed key, then redirects back
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=fields["key"], Body=png_bytes())
    done = web.get(f"{back.path}?{back.query}")
    assert done.status == 303, done
    shown = web.get(done.location)
    media_id = back.path.split("/")[4]
    assert "1 photo(s) will go with the dispute." in shown.text and f'value="{media_id}"' in shown.text

    # a second file that is no picture: refused, the first one stays on the form
    second = _upload_page(web, order_id, shown.hidden("csrf"), have=media_id)
    fields2 = {k: unescape(v) for k, v in _fields(second).items()}
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=fields2["key"], Body=b"not a picture at all")
    back2 = urlsplit(fields2["success_action_redirect"])
    refused = web.get(f"{back2.path}?{back2.query}")
    assert refused.status == 422 and "That file could not be used" in refused.text
    assert f'value="{media_id}"' in refused.text

    line_id = re.search(r'name="dispute-qty-([^"]+)"', shown.text).group(1)
    form = {"csrf": csrf, f"dispute-qty-{line_id}": "1", "reason": "damaged", "description": "Cracked",
            "evidence": media_id}  # fmt: skip
    assert web.post(f"/orders/{order_id}/disputes", form).status == 303
    (dispute,) = api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"]
    assert [p["media_id"] for p in dispute["evidence"]] == [media_id] and dispute["evidence"][0]["url"]
    stranger = factory.user("seller")
    assert api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=stranger).status in (403, 404)

    # someone else's picture id on the form is refused
    other_email = buyer_session(web, factory)
    assert other_email
    assert web.get(f"/orders/{order_id}").status == 404  # not their order either


def test_an_operator_decides_an_escalated_dispute_on_the_dispute_desk(web, api, factory, stack):
    from tests.support import PASSWORD, random_email

    seller, shop, product, order_id = _delivered(web, api, factory)
    page = web.get(f"/orders/{order_id}")
    line_id = re.search(r'name="dispute-qty-([^"]+)"', page.text).group(1)
    form = {"csrf": page.hidden("csrf"), f"dispute-qty-{line_id}": "1", "reason": "damaged", "description": "Cracked"}
    assert web.post(f"/orders/{order_id}/disputes", form).status == 303
    (dispute,) = api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"]
    assert web.post(f"/orders/{order_id}/disputes/{dispute['dispute_id']}/escalate", form).status == 303

    assert web.get("/admin/disputes").status == 403  # a buyer is no operator
    operator_email = random_email("operator")
    stack.identity.register(operator_email, PASSWORD, "operator")
    web.sign_in(operator_email, PASSWORD)
    desk = web.get("/admin/disputes")
    assert desk.status == 200 and "Disputes to decide" in desk.text
    assert dispute["dispute_id"] in desk.text and "Cracked" in desk.text and "Bazaar is deciding" in desk.text
    action = f"/admin/disputes/{dispute['dispute_id']}/decide"
    csrf = desk.hidden("csrf")
    too_much = web.post(action, {"csrf": csrf, "refund_amount": "999", "funded_by": "platform", "note": "Damaged"})
    assert too_much.status == 400 and "Enter an amount between 0 and" in too_much.text
    assert 'value="999"' in too_much.text  # the operator's input is kept
    no_note = web.post(action, {"csrf": csrf, "refund_amount": "12.50", "funded_by": "platform", "note": " "})
    assert no_note.status == 400 and "Give a reason" in no_note.text
    assert api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"][0]["status"] == "escalated"

    decided = web.post(action, {"csrf": csrf, "refund_amount": "12.50", "funded_by": "platform", "note": "Transit"})
    assert decided.status == 303, decided
    assert "The dispute is decided." in web.get(decided.location).text
    (seen,) = api.get(f"/v1/shops/{shop['shop_id']}/disputes", token=seller).json["items"]
    assert seen["status"] == "decided"
    assert seen["decision"] | {"at": None} == {
        "refund_amount": 1250, "funded_by": "platform", "note": "Transit", "at": None
    }  # fmt: skip
    assert seen["refund"]["amount"] == 1250 and seen["refund"]["funded_by"] == "platform"
    again = web.post(action, {"csrf": csrf, "refund_amount": "1", "funded_by": "seller", "note": "Twice"})
    assert again.status == 409 and "this step is no longer possible" in again.text
    decided_list = web.get("/admin/disputes?status=decided")
    assert dispute["dispute_id"] in decided_list.text and 'action="' + action not in decided_list.text
    assert web.get("/admin/disputes?status=open").status == 400


def test_the_dispute_desk_reads_amounts_in_the_currencys_major_unit():
    from chalicelib.web.trust import parse_amount

    assert parse_amount("12.5", "CNY") == 1250
    assert parse_amount("12,50", "RUB") == 1250
    assert parse_amount("0", "CNY") == 0
    assert parse_amount("7", "CNY") == 700
    for bad in ("", "-1", "1.234", "1e3", "abc", "1.2.3", "9" * 20):
        assert parse_amount(bad, "CNY") is None, bad
