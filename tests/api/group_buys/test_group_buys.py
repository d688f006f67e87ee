"""Group buys through the API (issue 19): start, commit (idempotent), withdraw, view, close on the target, close
or fail at the deadline by the clock, stock running out; sellers see ordinary orders marked with their group."""

from __future__ import annotations

from chalicelib.events.order_events import handle_records
from tests.api.group_buys.support import later, settle_groups
from tests.support import assert_api_error, drain_order_events, stock_of


def consume(stack) -> None:
    assert handle_records(drain_order_events(stack)) == {"batchItemFailures": []}


def notifications(api, token) -> list[dict]:
    return api.get("/v1/me/notifications?limit=100", token=token).json["items"]


def test_three_buyers_reach_a_higher_tier_together_and_each_gets_an_order_at_its_price(api, stack, groups, factory):
    product = groups.product(stock=100)
    starter, second, third = (factory.user("buyer") for _ in range(3))
    group = groups.start(starter, product, target_quantity=50)
    assert group["status"] == "open" and group["target_quantity"] == 50 and group["committed_quantity"] == 0
    assert f"/groups/{group['group_id']}?ref=" in group["share_url"]  # the starter's link carries their code
    assert group["price_per_unit"] == {"amount": 12000, "currency": "CNY"}
    assert group["next_tier"]["min_quantity"] == 10 and group["tier_reached"] is None

    gid = group["group_id"]
    assert groups.commit(starter, gid, 20).status == 201
    assert groups.commit(second, gid, 15).status == 201
    halfway = groups.view(gid, token=second)
    assert (halfway["committed_quantity"], halfway["participants"]) == (35, 2)
    assert halfway["tier_reached"]["min_quantity"] == 10 and halfway["next_tier"]["min_quantity"] == 50
    assert halfway["my_commitment"]["quantity"] == 15  # their own commitment only
    assert groups.view(gid, token=third)["my_commitment"] is None
    assert groups.view(gid)["my_commitment"] is None

    reply = groups.commit(third, gid, 15)  # 50: the target, and the 100.00 tier
    assert reply.status == 201, reply
    closed = groups.view(gid)
    assert closed["status"] == "closed" and closed["committed_quantity"] == 50
    assert closed["price_per_unit"] == {"amount": 10000, "currency": "CNY"} and closed["seconds_left"] == 0
    assert stock_of(api, groups.seller, product) == 50

    for buyer, quantity in ((starter, 20), (second, 15), (third, 15)):
        orders = api.get("/v1/orders", token=buyer).json["items"]
        assert len(orders) == 1
        order = orders[0]
        assert order["group"] == {"group_id": gid}
        assert order["lines"][0]["quantity"] == quantity
        assert order["lines"][0]["unit_price"] == {"amount": 10000, "currency": "CNY"}
        assert order["total"]["amount"] == 10000 * quantity and order["status"] == "pending_payment"
    seller_orders = api.get(f"/v1/shops/{groups.shop['shop_id']}/orders", token=groups.seller).json["items"]
    assert len(seller_orders) == 3 and all(o["group"] == {"group_id": gid} for o in seller_orders)

    consume(stack)  # each participant and the seller are told
    assert any(n["type"] == "group.closed" and n["group_id"] == gid for n in notifications(api, second))
    assert sum(n["type"] == "order.created" for n in notifications(api, groups.seller)) == 3
    assert_api_error(groups.commit(factory.user("buyer"), gid, 5), 409, "group_not_open")


def test_the_target_defaults_to_the_moq_and_must_be_a_tier(api, groups, factory):
    product = groups.product()
    buyer = factory.user("buyer")
    assert groups.start(buyer, product)["target_quantity"] == 10
    reply = api.post(
        "/v1/group-buys",
        {"product_id": product["product_id"], "target_quantity": 30, "deadline": later(days=2)},
        token=buyer,
    )
    assert_api_error(reply, 400, "invalid_target")
    reply = api.post("/v1/group-buys", {"product_id": product["product_id"], "deadline": later(days=15)}, token=buyer)
    assert_api_error(reply, 400, "invalid_deadline")
    handicraft_seller = factory.user("seller")
    craft = factory.product(handicraft_seller, factory.shop(handicraft_seller))
    reply = api.post("/v1/group-buys", {"product_id": craft["product_id"], "deadline": later(days=2)}, token=buyer)
    assert_api_error(reply, 400, "not_a_b2b_product")
    reply = api.post("/v1/group-buys", {"product_id": "prd_nothing", "deadline": later(days=2)}, token=buyer)
    assert_api_error(reply, 404, "product_not_found")
    reply = api.post("/v1/group-buys", {"product_id": product["product_id"], "deadline": later(days=2)})
    assert_api_error(reply, 401)


