"""Shops: a seller opens one (pending), an operator approves or suspends it, the public sees only active ones.

A shop is a tenant: only its owner edits it, `GET /v1/me/shops` lists only the caller's, and a suspended
shop's products leave the storefronts until it is approved again.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support import REGION, assert_api_error, error_fields, settle

# --- helpers ----------------------------------------------------------------------------------------


def shop_body(name: str | None = None, storefront: str = "handicrafts", **overrides) -> dict:
    body = {
        "name": f"Kashgar Looms {uuid.uuid4().hex[:6]}" if name is None else name,
        "storefront": storefront,
        "description": "Hand-woven atlas silk from the old town.",
        "region": dict(REGION),
    }
    body.update(overrides)
    return body


def open_shop(api, token: str, **kw):
    return api.post("/v1/shops", shop_body(**kw), token=token)


def user_id(api, token: str) -> str:
    return api.get("/v1/me", token=token).json["user_id"]


def ids(items: list[dict], key: str = "shop_id") -> list[str]:
    return [item[key] for item in items]


def all_pages(api, path: str, token: str | None = None, limit: int = 2) -> list[dict]:
    """Follows next_cursor to the end; fails on a repeated cursor so a loop cannot hang."""
    items, cursor, seen = [], None, set()
    sep = "&" if "?" in path else "?"
    while True:
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(url, token=token)
        assert reply.status == 200, reply
        assert len(reply.json["items"]) <= limit
        items += reply.json["items"]
        cursor = reply.json["next_cursor"]
        if cursor is None:
            return items
        assert cursor not in seen, "the same cursor came back twice"
        seen.add(cursor)


def storefront_product_ids(api, storefront: str) -> set[str]:
    return {p["product_id"] for p in all_pages(api, f"/v1/storefronts/{storefront}/products", limit=100)}


def storefront_shop_ids(api, storefront: str) -> set[str]:
    return set(ids(all_pages(api, f"/v1/storefronts/{storefront}/shops", limit=100)))


def approve(api, operator: str, shop_id: str):
    return api.post(f"/v1/admin/shops/{shop_id}/approve", token=operator)


def suspend(api, operator: str, shop_id: str):
    return api.post(f"/v1/admin/shops/{shop_id}/suspend", token=operator)


# --- opening a shop ---------------------------------------------------------------------------------


def test_a_seller_opens_a_shop_and_it_starts_pending(api, factory):
    seller = factory.user("seller")
    body = shop_body("Kashgar Looms")
    reply = api.post("/v1/shops", body, token=seller)
    assert reply.status == 201, reply
    shop = reply.json
    assert shop["shop_id"]
    assert shop["status"] == "pending"
    assert shop["slug"] == "kashgar-looms"
    assert shop["name"] == "Kashgar Looms"
    assert shop["storefront"] == "handicrafts"
    assert shop["region"] == REGION
    assert shop["description"] == body["description"]
    assert shop["owner_id"] == user_id(api, seller)


def test_each_shop_gets_its_own_id(api, factory):
    seller = factory.user("seller")
    first, second = open_shop(api, seller).json, open_shop(api, seller).json
    assert first["shop_id"] != second["shop_id"]


def test_a_shop_name_clashing_with_another_in_the_same_storefront_is_a_conflict(api, factory):
    first, second = factory.user("seller"), factory.user("seller")
    assert open_shop(api, first, name="Silk Road Crafts").status == 201
    reply = open_shop(api, second, name="Silk Road Crafts")
    assert_api_error(reply, 409)
    assert all_pages(api, "/v1/me/shops", token=second) == []  # nothing was half-created


def test_names_that_make_the_same_slug_clash_too(api, factory):
    seller = factory.user("seller")
    assert open_shop(api, seller, name="Silk Road Crafts").status == 201
    assert_api_error(open_shop(api, seller, name="  silk road  CRAFTS! "), 409)


def test_the_same_name_is_free_in_another_storefront(api, factory):
    seller = factory.user("seller")
    first = open_shop(api, seller, name="Hotan Orchards", storefront="specialties")
    second = open_shop(api, seller, name="Hotan Orchards", storefront="b2b")
    assert first.status == 201 and second.status == 201, (first, second)
    assert first.json["slug"] == second.json["slug"]
    assert first.json["shop_id"] != second.json["shop_id"]


def test_a_slug_stays_taken_while_its_shop_is_pending_or_suspended(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    shop = open_shop(api, seller, name="Turpan Raisins").json
    assert_api_error(open_shop(api, factory.user("seller"), name="Turpan Raisins"), 409)
    assert suspend(api, operator, shop["shop_id"]).status == 200
    assert_api_error(open_shop(api, factory.user("seller"), name="Turpan Raisins"), 409)


@pytest.mark.parametrize("role", ["buyer", "operator"])
def test_only_sellers_open_shops(api, factory, role):
    token = factory.user(role)
    assert_api_error(open_shop(api, token), 403)


def test_opening_a_shop_needs_a_signed_in_caller(api):
    assert_api_error(api.post("/v1/shops", shop_body()), 401)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"storefront": "bazaar"}, "storefront"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"region": {"province": "Xinjiang", "prefecture": "Kashgar"}}, "region.county"),
        ({"region": {**REGION, "county": ""}}, "region.county"),
        ({"status": "active"}, "status"),
        ({"owner_id": "someone-else"}, "owner_id"),
    ],
)
def test_an_invalid_shop_is_rejected_and_nothing_is_created(api, factory, overrides, field):
    seller = factory.user("seller")
    reply = api.post("/v1/shops", shop_body(**overrides), token=seller)
    assert_api_error(reply, 400)
    assert field in error_fields(reply)
    assert all_pages(api, "/v1/me/shops", token=seller) == []


def test_a_seller_cannot_open_a_shop_that_is_already_active(api, factory):
    seller = factory.user("seller")
    assert_api_error(open_shop(api, seller, status="active"), 400)
    assert all_pages(api, "/v1/me/shops", token=seller) == []


# --- reading a shop ----------------------------------------------------------------------------------


def test_anyone_can_read_an_active_shop_without_its_private_fields(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller)
    for token in (None, factory.user("buyer"), factory.user("seller")):
        reply = api.get(f"/v1/shops/{shop['shop_id']}", token=token)
        assert reply.status == 200, reply
        assert reply.json["status"] == "active"
        assert reply.json["name"] == shop["name"]
        assert "owner_id" not in reply.json


def test_a_pending_shop_is_not_found_for_the_public_and_other_sellers(api, factory):
    shop = factory.shop(factory.user("seller"), approve=False)
    for token in (None, factory.user("buyer"), factory.user("seller")):
        assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}", token=token), 404)


def test_a_pending_shop_is_visible_to_its_owner_and_to_operators(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, approve=False)
    for token in (seller, factory.operator):
        reply = api.get(f"/v1/shops/{shop['shop_id']}", token=token)
        assert reply.status == 200, reply
        assert reply.json["status"] == "pending"
        assert reply.json["owner_id"] == user_id(api, seller)


def test_a_suspended_shop_is_hidden_from_the_public_but_not_from_its_owner(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller)
    assert suspend(api, factory.operator, shop["shop_id"]).status == 200
    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}"), 404)
    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}", token=factory.user("seller")), 404)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=seller).json["status"] == "suspended"


def test_an_unknown_shop_is_not_found(api, factory):
    assert_api_error(api.get("/v1/shops/shp_nope"), 404)
    assert_api_error(api.get("/v1/shops/shp_nope", token=factory.operator), 404)


# --- editing a shop ----------------------------------------------------------------------------------


def test_the_owner_edits_name_description_and_region(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller)
    new_region = {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"}
    reply = api.patch(
        f"/v1/shops/{shop['shop_id']}",
        {"name": "Hotan Silk House", "description": "Now in Hotan.", "region": new_region},
        token=seller,
    )
    assert reply.status == 200, reply
    expected = ("Hotan Silk House", "Now in Hotan.", new_region)
    assert (reply.json["name"], reply.json["description"], reply.json["region"]) == expected
    public = api.get(f"/v1/shops/{shop['shop_id']}").json
    assert (public["name"], public["description"], public["region"]) == expected
    assert public["status"] == "active"


def test_an_owner_can_edit_a_pending_shop(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, approve=False)
    reply = api.patch(f"/v1/shops/{shop['shop_id']}", {"description": "Opening soon"}, token=seller)
    assert reply.status == 200, reply
    assert reply.json["description"] == "Opening soon"
    assert reply.json["status"] == "pending"


def test_a_renamed_shop_is_renamed_on_its_product_pages(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller)
    product = factory.product(seller, shop)
    assert api.patch(f"/v1/shops/{shop['shop_id']}", {"name": "Renamed Looms"}, token=seller).status == 200
    settle(factory.container)  # the products follow the shop in a job
    page = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}")
    assert page.json["shop"]["name"] == "Renamed Looms"


def test_a_seller_cannot_edit_another_sellers_shop(api, factory):
    owner, other = factory.user("seller"), factory.user("seller")
    shop = factory.shop(owner)
    before = api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json
    assert_api_error(api.patch(f"/v1/shops/{shop['shop_id']}", {"name": "Mine now"}, token=other), 403)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json == before


def test_another_sellers_pending_shop_is_not_even_found_when_editing(api, factory):
    owner, other = factory.user("seller"), factory.user("seller")
    shop = factory.shop(owner, approve=False)
    before = api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json
    assert_api_error(api.patch(f"/v1/shops/{shop['shop_id']}", {"name": "Mine now"}, token=other), 404)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json == before


@pytest.mark.parametrize("role", ["buyer", "operator"])
def test_only_the_owner_edits_a_shop_not_buyers_or_operators(api, factory, role):
    owner = factory.user("seller")
    shop = factory.shop(owner)
    before = api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json
    assert_api_error(api.patch(f"/v1/shops/{shop['shop_id']}", {"name": "Taken over"}, token=factory.user(role)), 403)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json == before


def test_editing_a_shop_needs_a_signed_in_caller(api, factory):
    shop = factory.shop(factory.user("seller"))
    assert_api_error(api.patch(f"/v1/shops/{shop['shop_id']}", {"name": "Anonymous"}), 401)


@pytest.mark.parametrize(
    "body",
    [{"status": "active"}, {"owner_id": "x"}, {"storefront": "b2b"}, {"slug": "new-slug"}, {"shop_id": "shp_other"}],
)
def test_an_owner_cannot_patch_status_ownership_storefront_or_identity(api, factory, body):
    seller = factory.user("seller")
    shop = factory.shop(seller, approve=False)
    before = api.get(f"/v1/shops/{shop['shop_id']}", token=seller).json
    reply = api.patch(f"/v1/shops/{shop['shop_id']}", body, token=seller)
    assert_api_error(reply, 400)
    assert set(body) <= error_fields(reply)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=seller).json == before


def test_editing_an_unknown_shop_is_not_found(api, factory):
    assert_api_error(api.patch("/v1/shops/shp_nope", {"name": "x"}, token=factory.user("seller")), 404)


# --- my shops ------------------------------------------------------------------------------------------


def test_my_shops_lists_only_the_callers_shops_in_every_status(api, factory):
    seller, other = factory.user("seller"), factory.user("seller")
    pending = factory.shop(seller, approve=False)
    active = factory.shop(seller, "b2b")
    suspended = factory.shop(seller, "specialties")
    assert suspend(api, factory.operator, suspended["shop_id"]).status == 200
    factory.shop(other)
    factory.shop(other, approve=False)
    mine = all_pages(api, "/v1/me/shops", token=seller, limit=100)
    assert sorted(ids(mine)) == sorted([pending["shop_id"], active["shop_id"], suspended["shop_id"]])
    assert {s["shop_id"]: s["status"] for s in mine} == {
        pending["shop_id"]: "pending",
        active["shop_id"]: "active",
        suspended["shop_id"]: "suspended",
    }
    assert all(s["owner_id"] == user_id(api, seller) for s in mine)


def test_a_new_seller_has_no_shops(api, factory):
    reply = api.get("/v1/me/shops", token=factory.user("seller"))
    assert reply.status == 200
    assert reply.json == {"items": [], "next_cursor": None}


def test_my_shops_is_paginated_without_gaps_or_repeats(api, factory):
    seller = factory.user("seller")
    created = [open_shop(api, seller).json["shop_id"] for _ in range(5)]
    first = api.get("/v1/me/shops?limit=2", token=seller).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    pages = all_pages(api, "/v1/me/shops", token=seller, limit=2)
    assert sorted(ids(pages)) == sorted(created)
    assert len(ids(pages)) == len(set(ids(pages)))


@pytest.mark.parametrize("limit", ["0", "101"])
def test_my_shops_limit_must_be_1_to_100(api, factory, limit):
    reply = api.get(f"/v1/me/shops?limit={limit}", token=factory.user("seller"))
    assert_api_error(reply, 400)
    assert "limit" in error_fields(reply)


def test_a_tampered_my_shops_cursor_is_rejected(api, factory):
    seller = factory.user("seller")
    for _ in range(3):
        open_shop(api, seller)
    cursor = api.get("/v1/me/shops?limit=1", token=seller).json["next_cursor"]
    body, signature = cursor.split(".")
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    for tampered in (f"{flipped}.{signature}", f"{body}.{signature[:-1]}x", cursor[:-2], cursor + "x"):
        assert_api_error(api.get(f"/v1/me/shops?limit=1&cursor={tampered}", token=seller), 400)


def test_a_cursor_from_another_sellers_list_is_rejected(api, factory):
    """A cursor only continues the listing it came from: it cannot be replayed against another tenant's."""
    owner, other = factory.user("seller"), factory.user("seller")
    for _ in range(3):
        open_shop(api, owner)
    cursor = api.get("/v1/me/shops?limit=1", token=owner).json["next_cursor"]
    assert cursor
    assert_api_error(api.get(f"/v1/me/shops?limit=1&cursor={cursor}", token=other), 400)


