"""Referral codes and the referral points rule (issue 19)."""

from __future__ import annotations

from chalicelib.domain.referrals import (
    REFERRAL_POINTS,
    referral_code,
    referral_posting_id,
    referral_reversal_id,
    referrer_of,
)

USER = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def test_a_referral_code_stands_for_its_account_and_nothing_else_is_a_code():
    code = referral_code(USER)
    assert code == "3f2b1c4d5e6f4a7b8c9d0e1f2a3b4c5d" and referrer_of(code) == USER
    assert referrer_of(code.upper()) == USER
    assert referrer_of("not-a-code") is None and referral_code("seed-user") is None


def test_the_points_are_keyed_by_the_new_buyer_so_they_are_earned_and_taken_back_once():
    assert REFERRAL_POINTS > 0
    assert referral_posting_id("buyer-1") == "referral:buyer-1" != referral_posting_id("buyer-2")
    assert referral_reversal_id("buyer-1") == "referral-reversed:buyer-1"
