"""Sharing that brings buyers (issue 19): a signed-in buyer's share link carries their referral code; the first
completed (delivered and paid) order of a new buyer who registered through it earns the sharer referral points in
the ledger, once per new buyer, reversed when that order is returned."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from chalicelib.domain.ledger import Account
from chalicelib.domain.referrals import REFERRAL_POINTS
from chalicelib.events.order_events import handle_records
from tests.support import PASSWORD, assert_api_error, buy, drain_order_events, random_email

SHIP = {"carrier": "SF Express", "tracking_number": "SF777"}


def consume(stack) -> list[dict]:
    records = drain_order_events(stack)
    assert handle_records(records) == {"batchItemFailures": []}
    return records


def register(api, referral_code: str | None = None, role: str = "buyer") -> str:
    email = random_email(role)
    body = {"email": email, "password": PASSWORD, "role": role}
    if referral_code is not None:
        body["referral_code"] = referral_code
    assert api.post("/v1/auth/register", body).status == 201
    return api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]


def delivered_and_paid(api, seller: str, shop: dict, order: dict) -> dict:
    for action in ("mark-paid", "ship", "deliver"):
        reply = api.post(
            f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}/{action}",
            SHIP if action == "ship" else None,
            token=seller,
        )
        assert reply.status == 200, reply
    return reply.json


def points(stack, user_id: str) -> int:
    return stack.ledger.balance(Account.points(user_id), "PTS").amount


def test_a_new_buyers_first_completed_order_earns_the_sharer_points_once_reversed_on_return(
    api, stack, groups, factory
):
    sharer = factory.user("buyer")
    sharer_id = api.get("/v1/me", token=sharer).json["user_id"]
    group = groups.start(sharer, groups.product())
    link = groups.view(group["group_id"], token=sharer)["share_url"]
    code = parse_qs(urlparse(link).query)["ref"][0]
    assert "ref=" not in groups.view(group["group_id"])["share_url"]  # anonymous viewers share no code

    newcomer = register(api, referral_code=code)
    seller = factory.user("seller")
    shop = factory.shop(seller)
    product = factory.product(seller, shop, stock=50)
    first = buy(api, newcomer, {product["product_id"]: 1}, payment="bank_transfer")[0]
    consume(stack)
    assert points(stack, sharer_id) == 0  # placing an order earns nothing

    delivered_and_paid(api, seller, shop, first)
    records = consume(stack)
    assert points(stack, sharer_id) == REFERRAL_POINTS
    assert handle_records(records) == {"batchItemFailures": []}  # redelivered: still once
    assert points(stack, sharer_id) == REFERRAL_POINTS
    # through issue 13's points programme: the sharer's points page shows it, and it is a lot that expires FIFO
    mine = api.get("/v1/me/points", token=sharer).json
    assert mine["balance"] == REFERRAL_POINTS
    assert [(e["kind"], e["points"], e["order_id"]) for e in mine["items"]] == [
        ("referral.earned", REFERRAL_POINTS, first["order_id"])
    ]
    assert stack.trust.points_credited(sharer_id) == REFERRAL_POINTS  # its lot, in the user's FIFO line

    second = buy(api, newcomer, {product["product_id"]: 1}, payment="bank_transfer")[0]
    delivered_and_paid(api, seller, shop, second)
    consume(stack)
    assert points(stack, sharer_id) == REFERRAL_POINTS  # once per new buyer

    line = first["lines"][0]["line_id"]
    ret = api.post(
        f"/v1/orders/{first['order_id']}/returns", {"lines": [{"line_id": line, "quantity": 1}]}, token=newcomer
    )
    assert ret.status == 201, ret
    received = api.post(f"/v1/shops/{shop['shop_id']}/returns/{ret.json['return_id']}/receive", token=seller)
    assert received.status == 200, received
    records = consume(stack)
    assert points(stack, sharer_id) == 0  # that order was returned: reversed
    history = api.get("/v1/me/points", token=sharer).json["items"]
    assert [(e["kind"], e["points"]) for e in history][0] == ("referral.reversed", -REFERRAL_POINTS)
    assert handle_records(records) == {"batchItemFailures": []}
    assert points(stack, sharer_id) == 0


def test_a_buyer_registered_without_a_code_earns_nobody_points_and_a_bad_code_is_refused(api, stack, factory):
    sharer = factory.user("buyer")
    sharer_id = api.get("/v1/me", token=sharer).json["user_id"]
    plain = register(api)
    seller = factory.user("seller")
    shop = factory.shop(seller)
    order = buy(api, plain, {factory.product(seller, shop)["product_id"]: 1}, payment="bank_transfer")[0]
    delivered_and_paid(api, seller, shop, order)
    consume(stack)
    assert points(stack, sharer_id) == 0
    reply = api.post(
        "/v1/auth/register",
        {"email": random_email(), "password": PASSWORD, "role": "buyer", "referral_code": "not-a-code"},
    )
    assert_api_error(reply, 400)
