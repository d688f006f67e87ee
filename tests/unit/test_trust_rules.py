"""The buyer-trust rules (chalicelib/domain/trust.py), directly: dispute steps and deadlines, redemption limits,
the partner bank's BINs and bonus, FIFO lots, ratings and the dispute rate."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.trust import (
    Dispute,
    PartnerBank,
    PointsLot,
    PointsRules,
    RatingSummary,
    allocate_redemption,
    check_partner_bank,
    dispute_rate,
    fifo_left,
    plus_months,
    redeemable,
)

NOW = "2026-05-04T10:30:00.000Z"


def dispute(status: str = "awaiting_seller", claimed: int = 10_000) -> Dispute:
    line = {"line_id": "ord_1-1", "product_id": "prd_1", "title": "Felt rug", "quantity": 1, "amount": claimed}
    return Dispute(
        dispute_id="dsp_1", order_id="ord_1", shop_id="shp_1", seller_id="usr_s", buyer_id="usr_b",
        storefront="handicrafts", currency="CNY", payment_method="card", lines=(line,), reason="damaged",
        description="Torn", evidence=(), status=status, created_at=NOW, updated_at=NOW,
        due_at="2026-05-07T10:30:00.000Z",
    )  # fmt: skip


def test_a_partial_refund_is_between_nothing_and_the_claim_and_only_it_names_an_amount():
    for amount in (None, 0, 10_000):
        with pytest.raises(ValidationFailed):
            dispute().respond("partial_refund", amount, "sorry", (), NOW)
    with pytest.raises(ValidationFailed):
        dispute().respond("refund", 500, "sorry", (), NOW)
    answered = dispute().respond("partial_refund", 4_000, "sorry", (), NOW)
    assert answered.status == "awaiting_buyer" and answered.response["amount"] == 4_000
    assert answered.due_at == "2026-05-11T10:30:00.000Z"  # 7 days after opening to agree


def test_accepting_a_refund_resolves_it_and_accepting_a_rejection_closes_it():
    refund = dispute().respond("refund", None, "sorry", (), NOW).accept(NOW)
    assert refund.status == "resolved" and refund.refund_due == (10_000, "seller") and refund.due_at is None
    rejected = dispute().respond("reject", None, "no", (), NOW).accept(NOW)
    assert rejected.status == "closed" and rejected.refund_due is None


def test_steps_out_of_order_are_conflicts():
    with pytest.raises(Conflict):
        dispute().accept(NOW)  # nothing to accept yet
    with pytest.raises(Conflict):
        dispute().decide(100, "platform", "", NOW)  # not escalated
    escalated = dispute().escalate("buyer", NOW)
    with pytest.raises(Conflict):
        escalated.respond("refund", None, "late", (), NOW)
    with pytest.raises(Conflict):
        escalated.escalate("buyer", NOW)


def test_the_clock_escalates_only_when_the_deadline_has_passed():
    waiting = dispute()
    assert waiting.escalate_if_due("2026-05-07T10:29:59.999Z") is None
    escalated = waiting.escalate_if_due("2026-05-07T10:30:00.000Z")
    assert escalated.status == "escalated" and escalated.steps[-1].actor == "system"
    assert dispute("resolved").escalate_if_due("2027-01-01T00:00:00.000Z") is None


def test_a_decision_refunds_at_most_the_claim_funded_by_seller_or_platform():
    escalated = dispute().escalate("buyer", NOW)
    with pytest.raises(ValidationFailed):
        escalated.decide(10_001, "platform", "", NOW)
    with pytest.raises(ValidationFailed):
        escalated.decide(100, "bank", "", NOW)
    assert escalated.decide(10_000, "platform", "ok", NOW).refund_due == (10_000, "platform")
    assert escalated.decide(0, "seller", "no damage", NOW).refund_due is None


def test_redemption_is_at_most_a_quarter_of_each_orders_goods_first_orders_first():
    assert redeemable(10_001) == 2_500
    assert allocate_redemption(3_000, [10_000, 8_000]) == [2_500, 500]
    assert allocate_redemption(0, [10_000]) == [0]
    with pytest.raises(Conflict) as refused:
        allocate_redemption(4_501, [10_000, 8_000])
    assert refused.value.code == "points_over_limit"


def test_earning_rules_and_the_partner_banks_bins_and_bonus():
    rules = PointsRules()
    assert rules.earned(20_000, "CNY") == 200 and rules.earned(20_000, "RUB") == 20 and rules.earned(5, "USD") == 0
    bank = check_partner_bank("Silk Road Bank", [{"from": "622848", "to": "622849"}], "1.5", NOW)
    assert bank.issued("62284912") and bank.issued("622848") and not bank.issued("622850") and not bank.issued(None)
    assert bank.bonus(201) == 100  # 201 x 0.5, rounded down
    with pytest.raises(ValidationFailed):
        check_partner_bank("Bad", [{"from": "622849", "to": "622848"}], "2", NOW)
    assert PartnerBank("B", (("4000", "4999"),), "3").bonus(10) == 20


def test_fifo_lots_keep_what_lies_beyond_everything_spent():
    lots = [PointsLot("u", f"l{i}", 100, NOW, plus_months(NOW, 12), 100 * (i + 1)) for i in range(3)]
    # 300 credited, 150 spent: the first lot is gone, the second half left, the third whole
    assert [fifo_left(lot, 300, 150) for lot in lots] == [0, 50, 100]
    assert [fifo_left(lot, 300, 300) for lot in lots] == [100, 100, 100]
    assert [fifo_left(lot, 300, 0) for lot in lots] == [0, 0, 0]
    assert plus_months("2026-01-31T00:00:00.000Z", 1) == "2026-02-28T00:00:00.000Z"


def test_ratings_add_and_leave_exactly():
    summary = RatingSummary().with_rating(5).with_rating(4).with_rating(4)
    assert summary.average == "4.3" and summary.stars == (0, 0, 0, 2, 1)
    hidden = summary.with_rating(5, -1)
    assert hidden.to_public() == {"average": "4.0", "count": 2, "stars": [0, 0, 0, 2, 0]}
    assert RatingSummary().average is None


def test_the_dispute_rate_counts_the_last_ninety_days_only():
    days = {"2026-05-04": 10, "2026-02-04": 5, "2026-01-01": 100}
    opened = {"2026-05-04": 1, "2026-01-01": 50}
    assert dispute_rate(days, opened, NOW) == {"days": 90, "orders": 15, "disputes": 1, "percent": "6.7"}
    assert dispute_rate({}, {}, NOW)["percent"] is None
