"""A coupon spent on a checkout of several orders comes back exactly once when all of them are cancelled at the
same instant (issue 12), through the service (order_lifecycle.cancel), against a moto server with atomic requests
(tests/concurrency/harness.py). Each cancellation releases its order from the coupon's open orders, or (the last)
restores the coupon, in its own transaction, conditioned on the set's size as it read it: a cancellation that
read a set another one changed meanwhile is refused and computed again.

The control (wrong on purpose): without the size condition, cancellations that read the set with others still in
it all just release, and the coupon stays spent with no order left using it, in at least one trial: the harness
can see this race. Figures are printed (`pytest -s tests/concurrency/test_coupon_restore_race.py`).
"""

from __future__ import annotations

import uuid

import pytest

from chalicelib.adapters.coupons import DynamoCouponsRepository, coupon_key
from chalicelib.domain import coupons as rules
from chalicelib.domain.identity import Actor, Role
from chalicelib.domain.orders import Order, OrderLine, TimelineEntry
from chalicelib.services import order_lifecycle
from tests.concurrency.harness import locked_moto_stack, overlapped, run_together

ORDERS = 8  # orders of one checkout, each cancelled by its own thread
TRIALS = 3
AT = "2026-06-01T12:00:00.000Z"


@pytest.fixture(scope="module")
def stack():
    with locked_moto_stack() as stack:
        yield stack


def _checkout(stack, buyer_id: str) -> tuple[str, list[str]]:
    """ORDERS unpaid orders of one checkout, each with a share of one coupon, and the coupon spent on them."""
    checkout_id = f"chk_{uuid.uuid4().hex[:12]}"
    coupon = rules.issue(f"ord_{uuid.uuid4().hex[:12]}", buyer_id, 30_000, "RUB", AT)
    order_ids = []
    for i in range(ORDERS):
        order_id = f"ord_{uuid.uuid4().hex[:12]}"
        line = OrderLine(line_id=f"{order_id}-1", product_id="", title="Scarf", quantity=1, unit_amount=15_999,
                         currency="CNY", attributes={})  # fmt: skip
        order = Order(
            order_id=order_id, checkout_id=checkout_id, buyer_id=buyer_id, seller_id="seller", shop_id=f"shp_{i}",
            shop_name="Shop", storefront="handicrafts", status="pending_payment", lines=(line,), currency="CNY",
            delivery={"name": "Anna"}, payment_method="mir_card", created_at=AT, updated_at=AT,
            timeline=(TimelineEntry(at=AT, actor="buyer", action="placed", status="pending_payment"),),
            coupon={"code": coupon.code, "amount": 3_750, "currency": "RUB", "base_amount": 292},
        )  # fmt: skip
        stack.buying.commit([stack.buying.new_order_write(order)])
        order_ids.append(order_id)
    stack.buying.commit([stack.coupons.issue_write(coupon)])
    assert stack.coupons.apply_alone(stack.coupons.redeem_write(coupon, checkout_id, AT, order_ids))
    return coupon.code, order_ids


def _restorations(stack, buyer_id: str, code: str) -> int:
    item = stack.coupons._call(
        "get_item", TableName=stack.coupons._table, Key=coupon_key(buyer_id, code), ConsistentRead=True
    )["Item"]
    return int(item["restorations"]["N"]) if "restorations" in item else 0


def _race(stack) -> tuple[str, str, list]:
    buyer = Actor(f"buyer-{uuid.uuid4().hex[:6]}", "b@example.com", frozenset({Role.BUYER}))
    code, order_ids = _checkout(stack, buyer.user_id)

    def cancel(i: int) -> str:
        order = order_lifecycle.cancel(
            stack.buying, stack.ledger, buyer, order_ids[i], now=AT, coupon_store=stack.coupons
        )
        return order.status

    outcomes = run_together(ORDERS, cancel)
    assert [o.value for o in outcomes] == ["cancelled"] * ORDERS
    return buyer.user_id, code, outcomes


def test_every_order_of_a_checkout_cancelled_at_once_gives_its_coupon_back_exactly_once(stack):
    for trial in range(TRIALS):
        buyer_id, code, outcomes = _race(stack)
        coupon = stack.coupons.get(buyer_id, code)
        restored = _restorations(stack, buyer_id, code)
        print(f"\n[coupon restore race {trial}] restorations={restored} overlapped={overlapped(outcomes)}", flush=True)
        assert coupon.redeemed_at is None and coupon.open_orders == () and coupon.restored_from
        assert coupon.status(AT) == "active" and restored == 1


def test_control_without_the_size_condition_a_race_leaves_the_coupon_spent(stack, monkeypatch):
    original = DynamoCouponsRepository._still_open

    def without_size(self, coupon, order_id, update, values, *, unexpired_at=None):
        write = original(self, coupon, order_id, update, values, unexpired_at=unexpired_at)
        write.action["Update"]["ConditionExpression"] = write.action["Update"]["ConditionExpression"].replace(
            " AND size(open_orders) = :n", ""
        )
        del write.action["Update"]["ExpressionAttributeValues"][":n"]
        return write

    monkeypatch.setattr(DynamoCouponsRepository, "_still_open", without_size)
    lost = 0
    for _ in range(TRIALS * 2):
        buyer_id, code, _ = _race(stack)
        coupon = stack.coupons.get(buyer_id, code)
        lost += coupon.redeemed_at is not None and coupon.open_orders == ()
    print(f"\n[coupon restore race, control] trials={TRIALS * 2} coupons lost={lost}", flush=True)
    assert lost >= 1
