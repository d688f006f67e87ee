"""Sellers' money rules (domain/seller_money.py) and the dashboards' counters (domain/dashboards.py), directly."""

from __future__ import annotations

import pytest

from chalicelib.domain.dashboards import dimension_figures, shop_figures, updates_for_event
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.orders import Order, OrderLine
from chalicelib.domain.seller_money import (
    CommissionRule,
    CommissionTerms,
    check_payout_details,
    check_terms,
    completion,
    masked_destination,
    month_period,
    new_payout,
    next_payout_at,
    parse_payout_id,
    payout_failed_posting,
    payout_id,
    payout_posting,
    refund,
    run_id_at,
    run_starts_at,
    terms_for,
)


def order(total_units: int = 2, unit: int = 10_000, **changes) -> Order:
    line = OrderLine("ord_1-1", "prd_1", "Walnuts", total_units, unit, "CNY", {})
    base = Order(
        order_id="ord_1",
        checkout_id="chk_1",
        buyer_id="usr_b",
        seller_id="usr_s",
        shop_id="shp_1",
        shop_name="Shop",
        storefront="handicrafts",
        status="delivered",
        lines=(line,),
        currency="CNY",
        delivery={},
        payment_method="bank_transfer",
        created_at="2026-03-02T10:00:00.000Z",
        updated_at="2026-03-02T10:00:00.000Z",
        paid_at="2026-03-02T10:00:00.000Z",
        pending_credited=True,
    )
    return Order(**{**base.__dict__, **changes})


# --- commissions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base, bp, minimum, expected",
    [
        (10_000, 500, 0, 500),
        (12_345, 250, 0, 309),  # 308.625 rounds half away from zero
        (1_000, 800, 500, 500),  # the minimum
        (300, 800, 500, 300),  # never more than the goods
        (0, 800, 500, 0),
    ],
)
def test_a_commission_is_a_percentage_with_a_minimum_never_above_the_goods(base, bp, minimum, expected):
    assert CommissionTerms(bp, minimum, "CNY").amount(base, "CNY") == expected


def test_the_minimum_applies_only_in_its_own_currency():
    assert CommissionTerms(800, 500, "CNY").amount(1_000, "RUB") == 80


def test_an_order_pays_the_terms_in_force_when_it_was_placed():
    old = check_terms(500, 0, "CNY", "2026-01-01T00:00:00Z")
    new = check_terms(800, 100, "CNY", "2026-03-01T00:00:00Z")
    rule = CommissionRule("handicrafts", None, ()).changed(old).changed(new)
    rules = {rule.key: rule}
    assert terms_for(rules, "handicrafts", None, "CNY", "2026-02-27T23:59:59Z").percent_bp == 500
    assert terms_for(rules, "handicrafts", None, "CNY", "2026-03-01T00:00:00Z").percent_bp == 800
    assert terms_for(rules, "b2b", None, "CNY", "2026-03-05T00:00:00Z").percent_bp == 500  # the default
    market = CommissionRule("handicrafts", "ru", ()).changed(check_terms(1_200, 0, "RUB", "2026-01-01T00:00:00Z"))
    rules[market.key] = market
    assert terms_for(rules, "handicrafts", "ru", "RUB", "2026-03-05T00:00:00Z").percent_bp == 1_200
    with pytest.raises(Conflict):
        rule.changed(old)  # a change dated before the current terms


@pytest.mark.parametrize("bp, minimum", [(-1, 0), (5_001, 0), (500, -1), (500, 10**10)])
def test_commission_terms_are_validated(bp, minimum):
    with pytest.raises(ValidationFailed):
        check_terms(bp, minimum, "CNY", "2026-01-01T00:00:00Z")


# --- the postings of an order ---------------------------------------------------------------------------------


def test_completion_moves_what_the_buyer_kept_from_pending_to_available_and_commission():
    posting, record = completion(order(), CommissionTerms(500, 0, "CNY"), "2026-03-10T00:00:00Z")
    assert posting.posting_id == "order-completed:ord_1"
    assert {(e.account, e.amount) for e in posting.entries} == {
        ("shop:shp_1:pending", -20_000),
        ("shop:shp_1:available", 19_000),
        ("platform:commission", 1_000),
    }
    assert record == {"amount": 1_000, "base": 20_000, "percent_bp": 500, "min_amount": 0}
    assert posting.refs == {"order_id": "ord_1", "seller_id": "usr_s"}


