"""Buy together in the browser (issue 19): a b2b product page shows its open groups and starts one; the group
page shows the progress toward the target and the next tier, a countdown, join and withdraw, share links built
server-side and Open Graph / Twitter card tags; a new buyer registering from a shared link is referred."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from bench.counting import CallRecorder
from tests.web.helpers import ADDRESS, buyer_session

GROUP_PAGES = {
    "GET /groups/{group_id}",
    "POST /groups/{group_id}/join",
    "POST /groups/{group_id}/withdraw",
    "POST /groups",
}


def _b2b_product(factory, stock: int = 100) -> tuple[str, dict]:
    seller = factory.user("seller")
    shop = factory.shop(seller, "b2b")
    return seller, factory.product(seller, shop, stock=stock)


def _meta(page, prop: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', page.text)
    return found.group(1) if found else None


def test_a_buyer_starts_a_group_from_a_b2b_product_page_others_join_and_one_withdraws(web, factory):
    _, product = _b2b_product(factory)
    product_path = f"/s/b2b/p/{product['product_id']}"
    buyer_session(web, factory)
    page = web.get(product_path)
    assert page.status == 200 and "Buy together" in page.text and "No open group yet" in page.text
    assert _meta(page, "og:title") == product["title"]
    assert _meta(page, "product:price:currency") == "CNY" and _meta(page, "product:price:amount") == "120.00"
    started = web.post(
        "/groups",
        {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "target": "50", "deadline_days": "3"},
    )
    assert started.status == 303, started
    group_path = started.location
    group = web.get(group_path)
    assert group.status == 200 and 'max="50"' in group.text and 'value="0"' in group.text
    assert "Closes in 2 d 23 h" in group.text or "Closes in 3 d 0 h" in group.text
    assert _meta(group, "og:url").endswith(group_path) and _meta(group, "twitter:card") == "summary"
    vk = re.search(r'href="(https://vk\.com/share\.php\?[^"]+)"', group.text).group(1)
    telegram = re.search(r'href="(https://t\.me/share/url\?[^"]+)"', group.text).group(1)
    shared = parse_qs(urlparse(telegram.replace("&amp;", "&")).query)["url"][0]
    assert shared.endswith(group_path + shared[shared.index("?") :]) and "ref=" in shared  # carries the code
    assert "ref=" in parse_qs(urlparse(vk.replace("&amp;", "&")).query)["url"][0]
    assert "<script" not in group.text  # no third-party script

    form = {**ADDRESS, "csrf": group.hidden("csrf"), "idempotency_key": group.hidden("idempotency_key")}
    joined = web.post(f"{group_path}/join", {**form, "quantity": "20", "payment_method": "bank_transfer"})
    assert joined.status == 303, joined
    after = web.get(joined.location)
    assert "You joined the group." in after.text and "You committed 20 carton." in after.text
    assert 'value="20"' in after.text and "30 carton more for" in after.text
    again = {**form, "idempotency_key": "web-again", "quantity": "10", "payment_method": "bank_transfer"}
    refused = web.post(f"{group_path}/join", again)
    assert refused.status == 409 and "withdraw first" in refused.text  # already in it

    assert group_path in web.get("/orders").text  # "your group buys" above your orders
    withdrawn = web.post(f"{group_path}/withdraw", {"csrf": after.hidden("csrf")})
    assert withdrawn.status == 303
    assert "You withdrew from the group." in web.get(withdrawn.location).text
    listed = web.get(product_path)
    assert group_path in listed.text and "Open groups" in listed.text


def test_a_group_order_is_marked_on_the_order_page(web, factory, api):
    from tests.api.group_buys.support import commitment

    _, product = _b2b_product(factory)
    buyer_session(web, factory)
    page = web.get(f"/s/b2b/p/{product['product_id']}")
    form = {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "target": "10", "deadline_days": "2"}
    group_path = web.post("/groups", form).location
    other = factory.user("buyer")
    reply = api.post(
        f"/v1{group_path.replace('/groups', '/group-buys')}/commitments",
        commitment(5),
        token=other,
        headers={"Idempotency-Key": "k1"},
    )
    assert reply.status == 201
    group = web.get(group_path)
    join = {**ADDRESS, "csrf": group.hidden("csrf"), "idempotency_key": group.hidden("idempotency_key")}
    assert web.post(f"{group_path}/join", {**join, "quantity": "5", "payment_method": "card"}).status == 303
    closed = web.get(group_path)
    assert "Closed: orders placed" in closed.text
    order_link = re.search(r'href="(/orders/ord_g\w+)"', closed.text).group(1)
    order = web.get(order_link)
    assert order.status == 200 and "Ordered together in a group buy" in order.text and group_path in order.text


def test_a_suspended_shops_group_page_refuses_to_join_and_then_shows_why_it_failed(web, factory, api, stack):
    from tests.api.group_buys.support import commitment, later, settle_groups

    seller, product = _b2b_product(factory)
    buyer_session(web, factory)
    page = web.get(f"/s/b2b/p/{product['product_id']}")
    form = {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "target": "50", "deadline_days": "1"}
    group_path = web.post("/groups", form).location
    other = factory.user("buyer")
    api_path = f"/v1{group_path.replace('/groups', '/group-buys')}/commitments"
    assert api.post(api_path, commitment(20), token=other, headers={"Idempotency-Key": "k1"}).status == 201
    assert api.post(f"/v1/admin/shops/{product['shop_id']}/suspend", token=factory.operator).status == 200

    group = web.get(group_path)
    join = {**ADDRESS, "csrf": group.hidden("csrf"), "idempotency_key": group.hidden("idempotency_key")}
    refused = web.post(f"{group_path}/join", {**join, "quantity": "5", "payment_method": "card"})
    assert refused.status == 409 and "The shop is suspended" in refused.text
    real_clock, stack.clock = stack.clock, lambda: later(days=1, minutes=1)
    try:
        assert settle_groups()["failed"] == 1
        failed = web.get(group_path)
        assert "Did not close" in failed.text and "The shop was suspended" in failed.text
    finally:
        stack.clock = real_clock


def test_a_new_buyer_registers_from_a_shared_group_link_with_its_referral_code(web, factory, api, stack):
    _, product = _b2b_product(factory)
    sharer = factory.user("buyer")
    made = api.post(
        "/v1/group-buys", {"product_id": product["product_id"], "deadline": "2099-01-01T00:00:00Z"}, token=sharer
    )
    assert made.status == 400  # too far away: the form offers 1 to 14 days
    from tests.api.group_buys.support import later

    made = api.post("/v1/group-buys", {"product_id": product["product_id"], "deadline": later(days=2)}, token=sharer)
    link = api.get(f"/v1/group-buys/{made.json['group_id']}", token=sharer).json["share_url"]
    code = parse_qs(urlparse(link).query)["ref"][0]
    landing = web.get(urlparse(link).path + "?ref=" + code)
    assert landing.status == 200 and "Sign in to join" in landing.text
    register_link = re.search(r'href="(/register\?[^"]+)"', landing.text).group(1).replace("&amp;", "&")
    assert f"ref={code}" in register_link
    form_page = web.get(register_link)
    assert form_page.hidden("ref") == code
    with CallRecorder() as rec:
        reply = web.post(
            "/register",
            {"csrf": form_page.hidden("csrf"), "email": "newcomer@example.com", "password": "Bazaar-test-1",
             "next": form_page.hidden("next"), "ref": code},
        )  # fmt: skip
    assert reply.status == 303 and rec.totals().calls == 1  # the referral's PutItem
    from chalicelib.services.referrals import referrer

    me = api.get("/v1/me", token=sharer).json["user_id"]
    newcomer = api.post("/v1/auth/login", {"email": "newcomer@example.com", "password": "Bazaar-test-1"}).json
    newcomer_id = api.get("/v1/me", token=newcomer["access_token"]).json["user_id"]
    assert referrer(stack.buying, newcomer_id) == me


def test_group_pages_stay_within_their_dynamodb_budgets(web, factory):
    from app import app
    from chalicelib.web.routing import declared_pages

    budgets = {spec.key: spec.budget.calls for spec in declared_pages(app)}
    assert set(budgets) >= GROUP_PAGES
    _, product = _b2b_product(factory)
    buyer_session(web, factory)
    measured: dict[str, int] = {}

    def measure(route: str, request, status: int):
        with CallRecorder() as rec:
            reply = request()
        assert reply.status == status, (route, reply)
        assert "Scan" not in rec.totals().operations
        measured[route] = max(measured.get(route, 0), rec.totals().calls)
        return reply

    page = web.get(f"/s/b2b/p/{product['product_id']}")
    form = {"csrf": page.hidden("csrf"), "product_id": product["product_id"], "target": "10", "deadline_days": "2"}
    started = measure("POST /groups", lambda: web.post("/groups", form), 303)
    group = measure("GET /groups/{group_id}", lambda: web.get(started.location), 200)
    join = {**ADDRESS, "csrf": group.hidden("csrf"), "idempotency_key": group.hidden("idempotency_key")}
    joined = measure(
        "POST /groups/{group_id}/join",
        lambda: web.post(f"{started.location}/join", {**join, "quantity": "5", "payment_method": "card"}),
        303,
    )
    token = web.get(joined.location).hidden("csrf")
    measure("POST /groups/{group_id}/withdraw", lambda: web.post(f"{started.location}/withdraw", {"csrf": token}), 303)
    assert set(measured) == GROUP_PAGES
    assert {route: calls for route, calls in measured.items() if calls > budgets[route]} == {}
