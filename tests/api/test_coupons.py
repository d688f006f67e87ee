"""Issue 12: a missed delivery promise compensated by a coupon: issued once by the job, listed to its buyer,
spent once at checkout in roubles (a condition in the checkout's transaction), funded by the platform in the
ledger while the seller is settled on the full price."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.domain.coupons import allocate, base_share
from chalicelib.domain.ledger import Account
from chalicelib.events.order_events import compensate_promises
from tests.api.test_delivery_promise import ZONES, move_clock, paid_order
from tests.api.test_markets import RU_ADDRESS, ru_cart_put, ru_world
from tests.api.test_ru_payments import on_hosted_page
from tests.support import assert_api_error, connect_ru_acquirer, settle

COUPON = 30_000  # 300.00 RUB
CHARGE = 2 * 205_339  # two units of 159.99 CNY at 12.8345, in kopecks


@pytest.fixture
def world(api, factory, stack):
    w = ru_world(api, factory, stack)
    connect_ru_acquirer(stack, api)
    assert api.put("/v1/admin/markets/ru/zones", ZONES, token=factory.operator).status == 200
    reply = api.put("/v1/admin/markets/ru/compensation", {"type": "coupon", "value": COUPON}, token=factory.operator)
    assert reply.status == 200, reply
    assert reply.json["compensation"] == {"type": "coupon", "value": COUPON, "funded_by": "platform"}
    return w


def compensated_buyer(api, stack, factory, world) -> tuple[str, dict]:
    """A buyer whose paid order missed its promise: the job issued the coupon. Returns (token, coupon)."""
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1
    (coupon,) = api.get("/v1/me/coupons", token=buyer).json["items"]
    assert coupon["order_id"] == order["order_id"]
    return buyer, coupon


def checkout(api, buyer, product_id, code, *, key=None, payment="mir_card", market="ru", quantity=2):
    if market == "ru":
        ru_cart_put(api, buyer, product_id, quantity=quantity)
        body = {"delivery": RU_ADDRESS, "payment_method": payment, "market": "ru"}
    else:
        ru_cart_put(api, buyer, product_id, quantity=quantity, market=None)
        body = {"delivery": {**RU_ADDRESS, "country": "CN", "city": "Kashgar"}, "payment_method": payment}
    return api.post(
        "/v1/checkout",
        {**body, "coupon_code": code},
        token=buyer,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_a_missed_promise_issues_one_coupon_that_only_its_buyer_sees(api, stack, factory, world):
    buyer = factory.user("buyer")
    order, _ = paid_order(api, stack, buyer, world["sold"]["product_id"])
    assert api.get("/v1/me/coupons", token=buyer).json == {"items": [], "next_cursor": None}
    move_clock(stack, 10 + 15 + 1)
    assert compensate_promises()["done"] == 1
    assert compensate_promises()["done"] == 0  # exactly once
    coupons = api.get("/v1/me/coupons", token=buyer)
    assert coupons.status == 200, coupons
    (coupon,) = coupons.json["items"]
    assert coupon["value"] == {"amount": COUPON, "currency": "RUB"}  # in what the buyer paid in
    assert coupon["status"] == "active" and coupon["reason"] == "delivery_promise" and coupon["redeemed_at"] is None
    assert coupon["order_id"] == order["order_id"] and coupon["expires_at"] > stack.clock()
    after = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert after["delivery_promise"]["status"] == "compensated"
    assert after["delivery_promise"]["compensation"]["code"] == coupon["code"]
    assert after["timeline"][-1]["action"] == "promise_missed"
    settle(stack)
    messages = [n["message"] for n in api.get("/v1/me/notifications", token=buyer).json["items"]]
    assert any("missed its delivery promise" in m for m in messages)
    assert api.get("/v1/me/coupons", token=factory.user("buyer")).json["items"] == []
    assert_api_error(api.get("/v1/me/coupons"), 401)


def test_a_coupon_takes_its_value_off_the_charge_and_the_platform_funds_it(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"].lower())  # codes are case-blind
    assert placed.status == 201, placed
    assert placed.json["coupon"] == {"code": coupon["code"], "discount": {"amount": COUPON, "currency": "RUB"}}
    assert placed.json["charged"] == {"amount": CHARGE - COUPON, "currency": "RUB"}
    (order,) = placed.json["orders"]
    assert order["market"]["goods_total"] == {"amount": CHARGE, "currency": "RUB"}
    assert order["market"]["total"] == {"amount": CHARGE - COUPON, "currency": "RUB"}
    base = base_share(COUPON, CHARGE, 2 * 15999)  # 300 RUB of 4106.78 RUB = 23.37 CNY of 319.98 CNY
    assert order["coupon"] == {
        "code": coupon["code"],
        "discount": {"amount": COUPON, "currency": "RUB"},
        "base_amount": {"amount": base, "currency": "CNY"},
        "funded_by": "platform",
    }
    (payment,) = placed.json["payments"]
    assert payment["amount"] == {"amount": CHARGE - COUPON, "currency": "RUB"}
    assert stack.ru_acquirer_sim.payments[payment["payment_id"]]["Amount"] == CHARGE - COUPON
    on_hosted_page(payment["payment_url"], "pay")
    assert stack.ru_acquirer_sim.flush() == 1
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["status"] == "paid"
    # the seller is credited the whole goods value: the buyer's money plus the platform's promotions
    posting = stack.ledger.get_posting(f"order-paid:{order['order_id']}")
    entries = {e.account: e.amount for e in posting.entries}
    assert entries == {
        "external:buyer-payments": -(2 * 15999 - base),
        "platform:promotions": -base,
        f"shop:{world['shop']['shop_id']}:pending": 2 * 15999,
    }
    (spent,) = api.get("/v1/me/coupons", token=buyer).json["items"]
    assert spent["status"] == "used" and spent["redeemed_at"]


def test_a_replayed_checkout_answers_the_same_and_a_second_use_is_refused(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    key = uuid.uuid4().hex
    first = checkout(api, buyer, world["sold"]["product_id"], coupon["code"], key=key)
    assert first.status == 201, first
    again = checkout(api, buyer, world["sold"]["product_id"], coupon["code"], key=key)
    assert again.status == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json["orders"][0]["order_id"] == first.json["orders"][0]["order_id"]
    orders_before = api.get("/v1/orders", token=buyer).json["items"]
    second = checkout(api, buyer, world["sold"]["product_id"], coupon["code"])
    assert_api_error(second, 409, "coupon_used")
    assert api.get("/v1/orders", token=buyer).json["items"] == orders_before  # nothing placed
    assert api.get("/v1/cart", token=buyer).json["line_count"] == 1  # the cart is kept


def test_two_checkouts_racing_for_one_coupon_spend_it_once(api, stack, factory, world, monkeypatch):
    """Both read the coupon unused; the transaction's condition lets only the first spend it."""
    from chalicelib.bootstrap import container

    buyer, coupon = compensated_buyer(api, stack, factory, world)
    repo = container().coupons
    stale = repo.get
    seen = {}

    def read_before_the_other_spent_it(buyer_id, code):
        seen.setdefault(code, stale(buyer_id, code))
        return seen[code]

    monkeypatch.setattr(repo, "get", read_before_the_other_spent_it)
    assert checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).status == 201
    orders_before = len(api.get("/v1/orders", token=buyer).json["items"])
    assert_api_error(checkout(api, buyer, world["sold"]["product_id"], coupon["code"]), 409, "coupon_used")
    assert len(api.get("/v1/orders", token=buyer).json["items"]) == orders_before


