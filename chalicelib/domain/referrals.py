"""Sharing that brings buyers (issue 19): referral codes and the referral points rule. Pure rules.

A signed-in buyer's share links carry their referral code; a new buyer who registers through one is recorded as
referred by them. The first completed order of that new buyer earns the sharer REFERRAL_POINTS points, once per
new buyer (the posting's id is derived from the new buyer); if that order is returned, the points are taken back.
The points move through issue 13's points programme (services/points.py), like every other point.
"""

from __future__ import annotations

import re

REFERRAL_POINTS = 500  # PTS
_CODE = re.compile(r"^[0-9a-f]{32}$")


def referral_code(user_id: str) -> str | None:
    """The code a user's share links carry: their account id (a UUID) without its dashes; None for other ids."""
    code = user_id.replace("-", "").lower()
    return code if _CODE.match(code) else None


def referrer_of(code: str) -> str | None:
    """The account a referral code stands for (None when it is not a code)."""
    code = code.strip().lower()
    if not _CODE.match(code):
        return None
    return f"{code[:8]}-{code[8:12]}-{code[12:16]}-{code[16:20]}-{code[20:]}"


def referral_claim_key(buyer_id: str) -> str:
    return f"referred#{buyer_id}"


def referral_posting_id(buyer_id: str) -> str:
    return f"referral:{buyer_id}"


def referral_reversal_id(buyer_id: str) -> str:
    return f"referral-reversed:{buyer_id}"