def test_completion_of_an_order_refunded_in_full_posts_nothing():
    from chalicelib.domain.orders import Refund

    refunded = order(refunds=(Refund("ret_1", 20_000, "2026-03-05T00:00:00Z"),))
    posting, record = completion(refunded, CommissionTerms(500, 100, "CNY"), "2026-03-10T00:00:00Z")
    assert posting is None and record["amount"] == 0


def test_an_order_paid_before_the_ledger_completes_from_the_buyers_account():
    posting, _ = completion(order(pending_credited=False), CommissionTerms(500, 0, "CNY"), "2026-03-10T00:00:00Z")
    assert {e.account for e in posting.entries} >= {"external:buyer-payments"}


def test_a_refund_after_completion_gives_back_the_commission_on_it():
    completed = order(status="completed", commission={"amount": 1_000, "base": 20_000, "percent_bp": 500,
                                                      "min_amount": 0})  # fmt: skip
    posting, updated = refund(completed, 10_000, "ret_1", "2026-03-12T00:00:00Z")
    assert {(e.account, e.amount) for e in posting.entries} == {
        ("external:buyer-payments", 10_000),
        ("shop:shp_1:available", -9_500),
        ("platform:commission", -500),
    }
    assert updated.commission == {"amount": 500, "base": 10_000, "percent_bp": 500, "min_amount": 0, "returned": 500}


def test_a_refund_with_no_money_held_posts_nothing():
    posting, _ = refund(order(pending_credited=False), 5_000, "ret_1", "2026-03-12T00:00:00Z")
    assert posting is None


# --- payouts ---------------------------------------------------------------------------------------------------


def test_runs_are_iso_weeks_and_payouts_one_per_shop_and_run():
    assert run_id_at("2026-01-01T10:00:00Z") == "2026-W01"
    assert run_id_at("2026-12-31T10:00:00Z") == "2026-W53"
    assert run_starts_at("2026-W14") == "2026-03-30T02:00:00.000Z"
    assert payout_id("2026-W14", "shp_01ab") == "po-2026W14-shp_01ab"
    assert parse_payout_id("po-2026W14-shp_01ab") == ("2026-W14", "shp_01ab")
    assert parse_payout_id("po-2026W14") is None and parse_payout_id("ord_1") is None


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2026-03-04T15:00:00Z", "2026-03-09T02:00:00.000Z"),  # Wednesday -> Monday
        ("2026-03-09T01:59:59Z", "2026-03-09T02:00:00.000Z"),  # Monday before the run
        ("2026-03-09T02:00:00Z", "2026-03-16T02:00:00.000Z"),  # the run itself -> next week's
    ],
)
def test_the_next_payout_is_the_next_monday_at_two(now, expected):
    assert next_payout_at(now) == expected


def test_a_payout_and_its_failure_are_exact_opposites_that_never_overdraw():
    payout = new_payout("2026-W14", "shp_1", "usr_s", 19_000, "CNY", {"account_number": "6228480012345678901"},
                        "2026-03-30T02:00:00Z")  # fmt: skip
    sent = payout_posting(payout)
    assert sent.no_overdraft == frozenset({"shop:shp_1:available"})
    back = payout_failed_posting(payout.failed("account_closed", "2026-03-31T00:00:00Z"), "2026-03-31T00:00:00Z")
    assert {(e.account, -e.amount) for e in back.entries} == {(e.account, e.amount) for e in sent.entries}
    assert back.refs["reverses"] == sent.posting_id
    with pytest.raises(Conflict):
        payout.failed("x", "2026-03-31T00:00:00Z").paid("tr_1", "2026-03-31T00:00:00Z")


def test_payout_details_are_normalised_validated_and_masked():
    clean = check_payout_details(
        {"holder_name": " Aygul ", "bank_name": "ABC", "account_number": "6228-4800 1234 5678 901", "bank_code": "abc1"}
    )
    assert clean["account_number"] == "6228480012345678901" and clean["bank_code"] == "ABC1"
    masked = masked_destination(clean)
    assert masked["account_number_masked"] == "***************8901" and "6228" not in str(masked)
    with pytest.raises(ValidationFailed) as refused:
        check_payout_details({"holder_name": "", "bank_name": "ABC", "account_number": "12"})
    assert {d["field"] for d in refused.value.details} == {"holder_name", "account_number"}


@pytest.mark.parametrize("month", ["2026-3", "2026-13", "1999-12", "2026-05"])
def test_a_statement_month_is_a_valid_month_that_has_begun(month):
    with pytest.raises(ValidationFailed):
        month_period(month, "2026-04-15T00:00:00Z")