def test_an_expired_another_buyers_or_wrong_currency_coupon_is_refused(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    product = world["sold"]["product_id"]
    # a rouble coupon on a checkout in yuan
    assert_api_error(
        checkout(api, buyer, world["home_only"]["product_id"], coupon["code"], market="cn", payment="card"),
        400,
        "coupon_wrong_currency",
    )
    assert api.delete("/v1/cart", token=buyer).status in (200, 204)
    other = factory.user("buyer")
    assert_api_error(checkout(api, other, product, coupon["code"]), 404, "coupon_not_found")
    assert_api_error(checkout(api, buyer, product, "NO-SUCH-CODE"), 404, "coupon_not_found")
    assert_api_error(checkout(api, buyer, product, "bad code!"), 400)
    assert_api_error(
        checkout(api, buyer, product, coupon["code"], payment="cash_on_delivery"), 400, "coupon_payment_method"
    )
    move_clock(stack, 10 + 15 + 1 + 91)  # coupons last 90 days
    assert_api_error(checkout(api, buyer, product, coupon["code"]), 409, "coupon_expired")
    (listed,) = api.get("/v1/me/coupons", token=buyer).json["items"]
    assert listed["status"] == "expired"
    assert api.get("/v1/orders", token=other).json["items"] == []


def test_a_coupon_worth_more_than_the_goods_is_refused(api, stack, factory, world):
    big = {"type": "coupon", "value": 500_000}  # 5,000 RUB: more than one unit (2,053.39 RUB) less 1.00
    assert api.put("/v1/admin/markets/ru/compensation", big, token=factory.operator).status == 200
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    reply = checkout(api, buyer, world["sold"]["product_id"], coupon["code"], quantity=1)
    assert_api_error(reply, 409, "coupon_exceeds_goods")
    assert api.get("/v1/me/coupons", token=buyer).json["items"][0]["status"] == "active"
    assert checkout(api, buyer, world["sold"]["product_id"], coupon["code"], quantity=3).status == 201


def test_a_cancelled_paid_order_gives_the_platform_its_share_back(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    order_id = placed["orders"][0]["order_id"]
    on_hosted_page(placed["payments"][0]["payment_url"], "pay")
    stack.ru_acquirer_sim.flush()
    assert api.post(f"/v1/orders/{order_id}/cancel", token=buyer).status == 200
    settle(stack)
    base = placed["orders"][0]["coupon"]["base_amount"]["amount"]
    back = stack.ledger.get_posting(f"coupon-discount-returned:{order_id}")
    assert {e.account: e.amount for e in back.entries}["platform:promotions"] == base
    sim = stack.ru_acquirer_sim.payments[placed["payments"][0]["payment_id"]]
    assert sim["Refunded"] == CHARGE - COUPON  # the buyer gets back exactly what they paid
    shop_pending = stack.ledger.balance(Account.shop(world["shop"]["shop_id"], "pending"), "CNY")
    assert shop_pending.amount == 2 * 15999  # only the first (compensated) order's money is still pending


def test_a_coupon_is_spread_over_a_checkouts_orders_by_what_each_is_charged():
    assert allocate(1000, [30_100, 10_100]) == [750, 250]  # by what each can take (its charge less 1.00)
    assert sum(allocate(1001, [1333, 1333, 1335])) == 1001
    assert allocate(200, [1000, 100]) == [200, 0]  # an order charged 1.00 keeps it: nothing to take
    with pytest.raises(Exception, match="goods"):
        allocate(901, [1000])


# --- a cancelled purchase gives its coupon back ------------------------------------------------------------


def listed(api, buyer, code) -> dict:
    (coupon,) = [c for c in api.get("/v1/me/coupons", token=buyer).json["items"] if c["code"] == code]
    return coupon


def pay(stack, placed) -> None:
    for payment in placed["payments"]:
        on_hosted_page(payment["payment_url"], "pay")
    assert stack.ru_acquirer_sim.flush() >= len(placed["payments"])  # and any refund's notification


def second_shop_product(api, factory, stack) -> dict:
    from tests.api.test_markets import RU_TRANSLATIONS, SHIPPING, exporting_shop

    seller = factory.user("seller")
    shop = exporting_shop(api, factory, seller)
    product = factory.product(
        seller,
        shop,
        price={"amount": 9999, "currency": "CNY"},
        shipping=SHIPPING,
        stock=50,
        translations=RU_TRANSLATIONS,
    )
    settle(stack)
    return product


def later(stack, **delta) -> None:
    import datetime as dt

    moment = dt.datetime.fromisoformat(stack.clock().replace("Z", "+00:00")) + dt.timedelta(**delta)
    stack.clock = lambda: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_cancelled_single_order_checkout_gives_its_coupon_back_to_use_again(api, stack, factory, world):
    from bench.counting import CallRecorder

    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    (order,) = placed["orders"]
    pay(stack, placed)
    assert listed(api, buyer, coupon["code"])["status"] == "used"
    with CallRecorder() as rec:
        cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    # the coupon's GetItem is the one extra call of a cancel (its restore rides in the cancel's transaction);
    # the platform's share then goes back as before (coupon-discount-returned, its own posting)
    ops = rec.dynamodb().operations
    assert ops["GetItem"] == 2 and ops["TransactWriteItems"] == 2
    back = listed(api, buyer, coupon["code"])
    assert back["status"] == "active" and back["redeemed_at"] is None and back["restored_at"] == stack.clock()
    settle(stack)
    messages = [n["message"] for n in api.get("/v1/me/notifications", token=buyer).json["items"]]
    assert sum(f"Your coupon {coupon['code']} is usable again" in m for m in messages) == 1
    # money: the buyer's rouble payment refunded in full, the platform's share back once, nothing more
    base = order["coupon"]["base_amount"]["amount"]
    returned = stack.ledger.get_posting(f"coupon-discount-returned:{order['order_id']}")
    assert {e.account: e.amount for e in returned.entries}["platform:promotions"] == base
    assert stack.ru_acquirer_sim.payments[placed["payments"][0]["payment_id"]]["Refunded"] == CHARGE - COUPON
    pending = Account.shop(world["shop"]["shop_id"], "pending")
    assert stack.ledger.balance(pending, "CNY").amount == 2 * 15999  # the compensated first order's only
    # spent again on a new checkout: the platform funds that order's share, and only that one
    again = checkout(api, buyer, world["sold"]["product_id"], coupon["code"])
    assert again.status == 201, again
    assert again.json["charged"] == {"amount": CHARGE - COUPON, "currency": "RUB"}
    pay(stack, again.json)
    assert stack.ledger.balance(pending, "CNY").amount == 2 * 2 * 15999
    assert listed(api, buyer, coupon["code"])["status"] == "used"
    assert_api_error(checkout(api, buyer, world["sold"]["product_id"], coupon["code"]), 409, "coupon_used")


def test_a_two_shop_checkout_keeps_its_coupon_until_both_orders_are_cancelled(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    other = second_shop_product(api, factory, stack)
    ru_cart_put(api, buyer, other["product_id"], quantity=1)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    first, second = placed["orders"]
    assert first["coupon"] and second["coupon"]  # both took a share
    pay(stack, placed)
    assert api.post(f"/v1/orders/{first['order_id']}/cancel", token=buyer).status == 200
    settle(stack)
    kept = listed(api, buyer, coupon["code"])
    assert kept["status"] == "used" and kept["restored_at"] is None  # the other order still uses it
    assert_api_error(checkout(api, buyer, world["sold"]["product_id"], coupon["code"]), 409, "coupon_used")
    assert api.delete("/v1/cart", token=buyer).status in (200, 204)
    assert api.post(f"/v1/orders/{second['order_id']}/cancel", token=buyer).status == 200
    settle(stack)
    assert listed(api, buyer, coupon["code"])["status"] == "active"
    for order in (first, second):  # each paid order gave the platform its own share back, once
        posting = stack.ledger.get_posting(f"coupon-discount-returned:{order['order_id']}")
        assert {e.account: e.amount for e in posting.entries}["platform:promotions"] == (
            order["coupon"]["base_amount"]["amount"]
        )
    messages = [n["message"] for n in api.get("/v1/me/notifications", token=buyer).json["items"]]
    assert sum("is usable again" in m for m in messages) == 1


def test_an_unpaid_checkout_that_expires_gives_its_coupon_back_with_no_posting(api, stack, factory, world):
    from chalicelib.events.order_events import expire_due

    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    (order,) = placed["orders"]
    later(stack, hours=1)  # the card payment window (30 minutes) closed
    assert expire_due()["done"] == 1
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["status"] == "cancelled"
    assert listed(api, buyer, coupon["code"])["status"] == "active"
    assert stack.ledger.get_posting(f"coupon-discount-returned:{order['order_id']}") is None  # never charged
    settle(stack)
    assert listed(api, buyer, coupon["code"])["status"] == "active"


def test_a_coupon_that_expired_meanwhile_stays_spent_when_its_order_is_cancelled(api, stack, factory, world):
    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    (order,) = placed["orders"]
    pay(stack, placed)
    later(stack, days=91)  # coupons last 90 days; the order is still not shipped
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 200
    settle(stack)
    after = listed(api, buyer, coupon["code"])
    assert after["status"] == "used" and after["restored_at"] is None
    assert stack.ledger.get_posting(f"coupon-discount-returned:{order['order_id']}") is not None  # money as ever
    assert_api_error(checkout(api, buyer, world["sold"]["product_id"], coupon["code"]), 409, "coupon_used")


def test_the_order_events_consumer_gives_the_coupon_back_if_the_cancel_did_not_and_a_replay_does_nothing(
    api, stack, factory, world, monkeypatch
):
    from chalicelib.bootstrap import container
    from chalicelib.services import coupons

    buyer, coupon = compensated_buyer(api, stack, factory, world)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    (order,) = placed["orders"]
    pay(stack, placed)
    settle(stack)
    # the cancel commits without the coupon's part (as a request that stopped there, or an older deployment)
    with monkeypatch.context() as patch:
        patch.setattr(coupons, "cancellation_writes", lambda repo, order, cancelled, now: (cancelled, []))
        assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 200
    assert listed(api, buyer, coupon["code"])["status"] == "used"
    settle(stack)  # order.cancelled reaches the consumer
    back = listed(api, buyer, coupon["code"])
    assert back["status"] == "active" and back["restored_at"]
    c = container()
    assert coupons.restore_of(c.buying, c.coupons, order["order_id"], now=c.clock()) is False  # a replay
    assert listed(api, buyer, coupon["code"]) == back
    messages = [n["message"] for n in api.get("/v1/me/notifications", token=buyer).json["items"]]
    assert sum("is usable again" in m for m in messages) == 1


def test_two_cancellations_that_read_the_coupon_before_either_wrote_give_it_back_once(
    api, stack, factory, world, monkeypatch
):
    """Both orders' cancels read the coupon with both orders open; the size condition refuses the second's
    release, which is computed again on a fresh read and gives the coupon back."""
    from chalicelib.bootstrap import container

    buyer, coupon = compensated_buyer(api, stack, factory, world)
    other = second_shop_product(api, factory, stack)
    ru_cart_put(api, buyer, other["product_id"], quantity=1)
    placed = checkout(api, buyer, world["sold"]["product_id"], coupon["code"]).json
    first, second = placed["orders"]
    repo = container().coupons
    fresh = repo.get
    stale = fresh(repo_buyer := listed_buyer(api, buyer), coupon["code"])
    reads = []

    def first_read_is_stale(buyer_id, code):
        reads.append(code)
        return stale if len(reads) <= 2 else fresh(buyer_id, code)

    monkeypatch.setattr(repo, "get", first_read_is_stale)
    assert api.post(f"/v1/orders/{first['order_id']}/cancel", token=buyer).status == 200
    assert api.post(f"/v1/orders/{second['order_id']}/cancel", token=buyer).status == 200
    assert len(reads) == 3  # the second cancel read it again after its stale attempt was refused
    monkeypatch.undo()
    back = fresh(repo_buyer, coupon["code"])
    assert back.redeemed_at is None and back.open_orders == () and back.restored_from == placed["checkout_id"]
    assert listed(api, buyer, coupon["code"])["status"] == "active"


def listed_buyer(api, token) -> str:
    return api.get("/v1/me", token=token).json["user_id"]


def test_cancelling_an_order_releases_it_from_its_coupon_and_the_last_one_restores_it_unless_expired():
    from dataclasses import replace

    from chalicelib.domain.coupons import RELEASE, RESTORE, issue, on_order_cancelled

    now = "2026-06-01T12:00:00.000Z"
    spent = replace(
        issue("ord_missed", "buyer", 30_000, "RUB", now),
        redeemed_at=now,
        redeemed_checkout="chk_1",
        open_orders=("ord_a", "ord_b"),
    )
    assert on_order_cancelled(spent, "ord_a", "chk_1", now) == RELEASE  # ord_b still uses it
    last = replace(spent, open_orders=("ord_b",))
    assert on_order_cancelled(last, "ord_b", "chk_1", now) == RESTORE
    assert on_order_cancelled(last, "ord_a", "chk_1", now) is None  # released already: a replay
    assert on_order_cancelled(last, "ord_b", "chk_2", now) is None  # spent on another checkout since
    assert on_order_cancelled(last, "ord_b", "chk_1", last.expires_at) is None  # expired: stays spent
    assert on_order_cancelled(replace(last, open_orders=()), "ord_b", "chk_1", now) is None  # spent before records
    assert on_order_cancelled(None, "ord_b", "chk_1", now) is None