@pytest.mark.parametrize("role", ["buyer", "operator"])
def test_my_shops_is_for_sellers(api, factory, role):
    assert_api_error(api.get("/v1/me/shops", token=factory.user(role)), 403)


def test_my_shops_needs_a_signed_in_caller(api):
    assert_api_error(api.get("/v1/me/shops"), 401)


# --- moderation ------------------------------------------------------------------------------------


def test_the_moderation_queue_lists_pending_shops_only(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    pending = [factory.shop(seller, sf, approve=False)["shop_id"] for sf in ("b2b", "handicrafts", "specialties")]
    active = factory.shop(seller)["shop_id"]
    queue = all_pages(api, "/v1/admin/shops?status=pending", token=operator)
    assert sorted(ids(queue)) == sorted(pending)
    assert active not in ids(queue)
    assert all(s["status"] == "pending" for s in queue)


def test_the_moderation_queue_defaults_to_pending(api, factory):
    shop = factory.shop(factory.user("seller"), approve=False)
    reply = api.get("/v1/admin/shops", token=factory.operator)
    assert ids(reply.json["items"]) == [shop["shop_id"]]


def test_operators_can_list_shops_by_any_status(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    active = factory.shop(seller)["shop_id"]
    suspended = factory.shop(seller, "b2b")["shop_id"]
    assert suspend(api, operator, suspended).status == 200
    assert ids(all_pages(api, "/v1/admin/shops?status=active", token=operator)) == [active]
    assert ids(all_pages(api, "/v1/admin/shops?status=suspended", token=operator)) == [suspended]


def test_an_unknown_status_filter_is_a_400(api, factory):
    reply = api.get("/v1/admin/shops?status=closed", token=factory.operator)
    assert_api_error(reply, 400)
    assert "status" in error_fields(reply)


def test_an_operator_approves_a_pending_shop_and_it_leaves_the_queue(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    shop = factory.shop(seller, approve=False)
    reply = approve(api, operator, shop["shop_id"])
    assert reply.status == 200, reply
    assert reply.json["status"] == "active"
    assert api.get(f"/v1/shops/{shop['shop_id']}").json["status"] == "active"
    assert shop["shop_id"] not in ids(all_pages(api, "/v1/admin/shops?status=pending", token=operator))


def test_an_operator_suspends_an_active_shop_and_can_approve_it_again(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    shop = factory.shop(seller)
    reply = suspend(api, operator, shop["shop_id"])
    assert reply.status == 200, reply
    assert reply.json["status"] == "suspended"
    reply = approve(api, operator, shop["shop_id"])
    assert reply.status == 200, reply
    assert reply.json["status"] == "active"


@pytest.mark.parametrize(
    ("start", "action"),
    [("active", "approve"), ("suspended", "suspend")],
)
def test_repeating_a_moderation_is_allowed_and_runs_the_product_job_again(api, factory, start, action):
    """Issue 9: re-running approve/suspend is always allowed (200, the status stays) and finishes the work: it
    copies the shop onto its products again (here a product left behind by an interrupted job)."""
    seller, operator = factory.user("seller"), factory.operator
    shop = factory.shop(seller)
    product = factory.product(seller, shop)
    if start == "suspended":
        assert suspend(api, operator, shop["shop_id"]).status == 200
        settle(factory.container)
    stack = factory.container
    stored = stack.catalog.get_product(product["product_id"])
    from dataclasses import replace

    wrong = "suspended" if start == "active" else "active"  # as if the last job had stopped before this product
    stack.catalog.save_product(replace(stored, shop={**stored.shop, "status": wrong}), stored.version, start)
    reply = api.post(f"/v1/admin/shops/{shop['shop_id']}/{action}", token=operator)
    assert reply.status == 200, reply
    assert reply.json["status"] == start
    settle(stack)
    listed = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}").status == 200
    assert listed is (start == "active")
    assert stack.catalog.get_product(product["product_id"]).shop["status"] == start


@pytest.mark.parametrize("action", ["approve", "suspend"])
def test_moderating_an_unknown_shop_is_not_found(api, factory, action):
    assert_api_error(api.post(f"/v1/admin/shops/shp_nope/{action}", token=factory.operator), 404)


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_only_operators_moderate(api, factory, role):
    owner = factory.user("seller")
    shop = factory.shop(owner, approve=False)
    caller = owner if role == "seller" else factory.user(role)
    assert_api_error(api.get("/v1/admin/shops", token=caller), 403)
    assert_api_error(approve(api, caller, shop["shop_id"]), 403)
    assert_api_error(suspend(api, caller, shop["shop_id"]), 403)
    assert api.get(f"/v1/shops/{shop['shop_id']}", token=owner).json["status"] == "pending"


def test_a_seller_cannot_approve_their_own_shop(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, approve=False)
    assert_api_error(approve(api, seller, shop["shop_id"]), 403)
    assert shop["shop_id"] in ids(all_pages(api, "/v1/admin/shops?status=pending", token=factory.operator))


def test_moderation_needs_a_signed_in_operator(api, factory):
    shop = factory.shop(factory.user("seller"), approve=False)
    assert_api_error(api.get("/v1/admin/shops"), 401)
    assert_api_error(api.post(f"/v1/admin/shops/{shop['shop_id']}/approve"), 401)


# --- moderation and the storefronts ----------------------------------------------------------------


def test_a_suspended_shops_products_leave_the_storefront_and_return_when_approved_again(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    shop = factory.shop(seller)
    scarf = factory.product(seller, shop, title="Atlas silk scarf")
    teapot = factory.product(seller, shop, title="Copper teapot")
    other_seller = factory.user("seller")
    neighbour = factory.shop(other_seller)
    comb = factory.product(other_seller, neighbour, title="Hand-carved comb")
    mine = {scarf["product_id"], teapot["product_id"]}

    assert storefront_product_ids(api, "handicrafts") == mine | {comb["product_id"]}

    assert suspend(api, operator, shop["shop_id"]).status == 200
    settle(factory.container)  # the products follow the shop in a job
    assert storefront_product_ids(api, "handicrafts") == {comb["product_id"]}
    for product_id in mine:
        assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{product_id}"), 404)
    for query in ("q=silk", "q=teapot", "category=textiles", "prefecture=Kashgar", "sort=price_asc"):
        found = {p["product_id"] for p in api.get(f"/v1/storefronts/handicrafts/products?{query}").json["items"]}
        assert not found & mine, query
    # The owner still sees them, unlisted.
    owned = api.get(f"/v1/shops/{shop['shop_id']}/products", token=seller).json["items"]
    assert {p["product_id"] for p in owned} == mine
    assert not any(p["listed"] for p in owned)

    assert approve(api, operator, shop["shop_id"]).status == 200
    settle(factory.container)
    assert storefront_product_ids(api, "handicrafts") == mine | {comb["product_id"]}
    for product_id in mine:
        assert api.get(f"/v1/storefronts/handicrafts/products/{product_id}").status == 200


def test_a_product_added_while_a_shop_is_suspended_stays_out_until_approval(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    shop = factory.shop(seller)
    assert suspend(api, operator, shop["shop_id"]).status == 200
    product = factory.product(seller, shop)
    assert product["product_id"] not in storefront_product_ids(api, "handicrafts")
    assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}"), 404)
    assert approve(api, operator, shop["shop_id"]).status == 200
    settle(factory.container)
    assert product["product_id"] in storefront_product_ids(api, "handicrafts")


def test_storefront_shops_lists_only_active_shops_of_that_storefront(api, factory):
    seller, operator = factory.user("seller"), factory.operator
    active = factory.shop(seller, "handicrafts")
    factory.shop(seller, "handicrafts", approve=False)
    suspended = factory.shop(seller, "handicrafts")
    assert suspend(api, operator, suspended["shop_id"]).status == 200
    elsewhere = factory.shop(seller, "b2b")
    assert storefront_shop_ids(api, "handicrafts") == {active["shop_id"]}
    assert storefront_shop_ids(api, "b2b") == {elsewhere["shop_id"]}
    assert storefront_shop_ids(api, "specialties") == set()
    listed = api.get("/v1/storefronts/handicrafts/shops").json["items"]
    assert all(s["status"] == "active" and "owner_id" not in s for s in listed)

    assert approve(api, operator, suspended["shop_id"]).status == 200
    assert storefront_shop_ids(api, "handicrafts") == {active["shop_id"], suspended["shop_id"]}


def test_storefront_shops_is_paginated(api, factory):
    seller = factory.user("seller")
    created = {factory.shop(seller)["shop_id"] for _ in range(3)}
    pages = all_pages(api, "/v1/storefronts/handicrafts/shops", limit=2)
    assert set(ids(pages)) == created and len(pages) == 3


def test_shops_of_an_unknown_storefront_are_not_found(api):
    assert_api_error(api.get("/v1/storefronts/bazaar/shops"), 404)
