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
from .ledger import Account, Posting, basis_points, split, transfer
from .orders import Order

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


# --- the partner's fee in the ledger (docs/ledger.md) ----------------------------------------------------------
# The villager pays the partner in cash at the handover (goods + fee on cash on pickup, the fee when the partner
# paid the goods): the fee is earned then (external:cash -> village:<id>:fees) and the goods' cash is owed by
# the partner (village:<id>:cash), in the handover's own transaction. Goods returned at the village give back
# the share of the fee their value bears (the same rounding, cumulated over the order's returns so that a whole
# return gives back exactly the whole fee).

CASH = Account.external("cash")


def fee_of(order: Order) -> int:
    return int((order.assisted or {}).get("service_fee") or 0)


def handover_posting(order: Order, at: str) -> Posting | None:
    """What the handover of an assisted `order` posts, in the handover's own transaction: the villager pays the
    partner in cash. Cash on pickup: goods + fee; the goods' value is cash the partner owes (village:cash, until
    remitted to the county) and the fee is theirs (village:fees). Paid by the partner: the fee only. None when
    nothing is paid at the handover."""
    if not order.assisted:
        return None
    fee = fee_of(order)
    village_id = order.assisted["village_id"]
    goods = order.total if order.assisted["payment"] == "cash_on_pickup" else 0
    if goods + fee <= 0:
        return None
    return split(
        f"assisted-handover:{order.order_id}",
        "assisted.handover",
        at,
        source=CASH,
        shares={Account.village(village_id, "cash"): goods, Account.village(village_id, "fees"): fee},
        currency=order.currency,
        refs={"order_id": order.order_id, "villager_id": order.assisted["villager_id"]},
        memo=f"Collected at the handover of order {order.order_id}",
    )


def _returned_value(order: Order, returned: dict[str, int]) -> int:
    return sum(line.unit_amount * returned.get(line.line_id, 0) for line in order.lines)


def fee_reversed(order: Order, returned_after: dict[str, int], return_id: str, at: str) -> Posting | None:
    """The share of the fee given back for the goods of return `return_id` (`returned_after`: the order's
    returned quantities including it). None when the order had no fee, was not handed over, or the share
    rounds to nothing."""
    fee, goods = fee_of(order), order.total
    if not order.assisted or fee <= 0 or goods <= 0 or order.delivered_at is None:
        return None

    def share(returned: dict[str, int]) -> int:
        return (fee * _returned_value(order, returned) * 2 + goods) // (2 * goods)  # half away from zero

    amount = share(returned_after) - share(order.returned)
    if amount <= 0:
        return None
    return transfer(
        f"service-fee-reversed:{return_id}",
        "service_fee.reversed",
        at,
        source=Account.village(order.assisted["village_id"], "fees"),
        destination=CASH,
        amount=amount,
        currency=order.currency,
        refs={"order_id": order.order_id, "return_id": return_id},
        memo=f"Service fee given back: return {return_id} of order {order.order_id}",
    )


def goods_paid_by_partner(orders: list[Order], village_id: str, villager_id: str, at: str) -> Posting:
    """The goods of a `paid_by_partner` assisted checkout, paid by the partner from their own funds (outside
    the ledger, as cash is): `external:cash` -> `village:<id>:goods`, posted with the orders themselves (one
    transaction), so the partner's statement shows what they advanced for their villagers."""
    goods = sum(o.total for o in orders)
    checkout_id = orders[0].checkout_id
    refs = {"checkout_id": checkout_id, "villager_id": villager_id}
    if len(orders) == 1:
        refs["order_id"] = orders[0].order_id
    return transfer(
        f"assisted-goods:{checkout_id}",
        "assisted.goods_paid",
        at,
        source=CASH,
        destination=Account.village(village_id, "goods"),
        amount=goods,
        currency=orders[0].currency,
        refs=refs,
        memo=f"Goods paid by the partner for villager {villager_id}: " + ", ".join(o.order_id for o in orders),
    )
