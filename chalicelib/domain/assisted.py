"""Assisted orders (issue 11): a village partner orders for a villager, and earns a service fee. Pure Python.

The fee rule is one per county: `percent_bp` of an order's goods value (basis points, 1 bp = 0.01 %), at least
`min_amount` and at most `max_amount` (minor units). It is computed per order (one order per shop), with
domain/ledger.basis_points: integer arithmetic, rounded half away from zero (2.5 fen -> 3 fen), then clamped
to [min_amount, max_amount]. No rule for the county: no fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ValidationFailed
from .ledger import basis_points

MAX_FEE_BP = 2_000  # 20 %: a partner's fee above that is a typo, not a business
ASSISTED_PAYMENTS = ("cash_on_pickup", "paid_by_partner")


@dataclass(frozen=True)
class FeeRule:
    county_id: str
    percent_bp: int
    min_amount: int
    max_amount: int
    currency: str
    updated_at: str
    updated_by: str

    def fee(self, goods_amount: int) -> int:
        """The partner's fee on one order's goods value (minor units)."""
        if goods_amount <= 0:
            return 0
        return min(self.max_amount, max(self.min_amount, basis_points(goods_amount, self.percent_bp)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "percent_bp": self.percent_bp,
            "min_amount": self.min_amount,
            "max_amount": self.max_amount,
            "currency": self.currency,
        }


def fee_rule(county_id: str, fields: dict[str, Any], *, actor_id: str, now: str) -> FeeRule:
    percent, low, high = fields["percent_bp"], fields["min_amount"], fields["max_amount"]
    problems = []
    if not 0 <= percent <= MAX_FEE_BP:
        problems.append({"field": "percent_bp", "message": f"between 0 and {MAX_FEE_BP} basis points"})
    if low < 0 or high < 0:
        problems.append({"field": "min_amount", "message": "amounts are not negative"})
    if low > high:
        problems.append({"field": "max_amount", "message": "at least min_amount"})
    if problems:
        raise ValidationFailed("the fee rule is not valid", details=problems)
    return FeeRule(county_id, percent, low, high, fields["currency"], updated_at=now, updated_by=actor_id)