def test_a_commitment_is_below_the_moq_but_in_multiples_and_once_per_buyer(groups, factory):
    group = groups.start(factory.user("buyer"), groups.product(), target_quantity=50)
    buyer = factory.user("buyer")
    assert_api_error(groups.commit(buyer, group["group_id"], 7), 400, "invalid_quantity")
    assert groups.commit(buyer, group["group_id"], 5).status == 201
    assert_api_error(groups.commit(buyer, group["group_id"], 5), 409, "already_committed")
    assert_api_error(groups.commit(buyer, "grp_nothing", 5), 404, "group_not_found")


def test_a_replayed_commitment_answers_the_same_and_another_body_with_its_key_is_refused(groups, factory):
    group = groups.start(factory.user("buyer"), groups.product(), target_quantity=50)
    buyer = factory.user("buyer")
    first = groups.commit(buyer, group["group_id"], 10, key="join-1")
    again = groups.commit(buyer, group["group_id"], 10, key="join-1")
    assert (first.status, again.status) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true" and again.json["replayed"] is True
    assert again.json["commitment"] == first.json["commitment"]
    assert groups.view(group["group_id"])["committed_quantity"] == 10  # counted once
    assert_api_error(groups.commit(buyer, group["group_id"], 15, key="join-1"), 422, "idempotency_key_reused")


def test_a_participant_withdraws_before_the_group_closes_and_not_after(api, groups, factory):
    group = groups.start(factory.user("buyer"), groups.product(), target_quantity=50)
    gid = group["group_id"]
    buyer, other = factory.user("buyer"), factory.user("buyer")
    assert groups.commit(buyer, gid, 20).status == 201
    assert_api_error(api.delete(f"/v1/group-buys/{gid}/commitments", token=other), 404, "commitment_not_found")
    assert api.delete(f"/v1/group-buys/{gid}/commitments", token=buyer).status == 204
    view = groups.view(gid, token=buyer)
    assert (view["committed_quantity"], view["participants"], view["my_commitment"]) == (0, 0, None)
    assert groups.commit(buyer, gid, 25).status == 201  # may join again
    assert groups.commit(other, gid, 25).status == 201  # the target: closed
    assert_api_error(api.delete(f"/v1/group-buys/{gid}/commitments", token=buyer), 409, "group_not_open")


def test_at_the_deadline_a_group_above_the_moq_closes_and_one_below_fails(api, stack, groups, factory):
    product = groups.product(stock=100)
    a, b, c = (factory.user("buyer") for _ in range(3))
    above = groups.start(a, product, target_quantity=50, deadline=later(days=2))
    below = groups.start(a, product, deadline=later(days=2))
    assert groups.commit(a, above["group_id"], 10).status == 201
    assert groups.commit(b, above["group_id"], 5).status == 201  # 15: above the MOQ, short of the target
    assert groups.commit(c, below["group_id"], 5).status == 201  # 5: below the MOQ

    assert settle_groups() == {"closed": 0, "failed": 0, "resumed": 0}  # not yet
    stack.clock = lambda: later(days=2, minutes=1)
    assert_api_error(groups.commit(b, below["group_id"], 5), 409, "group_not_open")  # past its deadline
    assert settle_groups() == {"closed": 1, "failed": 1, "resumed": 0}
    assert settle_groups() == {"closed": 0, "failed": 0, "resumed": 0}  # once

    closed, failed = groups.view(above["group_id"]), groups.view(below["group_id"])
    assert closed["status"] == "closed" and closed["price_per_unit"]["amount"] == 12000  # the MOQ tier
    assert failed["status"] == "failed" and failed["failure"] == "below_moq"
    assert [o["total"]["amount"] for o in api.get("/v1/orders", token=b).json["items"]] == [5 * 12000]
    assert api.get("/v1/orders", token=c).json["items"] == []  # nobody is charged
    assert stock_of(api, groups.seller, product) == 85
    consume(stack)  # the group.failed event in the outbox reaches the queue consumer
    told = notifications(api, c)
    assert any(n["type"] == "group.failed" and n["group_id"] == below["group_id"] for n in told)


