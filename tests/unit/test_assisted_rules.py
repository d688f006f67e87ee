"""Assisted orders' fee rules (domain/assisted.py): integer basis points, clamped; earned and given back."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from chalicelib.domain.assisted import FeeRule, fee_reversed, fee_rule, handover_posting
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.orders import Order, OrderLine

NOW = "2026-05-03T08:00:00.000Z"


def rule(bp: int, low: int = 0, high: int = 10**9) -> FeeRule:
    return fee_rule("cty_1", {"percent_bp": bp, "min_amount": low, "max_amount": high, "currency": "CNY"},
                    actor_id="op", now=NOW)  # fmt: skip


def test_the_fee_rounds_half_away_from_zero_and_is_clamped():
    assert rule(250).fee(15_900) == 398  # 397.5
    assert rule(250).fee(15_860) == 397  # 396.5 -> 397
    assert rule(300).fee(1) == 0
    assert rule(10, low=500).fee(15_900) == 500
    assert rule(2000, high=1000).fee(47_700) == 1000
    assert rule(2000, low=100).fee(0) == 0  # nothing bought, nothing charged


@pytest.mark.parametrize(
    "fields", [{"percent_bp": 2001}, {"percent_bp": -1}, {"min_amount": 5, "max_amount": 4}, {"min_amount": -1}]
)
def test_a_rule_out_of_bounds_is_refused(fields):
    body = {"percent_bp": 300, "min_amount": 0, "max_amount": 100, "currency": "CNY", **fields}
    with pytest.raises(ValidationFailed):
        fee_rule("cty_1", body, actor_id="op", now=NOW)


def order(fee: int, quantities=(3, 2), prices=(1_333, 999)) -> Order:
    lines = tuple(
        OrderLine(
            line_id=f"o-{i}", product_id=f"p{i}", title="x", quantity=q, unit_amount=p, currency="CNY", attributes={}
        )  # fmt: skip
        for i, (q, p) in enumerate(zip(quantities, prices, strict=True))
    )
    return Order(
        order_id="o", checkout_id="c", buyer_id="partner", seller_id="s", shop_id="sh", shop_name="Shop",
        storefront="handicrafts", status="delivered", lines=lines, currency="CNY", delivery={},
        payment_method="cash_on_delivery", created_at=NOW, updated_at=NOW, delivered_at=NOW,
        assisted={"placed_by": "partner", "village_id": "vil_1", "villager_id": "vgr_1", "payment": "cash_on_pickup",
                  "service_fee": fee},
    )  # fmt: skip


def test_the_handover_collects_the_goods_and_the_fee_in_cash():
    posting = handover_posting(order(123), NOW)  # 3 x 13.33 + 2 x 9.99 = 59.97
    assert posting is not None and posting.posting_id == "assisted-handover:o"
    assert {str(e.account): e.amount for e in posting.entries} == {
        "external:cash": -(5_997 + 123),
        "village:vil_1:cash": 5_997,
        "village:vil_1:fees": 123,
    }
    paid_by_partner = replace(order(123), assisted={**order(123).assisted, "payment": "paid_by_partner"})
    posting = handover_posting(paid_by_partner, NOW)
    assert posting is not None
    assert {str(e.account): e.amount for e in posting.entries} == {"external:cash": -123, "village:vil_1:fees": 123}
    assert (
        handover_posting(replace(paid_by_partner, assisted={**paid_by_partner.assisted, "service_fee": 0}), NOW) is None
    )
    assert handover_posting(replace(order(10), assisted=None), NOW) is None


def test_returns_in_any_order_give_back_exactly_the_whole_fee():
    """Every way of returning the goods unit by unit gives back the fee exactly (never more, never less)."""
    units = ["o-0"] * 3 + ["o-1"] * 2
    for fee in (1, 7, 123, 999):
        for sequence in set(itertools.permutations(units)):
            current, given = order(fee), 0
            for n, line_id in enumerate(sequence):
                after = dict(current.returned)
                after[line_id] = after.get(line_id, 0) + 1
                posting = fee_reversed(current, after, f"r{n}", NOW)
                if posting is not None:
                    given += next(e.amount for e in posting.entries if str(e.account) == "external:cash")
                current = replace(current, returned=after)
                assert 0 <= given <= fee
            assert given == fee, (fee, sequence)


def test_nothing_is_given_back_before_the_handover():
    assert fee_reversed(replace(order(100), delivered_at=None), {"o-0": 1}, "r", NOW) is None
