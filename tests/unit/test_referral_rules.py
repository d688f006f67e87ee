"""Referral codes and the referral points rule (issue 19)."""

from __future__ import annotations

from chalicelib.domain.referrals import (
    REFERRAL_POINTS,
    referral_code,
    referral_posting,
    referral_reversal,
    referrer_of,
)

USER = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def test_a_referral_code_stands_for_its_account_and_nothing_else_is_a_code():
    code = referral_code(USER)
    assert code == "3f2b1c4d5e6f4a7b8c9d0e1f2a3b4c5d" and referrer_of(code) == USER
    assert referrer_of(code.upper()) == USER
    assert referrer_of("not-a-code") is None and referral_code("seed-user") is None


def test_the_points_enter_for_the_sharer_once_per_new_buyer_and_a_reversal_takes_them_back():
    earned = referral_posting(USER, "buyer-1", "ord_1", "2026-11-30T10:00:00.000Z")
    assert earned.posting_id == "referral:buyer-1"  # the idempotency key: one per new buyer
    assert referral_posting(USER, "buyer-1", "ord_2", "2026-12-01T10:00:00.000Z").posting_id == earned.posting_id
    assert {(e.account, e.amount, e.currency) for e in earned.entries} == {
        (f"points:{USER}", REFERRAL_POINTS, "PTS"),
        ("external:points", -REFERRAL_POINTS, "PTS"),
    }
    back = referral_reversal(earned, "2026-12-02T10:00:00.000Z")
    assert back.posting_id == "referral-reversed:buyer-1" and back.refs["reverses"] == earned.posting_id
    assert {(e.account, e.amount) for e in back.entries} == {
        (f"points:{USER}", -REFERRAL_POINTS),
        ("external:points", REFERRAL_POINTS),
    }
