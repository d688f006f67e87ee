"""Producers a partner sells for (issue 11): who runs a producer's shop, how their payout is recorded, and how a
producer's sale is split at completion and given back on a refund. Pure rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.catalog import Shop
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import Actor, Role, ensure_shop_manager, manages_shop
from chalicelib.domain.producers import is_producer, payout_record
from chalicelib.domain.seller_money import CommissionTerms, ProducerShare, completion, refund
from tests.unit.test_seller_money import order

PARTNER = Actor("usr-partner", "p@x", frozenset({Role.PARTNER}))
OTHER_PARTNER = Actor("usr-other", "o@x", frozenset({Role.PARTNER}))
SHARE = ProducerShare("pdr_1", "vil_1", CommissionTerms(1_000, 0, "CNY"))


def shop(status: str = "active", managed_by: str | None = "usr-partner") -> Shop:
    return Shop("shp_1", "pdr_1", "Caps", "caps", "handicrafts", "", {}, status, "t", "t", 1, managed_by=managed_by)


def test_the_owner_or_the_managing_partner_runs_a_producers_shop_and_no_one_else():
    assert manages_shop(PARTNER, "pdr_1", "usr-partner")
    assert manages_shop(Actor("pdr_1", "", frozenset()), "pdr_1", None)
    assert not manages_shop(OTHER_PARTNER, "pdr_1", "usr-partner")
    assert not manages_shop(PARTNER, "pdr_1", None)
    ensure_shop_manager(PARTNER, shop())
    with pytest.raises(Forbidden):
        ensure_shop_manager(OTHER_PARTNER, shop())  # public shop: 403
    with pytest.raises(NotFound):
        ensure_shop_manager(OTHER_PARTNER, shop("pending"))  # not public: 404


def test_a_producer_id_is_told_from_a_sellers():
    assert is_producer("pdr_01ABC") and not is_producer("1b2c-uuid") and not is_producer(None)


def test_a_bank_payout_needs_valid_details_and_a_cash_one_has_none():
    details = {"holder_name": "G", "bank_name": "ABC", "account_number": "6228-4800 1234 5678"}
    assert payout_record({"method": "bank_account", "details": details})["details"]["account_number"] == (
        "6228480012345678"
    )
    assert payout_record({"method": "cash_via_partner"}) == {"method": "cash_via_partner", "details": None}
    for bad in (
        {"method": "bank_account"},
        {"method": "bank_account", "details": {**details, "account_number": "12"}},
        {"method": "cash_via_partner", "details": details},
        {"method": "alipay"},
    ):
        with pytest.raises(ValidationFailed):
            payout_record(bad)


def test_a_producers_sale_completes_into_their_account_net_of_both_commissions():
    sale = replace(order(total_units=1, unit=12_345), pending_credited=True, seller_id="pdr_1")
    posting, record = completion(sale, CommissionTerms(500, 0, "CNY"), "2026-05-01T00:00:00.000Z", SHARE)
    amounts = {e.account: e.amount for e in posting.entries}
    # 5 % of 123.45 = 6.17 (half away from zero: 617.25 -> 617); 10 % = 12.35 (1234.5 -> 1235)
    assert amounts == {
        f"shop:{sale.shop_id}:pending": -12_345,
        "producer:pdr_1:payable": 12_345 - 617 - 1_235,
        "platform:commission": 617,
        "village:vil_1:commissions": 1_235,
    }
    assert sum(amounts.values()) == 0 and record["partner_amount"] == 1_235 and record["producer_id"] == "pdr_1"


def test_the_partners_commission_never_takes_more_than_the_platforms_leaves():
    sale = replace(order(total_units=1, unit=1_000), pending_credited=True)
    greedy = ProducerShare("pdr_1", "vil_1", CommissionTerms(5_000, 0, "CNY"))
    posting, record = completion(sale, CommissionTerms(5_000, 600, "CNY"), "2026-05-01T00:00:00.000Z", greedy)
    amounts = {e.account: e.amount for e in posting.entries}
    assert record["amount"] == 600 and record["partner_amount"] == 400 and "producer:pdr_1:payable" not in amounts


def test_a_whole_refund_after_completion_gives_back_every_share():
    sale = replace(order(total_units=2, unit=10_000), pending_credited=True)
    _, record = completion(sale, CommissionTerms(500, 0, "CNY"), "2026-05-01T00:00:00.000Z", SHARE)
    completed = replace(sale, commission=record, status="completed")
    posting, after = refund(completed, 20_000, "ret_1", "2026-05-02T00:00:00.000Z")
    amounts = {e.account: e.amount for e in posting.entries}
    assert amounts == {
        "external:buyer-payments": 20_000,
        "producer:pdr_1:payable": -17_000,
        "platform:commission": -1_000,
        "village:vil_1:commissions": -2_000,
    }
    assert after.commission["amount"] == 0 and after.commission["partner_amount"] == 0
