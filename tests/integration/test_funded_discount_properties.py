"""Property tests of platform-funded discounts on returns (domain/platform_funding.py), on the in-memory fakes.

Random orders (1 to 4 lines) paid partly by a coupon (`platform:promotions`) and/or points (`platform:points`),
delivered, then random sequences of partial returns, with the order completed at a random point (some returns
come after completion, refunded from `available` with the commission on them given back). Each return goes through
the same steps as services/returns.receive_return (platform_funding.settle_return, settlement.record_refund).
After every step:
- the seller (its pending and available balances, plus the commission the platform kept on its sale) holds exactly
  the value of the goods the buyer kept: it never keeps the platform's share of goods it took back;
- the funders have been given back exactly floor(discounts x goods returned / total), the coupon's part of it
  rounded down (floor(coupon x that / discounts)), the points' the rest: never more than each discount;
- the buyer has been refunded at most what they paid, and everything they paid once everything is back;
- the points given back to the buyer (platform_funding.points_back, summed over the returns) are the points share
  returned so far, floor(points redeemed x points money given back / points discount): never more than redeemed,
  exactly the points redeemed once everything is back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import platform_funding
from chalicelib.domain.ledger import Account
from chalicelib.domain.orders import Order, OrderLine, Refund, TimelineEntry
from chalicelib.domain.seller_money import CommissionTerms
from chalicelib.services import settlement
from tests.fakes import InMemoryLedger
from tests.integration.test_seller_money_properties import FakeOrders

CUR = "CNY"
START = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
SHOP = "shp_p"
PENDING, AVAILABLE = Account.shop(SHOP, "pending"), Account.shop(SHOP, "available")
BUYERS = Account.external("buyer-payments")
PROMOTIONS, POINTS_MONEY, COMMISSION = (Account.platform(p) for p in ("promotions", "points", "commission"))


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def balance(ledger, account) -> int:
    return ledger.balance(account, CUR).amount


@st.composite
def scenarios(draw):
    lines = draw(st.lists(st.tuples(st.integers(1, 50_000), st.integers(1, 5)), min_size=1, max_size=4))
    total = sum(unit * quantity for unit, quantity in lines)
    coupon = draw(st.integers(0, total - 1))
    points = draw(st.integers(0, total - 1 - coupon))
    returns = draw(
        st.lists(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5)), min_size=1, max_size=4), max_size=8)
    )
    complete_after = draw(st.integers(0, len(returns)))  # how many returns come before completion
    percent_bp = draw(st.sampled_from([0, 250, 500, 1200]))
    redeemed = draw(st.sampled_from([points, points * 10, points // 10 + (1 if points else 0)]))  # other rates too
    return lines, coupon, points, returns, complete_after, percent_bp, redeemed


def placed(lines, coupon: int, points: int, redeemed: int | None = None) -> Order:
    at = iso(START)
    order_lines = tuple(
        OrderLine(f"ln-{i}", f"prd_{i}", "Walnuts", quantity, unit, CUR, {}) for i, (unit, quantity) in enumerate(lines)
    )
    return Order(
        order_id="ord_p1",
        checkout_id="chk_p1",
        buyer_id="usr_buyer",
        seller_id="usr_seller",
        shop_id=SHOP,
        shop_name=SHOP,
        storefront="handicrafts",
        status="pending_payment",
        lines=order_lines,
        currency=CUR,
        delivery={},
        payment_method="bank_transfer",
        created_at=at,
        updated_at=at,
        timeline=(TimelineEntry(at, "buyer", "placed", "pending_payment"),),
        coupon={"code": "DP-TEST", "amount": coupon, "currency": "RUB", "base_amount": coupon} if coupon else None,
        points_redeemed=points if redeemed is None else redeemed,
        points_discount=points,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_seller_never_keeps_the_platforms_share_of_returned_goods(scenario):
    lines, coupon, points, returns, complete_after, percent_bp, redeemed = scenario
    ledger, orders = InMemoryLedger(), FakeOrders()
    now = START
    order = placed(lines, coupon, points, redeemed)
    total = order.total
    orders.insert(order)
    order = settlement.record_payment(orders, ledger, order, order.mark_paid("seller", iso(now)), now=iso(now))
    order = orders.save_order(order.ship("SF", "SF1", iso(now)), order.version, event="order.shipped")
    order = orders.save_order(order.deliver(iso(now)), order.version, event="order.delivered")
    paid_by_buyer = total - coupon - points
    assert balance(ledger, PENDING) == total  # settled on the full price
    returned_goods = refunded = points_back = 0

    def check() -> None:
        assert balance(ledger, PENDING) + balance(ledger, AVAILABLE) + balance(ledger, COMMISSION) == (
            total - returned_goods
        )
        given = {"coupon": balance(ledger, PROMOTIONS) + coupon, "points": balance(ledger, POINTS_MONEY) + points}
        owed = (coupon + points) * returned_goods // total
        assert given["coupon"] + given["points"] == owed  # the platform's share of the goods back, rounded down
        assert given["coupon"] == (coupon * owed // (coupon + points) if coupon + points else 0)
        assert 0 <= given["coupon"] <= coupon and 0 <= given["points"] <= points
        assert balance(ledger, BUYERS) == -paid_by_buyer + refunded
        assert 0 <= refunded <= paid_by_buyer
        assert points_back == (redeemed * given["points"] // points if points else 0)
        assert 0 <= points_back <= redeemed

    for step, wanted in enumerate([*returns, None]):
        if step == complete_after:
            now += dt.timedelta(days=8)
            order = orders.get_order(order.order_id)
            done = settlement.complete(orders, ledger, order, CommissionTerms(percent_bp, 0, CUR), now=iso(now))
            assert done is not None
            check()
        if wanted is None:
            break
        now += dt.timedelta(hours=1)
        order = orders.get_order(order.order_id)
        quantities: dict[str, int] = {}
        for index, quantity in wanted:
            line = order.lines[index % len(order.lines)]
            left = line.quantity - order.returned.get(line.line_id, 0) - quantities.get(line.line_id, 0)
            if min(quantity, left) > 0:
                quantities[line.line_id] = quantities.get(line.line_id, 0) + min(quantity, left)
        if not quantities:
            continue
        by_id = {line.line_id: line for line in order.lines}
        goods = sum(by_id[line_id].unit_amount * quantity for line_id, quantity in quantities.items())
        return_id = f"ret_{step}"
        refund, funded_back, record = platform_funding.settle_return(order, goods)  # as returns._received does
        points_back += platform_funding.points_back(order, record)  # as returns.receive_return credits
        returned = {k: order.returned.get(k, 0) + quantities.get(k, 0) for k in {*order.returned, *quantities}}
        changed = replace(order, returned=returned, funded_returned=record, updated_at=iso(now))
        if refund:
            changed = replace(
                changed,
                refunds=(*changed.refunds, Refund(return_id, refund, iso(now))),
                refunded_total=changed.refunded_total + refund,
            )
        settlement.record_refund(
            orders, ledger, order, changed, refund, return_id, now=iso(now), event="order.refunded",
            funded_back=funded_back,
        )  # fmt: skip
        returned_goods += goods
        refunded += refund
        check()

    if returned_goods == total:  # everything came back: exactly every discount, everything the buyer paid
        assert balance(ledger, PROMOTIONS) == balance(ledger, POINTS_MONEY) == 0
        assert refunded == paid_by_buyer
        assert points_back == (redeemed if points else 0)
        assert balance(ledger, PENDING) + balance(ledger, AVAILABLE) + balance(ledger, COMMISSION) == 0


def test_a_whole_return_gives_back_exactly_the_discount_and_parts_never_more():
    assert platform_funding.share_due(2337, 31998, 31998) == 2337
    assert platform_funding.share_due(2337, 15999, 31998) == 1168  # rounded down: the rest comes with the last
    assert platform_funding.share_due(1, 3, 10) == 0
    assert platform_funding.share_due(999, 20, 10) == 999  # never beyond the order