def test_a_month_period_is_half_open():
    assert month_period("2026-12", "2026-12-02T00:00:00Z") == ("2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z")


# --- dashboards' counters -----------------------------------------------------------------------------------


def event(kind: str, **facts) -> dict:
    return {
        "event_id": f"ord_1:{kind}",
        "type": kind,
        "order_id": "ord_1",
        "shop_id": "shp_1",
        "storefront": "handicrafts",
        "currency": "CNY",
        "total": {"amount": 30_000, "currency": "CNY"},
        "payment_method": "bank_transfer",
        "at": "2026-03-04T10:00:00.000Z",
        **facts,
    }


def test_an_order_created_counts_a_sale_per_day_per_product_and_per_week_per_dimension():
    updates = updates_for_event(
        event(
            "order.created",
            county="cty_shufu",
            lines=[{"product_id": "prd_1", "title": "Walnuts", "quantity": 3, "amount": 30_000}],
        )
    )
    by_key = {(u.pk, u.sk): u for u in updates}
    day = by_key[("shop#shp_1", "d#2026-03-04")]
    assert day.add == {"orders": 1, "gmv:CNY": 30_000, "u:prd_1": 3, "r:prd_1": 30_000}
    assert day.put == {"t:prd_1": "Walnuts"}
    assert by_key[("dim#storefront", "w#2026-03-02#handicrafts")].add == {"orders": 1, "gmv:CNY": 30_000}
    assert ("dim#county", "w#2026-03-02#cty_shufu") in by_key
    assert not any(pk == "dim#market" for pk, _ in by_key)  # no market on this order
    assert ("shop#shp_1", "now") not in by_key  # a bank transfer waits for its payment before it is to ship


def test_orders_to_ship_follow_payment_shipment_and_cancellation():
    def to_ship(kind, **facts):
        return next((u.add.get("to_ship", 0) for u in updates_for_event(event(kind, **facts)) if u.sk == "now"), 0)

    assert to_ship("order.paid") == 1
    assert to_ship("order.created", payment_method="cash_on_delivery") == 1
    assert to_ship("order.paid", payment_method="cash_on_delivery") == 0
    assert to_ship("order.shipped") == -1
    assert to_ship("order.cancelled", paid=True, refund=30_000) == -1
    assert to_ship("order.cancelled", paid=False) == 0


def test_a_refund_after_completion_takes_back_commission_and_net():
    updates = updates_for_event(event("order.refunded", refund=10_000, commission_returned=500))
    (day,) = [u for u in updates if u.sk.startswith("d#")]
    assert day.add == {"refunds:CNY": 10_000, "commission:CNY": -500, "net:CNY": -9_500}


def test_shop_figures_read_the_days_top_products_and_counters():
    items = [
        {"pk": "shop#shp_1", "sk": "d#2026-03-03", "gmv:CNY": 5_000, "orders": 1, "u:p1": 1, "r:p1": 5_000,
         "t:p1": "A"},
        {"pk": "shop#shp_1", "sk": "d#2026-03-04", "gmv:CNY": 9_000, "refunds:CNY": 1_000, "orders": 2, "u:p2": 3,
         "r:p2": 9_000, "t:p2": "B", "commission:CNY": 450, "net:CNY": 8_550},
        {"pk": "shop#shp_1", "sk": "now", "to_ship": 2, "open_returns": -1},
    ]  # fmt: skip
    figures = shop_figures(items, ["2026-03-02", "2026-03-03", "2026-03-04"], "CNY")
    assert figures.sales == [0, 5_000, 9_000] and figures.refunds == [0, 0, 1_000] and figures.total_orders == 3
    assert [p["product_id"] for p in figures.top_products] == ["p2", "p1"]
    assert figures.counters == {"to_ship": 2, "open_returns": 0, "open_disputes": 0}
    assert (figures.commission, figures.net) == (450, 8_550)


def test_dimension_figures_keep_the_biggest_keys_and_sum_the_others():
    weeks = ["2026-03-02", "2026-03-09"]
    items = [{"pk": "dim#county", "sk": f"w#2026-03-09#c{i}", "gmv:CNY": 1_000 * i, "orders": 1} for i in range(1, 9)]
    figures = dimension_figures("county", items, weeks, "CNY")
    assert figures.keys == ["c8", "c7", "c6", "c5", "c4", "c3", "other"]
    assert figures.series["gmv"]["other"] == [0, 1_000 + 2_000]
    assert figures.totals["other"]["orders"] == 2
