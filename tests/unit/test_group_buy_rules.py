"""The rules of group buys (issue 19): targets, deadlines, commitments, tiers reached, outcomes."""

from __future__ import annotations

import pytest

from chalicelib.domain.buying import Offer
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.group_buys import (
    MAX_DEADLINE_DAYS,
    ONE_TRANSACTION_PARTICIPANTS,
    GroupBuy,
    commitment_problems,
    fits_one_transaction,
    order_id_for,
    validate_new_group,
)

NOW = "2026-11-30T10:00:00.000Z"
ATTRS = {
    "moq": 10,
    "unit": "carton",
    "order_multiple": 5,
    "price_tiers": [
        {"min_quantity": 10, "amount": 12000},
        {"min_quantity": 50, "amount": 10000},
        {"min_quantity": 200, "amount": 9000},
    ],
}


def offer(storefront: str = "b2b", attributes: dict | None = None) -> Offer:
    return Offer(
        product_id="prd_1",
        title="Jujubes",
        storefront=storefront,
        currency="CNY",
        price_amount=12000,
        attributes=ATTRS if attributes is None else attributes,
        price_fp="fp",
        shop_id="shp_1",
        shop_name="Hotan Orchards",
        seller_id="seller",
    )


def group(committed: int = 0, target: int = 50, **kw) -> GroupBuy:
    return GroupBuy(
        group_id="grp_1",
        offer=offer(),
        target=target,
        deadline="2026-12-02T10:00:00.000Z",
        started_by="u1",
        created_at=NOW,
        committed=committed,
        **kw,
    )


def test_the_target_defaults_to_the_moq_and_may_be_any_tiers_min_quantity():
    assert validate_new_group(offer(), None, "2026-12-01T10:00:00Z", NOW) == (10, "2026-12-01T10:00:00.000Z")
    assert validate_new_group(offer(), 200, "2026-12-01T10:00:00+08:00", NOW)[0] == 200
    with pytest.raises(ValidationFailed) as refused:
        validate_new_group(offer(), 60, "2026-12-01T10:00:00Z", NOW)
    assert refused.value.code == "invalid_target"


@pytest.mark.parametrize(
    "deadline",
    ["2026-11-30T10:05:00Z", "2026-12-14T10:00:01Z", "2026-12-01T10:00:00", "tomorrow", "2026-11-29T10:00:00Z"],
)
def test_the_deadline_is_ten_minutes_to_fourteen_days_away_with_a_zone(deadline):
    with pytest.raises(ValidationFailed) as refused:
        validate_new_group(offer(), None, deadline, NOW)
    assert refused.value.code == "invalid_deadline"


def test_the_latest_deadline_is_exactly_fourteen_days_away():
    assert MAX_DEADLINE_DAYS == 14
    assert validate_new_group(offer(), None, "2026-12-14T10:00:00Z", NOW)[1] == "2026-12-14T10:00:00.000Z"


def test_only_b2b_products_with_a_minimum_order_have_groups():
    with pytest.raises(ValidationFailed) as refused:
        validate_new_group(offer("handicrafts", {}), None, "2026-12-01T10:00:00Z", NOW)
    assert refused.value.code == "not_a_b2b_product"


def test_a_commitment_may_be_below_the_moq_but_keeps_the_multiple():
    assert commitment_problems(group(), 5) == []
    assert commitment_problems(group(), 7) == [{"field": "quantity", "message": "order in multiples of 5"}]
    assert commitment_problems(group(), 0)


@pytest.mark.parametrize(
    ("committed", "reached", "next_min", "unit"),
    [(0, None, 10, 12000), (5, None, 10, 12000), (10, 10, 50, 12000), (55, 50, 200, 10000), (250, 200, None, 9000)],
)
def test_the_total_decides_the_tier_and_the_unit_price(committed, reached, next_min, unit):
    g = group(committed)
    assert (g.tier_reached() or {}).get("min_quantity") == reached
    assert (g.next_tier() or {}).get("min_quantity") == next_min
    assert g.price_per_unit() == unit


def test_at_the_deadline_a_group_closes_at_or_above_the_moq_and_fails_below():
    assert group(10).deadline_outcome() == "close"
    assert group(5).deadline_outcome() == "fail"
    assert not group(5).is_due("2026-12-02T09:59:59.999Z") and group(5).is_due("2026-12-02T10:00:00.000Z")
    assert (
        group(5).seconds_left("2026-12-02T09:59:00.000Z") == 60 and group(5).seconds_left("2027-01-01T00:00:00Z") == 0
    )


def test_closing_fixes_the_unit_price_of_the_tier_the_total_reached_and_happens_once():
    closing = group(60).closing()
    assert (closing.status, closing.unit_amount) == ("closing", 10000)
    closed = closing.closed(NOW)
    assert closed.status == "closed" and closed.price_per_unit() == 10000
    with pytest.raises(Conflict):
        closed.closing()
    failed = group(5).failed("below_moq", NOW)
    assert (failed.status, failed.failure, failed.closed_at) == ("failed", "below_moq", NOW)


def test_a_participants_order_id_is_derived_from_the_group_and_the_participant():
    assert order_id_for("grp_1", "u1") == order_id_for("grp_1", "u1")
    assert len({order_id_for("grp_1", "u1"), order_id_for("grp_1", "u2"), order_id_for("grp_2", "u1")}) == 3
    assert order_id_for("grp_1", "u1").startswith("ord_g")


def test_a_group_closes_in_one_transaction_up_to_its_limit():
    assert fits_one_transaction(ONE_TRANSACTION_PARTICIPANTS) and not fits_one_transaction(
        ONE_TRANSACTION_PARTICIPANTS + 1
    )
    assert ONE_TRANSACTION_PARTICIPANTS + 2 <= 100  # the orders, the stock, the group


def test_a_group_round_trips_through_its_stored_shape():
    g = group(35, participants=3)
    assert GroupBuy.from_dict(g.to_dict()) == g