def test_when_the_stock_cannot_cover_the_group_it_fails_rather_than_oversell(api, stack, groups, factory):
    product = groups.product(stock=40)
    a, b = factory.user("buyer"), factory.user("buyer")
    group = groups.start(a, product, target_quantity=50)
    assert_api_error(groups.commit(a, group["group_id"], 45), 409, "insufficient_stock")  # more than the stock
    assert groups.commit(a, group["group_id"], 20).status == 201
    assert groups.commit(b, group["group_id"], 10).status == 201
    # someone buys most of the stock meanwhile
    seller = groups.seller
    api.patch(
        f"/v1/shops/{product['shop_id']}/products/{product['product_id']}",
        {"stock": 20},
        token=seller,
        headers={
            "If-Match": str(
                api.get(f"/v1/shops/{product['shop_id']}/products/{product['product_id']}", token=seller).json[
                    "version"
                ]
            )
        },
    )
    stack.clock = lambda: later(days=3, minutes=1)
    assert settle_groups()["failed"] == 1
    failed = groups.view(group["group_id"])
    assert (failed["status"], failed["failure"]) == ("failed", "out_of_stock")
    assert stock_of(api, seller, product) == 20
    assert api.get("/v1/orders", token=a).json["items"] == []


def test_the_open_groups_of_a_product_are_listed_soonest_first(api, groups, factory):
    product = groups.product()
    buyer = factory.user("buyer")
    late = groups.start(buyer, product, deadline=later(days=5))
    soon = groups.start(buyer, product, deadline=later(days=1))
    items = api.get(f"/v1/products/{product['product_id']}/group-buys").json["items"]
    assert [g["group_id"] for g in items] == [soon["group_id"], late["group_id"]]


def test_a_group_that_reached_its_target_is_closed_by_the_clock_if_closing_at_once_failed(
    api, stack, groups, factory, monkeypatch
):
    from chalicelib.domain.errors import ServiceUnavailable
    from chalicelib.services import group_buys

    product = groups.product(stock=100)
    group = groups.start(factory.user("buyer"), product, deadline=later(days=5))
    real_close = group_buys.close

    def busy(*args, **kwargs):
        raise ServiceUnavailable("the store is busy")

    monkeypatch.setattr(group_buys, "close", busy)
    assert groups.commit(factory.user("buyer"), group["group_id"], 10).status == 201  # the commitment stands
    assert groups.view(group["group_id"])["status"] == "open"
    monkeypatch.setattr(group_buys, "close", real_close)
    assert settle_groups() == {"closed": 1, "failed": 0, "resumed": 0}  # not at day 5
    assert groups.view(group["group_id"])["status"] == "closed"
    assert stock_of(api, groups.seller, product) == 90


def test_a_group_whose_product_is_no_longer_sold_fails_at_its_deadline(api, stack, groups, factory):
    product = groups.product(stock=100)
    a = factory.user("buyer")
    group = groups.start(a, product, target_quantity=50)
    assert groups.commit(a, group["group_id"], 20).status == 201
    path = f"/v1/shops/{product['shop_id']}/products/{product['product_id']}"
    version = api.get(path, token=groups.seller).json["version"]
    reply = api.patch(path, {"status": "draft"}, token=groups.seller, headers={"If-Match": str(version)})
    assert reply.status == 200, reply  # taken off sale
    stack.clock = lambda: later(days=3, minutes=1)
    assert settle_groups()["failed"] == 1
    failed = groups.view(group["group_id"])
    assert (failed["status"], failed["failure"]) == ("failed", "product_unavailable")
    assert api.get("/v1/orders", token=a).json["items"] == [] and stock_of(api, groups.seller, product) == 100


def test_a_buyer_lists_their_own_commitments_newest_first_and_a_withdrawn_one_is_gone(api, groups, factory):
    product = groups.product()
    buyer, other = factory.user("buyer"), factory.user("buyer")
    first = groups.start(buyer, product, target_quantity=50)
    second = groups.start(buyer, product, target_quantity=50)
    assert groups.commit(buyer, first["group_id"], 10).status == 201
    assert groups.commit(buyer, second["group_id"], 15).status == 201
    assert groups.commit(other, first["group_id"], 5).status == 201
    mine = api.get("/v1/me/group-buys", token=buyer).json["items"]
    assert [(c["group_id"], c["quantity"]) for c in mine] == [(second["group_id"], 15), (first["group_id"], 10)]
    assert api.delete(f"/v1/group-buys/{second['group_id']}/commitments", token=buyer).status == 204
    assert [c["group_id"] for c in api.get("/v1/me/group-buys", token=buyer).json["items"]] == [first["group_id"]]
    assert [c["quantity"] for c in api.get("/v1/me/group-buys", token=other).json["items"]] == [5]
